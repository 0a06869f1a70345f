/**
 * A throwaway `CODEX_HOME` whose `config.toml` points the real app-server at a scripted model
 * server, so the real binary runs whole turns with no account and no network. The home is
 * hermetic: nothing the server does with it depends on the host's shell, network or `~/.codex`.
 *
 * A home never outlives its process for long: it is removed at exit and on a fatal signal
 * (Ctrl-C, SIGTERM) even when `cleanup()` was never reached, and a process killed outright
 * (SIGKILL, a crash) leaves a folder named after its pid, which the next `createCodexHome()` on
 * the machine removes once that pid is gone.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { encodeTomlValue } from '../transport/toml.js';
import { ownedTempFolder } from '../transport/owned-temp-folder.js';

/**
 * Server features the scripted home turns off, each because it makes a turn depend on the host
 * rather than on the script (checked with `strace -f -e execve,connect` on 0.169.0):
 *
 * - `shell_snapshot`: runs the user's login shell (`bash -lc`, so `~/.bashrc`) for every thread:
 *   ~0.5 s of CPU each on CI machines, and whatever the host's rc files do.
 * - `plugins`, `remote_plugin`: `git ls-remote` of a public plugin repository at start (network).
 * - `apps`, `tool_suggest`, `api_key_model_discovery`: look up connectors, tool suggestions and
 *   models over the network.
 * - `skill_mcp_dependency_install`, `workspace_dependencies`: install or probe helper tools.
 * - `system_proxy_fallback`: reads the host's proxy settings.
 * - `daemon_auto_start`: may start a background app-server daemon that outlives the test.
 * - `hooks`: runs hook commands from config layers outside the scripted home.
 *
 * The model's tools are the same with and without these (a scripted turn sees `exec_command`,
 * `write_stdin`, `update_goal`, …), so scripts written against the defaults keep working.
 */
export const HERMETIC_FEATURES_OFF: readonly string[] = Object.freeze([
  'shell_snapshot',
  'plugins',
  'remote_plugin',
  'apps',
  'tool_suggest',
  'api_key_model_discovery',
  'skill_mcp_dependency_install',
  'workspace_dependencies',
  'system_proxy_fallback',
  'daemon_auto_start',
  'hooks',
]);

/**
 * Environment for a server on a scripted home: no managed (system-wide) config layer, and warnings
 * only in its log. Merge it into `Codex.start({ env })`.
 */
export const HERMETIC_ENV: Readonly<Record<string, string>> = Object.freeze({
  CODEX_APP_SERVER_DISABLE_MANAGED_CONFIG: '1',
  RUST_LOG: 'warn',
});

/** Settings for the generated `config.toml`. */
export interface CodexHomeOptions {
  /** The scripted model server's base URL (`…/v1`). */
  modelUrl: string;
  /** `approval_policy`; `'on-request'` makes escalated commands ask the client (default `'never'`). */
  approvalPolicy?: 'never' | 'on-request' | 'untrusted';
  /** `sandbox_mode` (default `'read-only'`). */
  sandboxMode?: 'read-only' | 'workspace-write' | 'danger-full-access';
  /**
   * Feature switches on top of the hermetic ones: `{ goals: false }` turns a feature off,
   * `{ shell_snapshot: true }` turns a hermetic one back on.
   */
  features?: Readonly<Record<string, boolean>>;
  /** More TOML, appended as is after the settings above (tables only: keys would land in `[features]`). */
  extraToml?: string;
}

/** A temporary Codex home and a workspace folder next to it. */
export interface CodexHome {
  /** The `CODEX_HOME` folder. */
  readonly path: string;
  /** An empty folder to use as the agent's working directory. */
  readonly workspace: string;
  /** Environment for the server: {@link HERMETIC_ENV}, and `HOME` an empty folder of its own. */
  readonly env: Record<string, string>;
  /** Removes both folders (also done at exit, or on a fatal signal, if not called). */
  cleanup(): Promise<void>;
}

/** The `config.toml` text for a scripted home. */
export function scriptedConfigToml(options: CodexHomeOptions): string {
  const features: Record<string, boolean> = {};
  for (const name of HERMETIC_FEATURES_OFF) features[name] = false;
  Object.assign(features, options.features);
  return [
    `model = "mock-model"`,
    `model_provider = "mock"`,
    `approval_policy = ${encodeTomlValue(options.approvalPolicy ?? 'never')}`,
    `sandbox_mode = ${encodeTomlValue(options.sandboxMode ?? 'read-only')}`,
    '',
    '[model_providers.mock]',
    'name = "scripted model"',
    `base_url = ${encodeTomlValue(options.modelUrl)}`,
    'wire_api = "responses"',
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
    '[features]',
    ...Object.entries(features).map(([name, on]) => `${name} = ${encodeTomlValue(on)}`),
    '',
    options.extraToml ?? '',
  ].join('\n');
}

/**
 * Writes the config into a new temporary folder and returns the folders. The folder goes when
 * `cleanup()` is called, or else when the process exits or dies of a signal; one left by a
 * process killed outright is removed by the next call on the machine.
 */
export async function createCodexHome(options: CodexHomeOptions): Promise<CodexHome> {
  const owned = await ownedTempFolder('codex-rx-home-');
  const root = owned.path;
  const home = path.join(root, 'home');
  const workspace = path.join(root, 'workspace');
  // The agent runs its commands in a login shell (`bash -lc`): with the host's HOME that reads the
  // host's rc files, whose output and side effects would become part of every command's.
  const userHome = path.join(root, 'user-home');
  try {
    await mkdir(home);
    await mkdir(workspace);
    await mkdir(userHome);
    await writeFile(path.join(home, 'config.toml'), scriptedConfigToml(options));
  } catch (error) {
    await owned.remove();
    throw error;
  }
  return {
    path: home,
    workspace,
    env: { ...HERMETIC_ENV, HOME: userHome },
    cleanup: () => owned.remove(),
  };
}
