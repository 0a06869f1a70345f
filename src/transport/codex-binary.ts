import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CodexError } from '../errors/codex-error.js';

/** Where the bundled `codex` binary was found, and what belongs next to it. */
export interface CodexBinary {
  /** Absolute path of the native executable. */
  readonly path: string;
  /** Folder of helper tools (`rg`) that the server expects on `PATH`, when it exists. */
  readonly helperPath?: string;
  /** The `@openai/codex` package root, passed as `CODEX_MANAGED_PACKAGE_ROOT` like its own launcher does. */
  readonly packageRoot?: string;
}

/** Raised when no runnable `codex` binary can be found; `data` holds `{ triedPaths }`. */
export class CodexBinaryNotFoundError extends CodexError {
  override name = 'CodexBinaryNotFoundError';
  constructor(
    message: string,
    /** Every path that was tried, in order. */
    readonly triedPaths: readonly string[],
  ) {
    super(message, { code: 'binary_not_found', data: { triedPaths } });
  }
}

// Mirrors `@openai/codex/bin/codex.js`: the npm package ships one optional platform package per target.
const TARGETS: Readonly<Record<string, { triple: string; pkg: string }>> = {
  'linux-x64': { triple: 'x86_64-unknown-linux-musl', pkg: '@openai/codex-linux-x64' },
  'android-x64': { triple: 'x86_64-unknown-linux-musl', pkg: '@openai/codex-linux-x64' },
  'linux-arm64': { triple: 'aarch64-unknown-linux-musl', pkg: '@openai/codex-linux-arm64' },
  'android-arm64': { triple: 'aarch64-unknown-linux-musl', pkg: '@openai/codex-linux-arm64' },
  'darwin-x64': { triple: 'x86_64-apple-darwin', pkg: '@openai/codex-darwin-x64' },
  'darwin-arm64': { triple: 'aarch64-apple-darwin', pkg: '@openai/codex-darwin-arm64' },
  'win32-x64': { triple: 'x86_64-pc-windows-msvc', pkg: '@openai/codex-win32-x64' },
  'win32-arm64': { triple: 'aarch64-pc-windows-msvc', pkg: '@openai/codex-win32-arm64' },
};

/**
 * Finds the native `codex` executable shipped by the pinned `@openai/codex` dependency.
 *
 * The native binary is spawned directly rather than through the package's Node launcher: the launcher
 * would sit between us and the server, and a killed launcher can leave the real server orphaned.
 *
 * @param platform - defaults to `process.platform`.
 * @param arch - defaults to `process.arch`.
 * @throws {@link CodexBinaryNotFoundError} naming every path tried.
 */
export function resolveBundledCodex(
  platform: string = process.platform,
  arch: string = process.arch,
): CodexBinary {
  const target = TARGETS[`${platform}-${arch}`];
  if (!target) {
    throw new CodexBinaryNotFoundError(
      `codex-rx: no bundled Codex binary for ${platform}-${arch}; pass the \`codexPath\` option.`,
      [],
    );
  }
  const require = createRequire(import.meta.url);
  const exe = platform === 'win32' ? 'codex.exe' : 'codex';
  const tried: string[] = [];
  let packageRoot: string | undefined;
  const vendorRoots: string[] = [];
  try {
    vendorRoots.push(
      path.join(path.dirname(require.resolve(`${target.pkg}/package.json`)), 'vendor'),
    );
  } catch {
    // Older layouts put the vendor folder inside @openai/codex itself.
  }
  try {
    packageRoot = path.dirname(require.resolve('@openai/codex/package.json'));
    vendorRoots.push(path.join(packageRoot, 'vendor'));
  } catch {
    // Reported below with the paths tried.
  }
  for (const vendorRoot of vendorRoots) {
    const candidate = path.join(vendorRoot, target.triple, 'bin', exe);
    tried.push(candidate);
    if (existsSync(candidate)) {
      const helperPath = path.join(vendorRoot, target.triple, 'codex-path');
      return {
        path: candidate,
        ...(existsSync(helperPath) ? { helperPath } : {}),
        ...(packageRoot ? { packageRoot } : {}),
      };
    }
  }
  throw new CodexBinaryNotFoundError(
    `codex-rx: the bundled Codex binary (${target.pkg}) is not installed. ` +
      `Reinstall dependencies (npm install) or pass the \`codexPath\` option. Tried: ${tried.join(', ') || '(nothing resolvable)'}`,
    tried,
  );
}

/**
 * The environment variable that points codex-rx at another `codex` executable instead of the
 * bundled one (used to run a suite against another release; an explicit `codexPath` still wins).
 */
export const CODEX_PATH_ENV = 'CODEX_RX_CODEX_PATH';

/**
 * The `codex` executable to use when no `codexPath` option is given: the one named by
 * `CODEX_RX_CODEX_PATH` when it is set, otherwise the bundled, pinned one.
 *
 * An overriding binary laid out like a platform package (`…/<triple>/bin/codex`) gets its sibling
 * `codex-path` helper folder, as the bundled one does.
 *
 * @param env - defaults to `process.env`.
 * @throws {@link CodexBinaryNotFoundError} when `CODEX_RX_CODEX_PATH` names no file, a folder or a
 *   file that may not be executed (the message names the variable, the path and which), or
 *   (unset) when there is no bundled binary.
 */
export function resolveCodex(
  env: Readonly<Record<string, string | undefined>> = process.env,
): CodexBinary {
  const override = env[CODEX_PATH_ENV];
  if (override === undefined || override === '') return resolveBundledCodex();
  const full = path.resolve(override);
  const wrong = executableProblem(full);
  if (wrong !== undefined) {
    throw new CodexBinaryNotFoundError(
      `codex-rx: ${CODEX_PATH_ENV} names ${full}, which ${wrong}. ` +
        `Unset it to use the bundled binary, or point it at a codex executable.`,
      [full],
    );
  }
  const helperPath = path.join(path.dirname(path.dirname(full)), 'codex-path');
  return { path: full, ...(existsSync(helperPath) ? { helperPath } : {}) };
}

/** Why `file` cannot be spawned as an executable (`is a folder, …`), or undefined when it can. */
export function executableProblem(file: string): string | undefined {
  let stats;
  try {
    stats = statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR'
      ? 'does not exist'
      : `cannot be read (${code ?? String(error)})`;
  }
  if (stats.isDirectory()) return 'is a folder, not an executable';
  if (!stats.isFile()) return 'is not a regular file';
  // Windows has no execute bit: what it runs is decided by the name.
  if (process.platform === 'win32') return undefined;
  try {
    accessSync(file, constants.X_OK);
  } catch {
    return `is not executable (mode ${(stats.mode & 0o777).toString(8).padStart(3, '0')}; chmod +x it)`;
  }
  return undefined;
}
