/**
 * A throwaway `CODEX_HOME` whose `config.toml` points the real app-server at the scripted model
 * server, so the real binary runs whole turns with no account and no network.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Settings for the generated `config.toml`. */
export interface CodexHomeOptions {
  /** The scripted model server's base URL (`…/v1`). */
  modelUrl: string;
  approvalPolicy?: 'never' | 'on-request' | 'untrusted';
  sandboxMode?: 'read-only' | 'workspace-write' | 'danger-full-access';
  /** More TOML, appended as is. */
  extraToml?: string;
}

/** A temporary Codex home and a workspace folder next to it. */
export interface CodexHome {
  /** The `CODEX_HOME` folder. */
  readonly path: string;
  /** An empty folder to use as the agent's working directory. */
  readonly workspace: string;
  /** Environment for the server: `CODEX_HOME`, managed config off, quiet logs. */
  readonly env: Record<string, string>;
  /** Removes both folders. */
  cleanup(): Promise<void>;
}

const toml = (value: string): string => JSON.stringify(value);

/** Writes the config and returns the folders. */
export async function createCodexHome(options: CodexHomeOptions): Promise<CodexHome> {
  const root = await mkdtemp(path.join(tmpdir(), 'codex-rx-home-'));
  const home = path.join(root, 'home');
  const workspace = path.join(root, 'workspace');
  await mkdir(home);
  await mkdir(workspace);
  const config = [
    `model = "mock-model"`,
    `model_provider = "mock"`,
    `approval_policy = ${toml(options.approvalPolicy ?? 'never')}`,
    `sandbox_mode = ${toml(options.sandboxMode ?? 'read-only')}`,
    '',
    '[model_providers.mock]',
    'name = "scripted model"',
    `base_url = ${toml(options.modelUrl)}`,
    'wire_api = "responses"',
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
    options.extraToml ?? '',
  ].join('\n');
  await writeFile(path.join(home, 'config.toml'), config);
  return {
    path: home,
    workspace,
    env: { CODEX_APP_SERVER_DISABLE_MANAGED_CONFIG: '1', RUST_LOG: 'warn' },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
