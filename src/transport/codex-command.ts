import path from 'node:path';
import { resolveCodex } from './codex-binary.js';
import { configToArgs } from './toml.js';
import type { TomlValue } from './toml.js';

/** What it takes to run `codex`: which binary, and its config, home and environment. */
export interface CodexCommandOptions {
  /**
   * The `codex` executable. Defaults to `CODEX_RX_CODEX_PATH` when set, otherwise the native binary of
   * the pinned `@openai/codex` dependency.
   */
  codexPath?: string;
  /** Config overrides, each passed as `-c key=value` with the value TOML-encoded. */
  config?: Readonly<Record<string, TomlValue | undefined>>;
  /** Environment variables added to (or, when `undefined`, removed from) the inherited environment. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Sets `CODEX_HOME`, the server's config and state folder. */
  codexHome?: string;
}

/**
 * The executable, arguments and environment for `codex <subcommand…>`, as the package's own
 * launcher would set them up (helper tools on `PATH`, the package root), without its Node
 * wrapper process.
 */
export function codexCommand(
  options: CodexCommandOptions,
  subcommand: readonly string[],
): { executable: string; args: string[]; env: Record<string, string | undefined> } {
  const bundled = options.codexPath ? undefined : resolveCodex();
  const executable = options.codexPath ?? bundled!.path;
  const env: Record<string, string | undefined> = { ...options.env };
  if (options.codexHome) env.CODEX_HOME = options.codexHome;
  if (bundled?.helperPath) {
    const inherited = env.PATH ?? process.env.PATH ?? '';
    env.PATH = inherited
      ? `${bundled.helperPath}${path.delimiter}${inherited}`
      : bundled.helperPath;
  }
  if (bundled?.packageRoot && env.CODEX_MANAGED_PACKAGE_ROOT === undefined) {
    env.CODEX_MANAGED_PACKAGE_ROOT = bundled.packageRoot;
  }
  return { executable, args: [...configToArgs(options.config ?? {}), ...subcommand], env };
}
