/**
 * Runs an example against the real Codex (your login, your model) or, offline, against the
 * project's scripted model server with a throwaway CODEX_HOME, so every example also runs on a
 * machine with no account and no network. Offline when `CODEX_RX_OFFLINE=1` or `--offline`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CodexOptions } from '../../src/index.js';
import { createCodexHome } from '../../src/testing/codex-home.js';
import { ScriptedModelServer } from '../../src/testing/scripted-model-server.js';
import { OFFLINE_SCRIPTS } from './offline-scripts.js';

/** Where an example runs. Dispose it (`await using`) to stop what it started. */
export interface ExampleEnvironment extends AsyncDisposable {
  /** Whether the scripted model answers. */
  readonly offline: boolean;
  /** Options for `Codex.start()`: empty for real runs. */
  readonly options: CodexOptions;
  /** A scratch folder for the agent to work in (never your own files). */
  readonly workspace: string;
}

/** Whether this process runs examples offline. */
export function isOffline(defaultOffline = false): boolean {
  if (process.argv.includes('--real')) return false;
  if (process.argv.includes('--offline') || process.env.CODEX_RX_OFFLINE === '1') return true;
  return defaultOffline;
}

/** Sets up example `name`: the scripted model and a temporary CODEX_HOME offline, a scratch folder either way. */
export async function exampleEnvironment(
  name: string,
  options: { offlineByDefault?: boolean } = {},
): Promise<ExampleEnvironment> {
  if (!isOffline(options.offlineByDefault)) {
    const workspace = await mkdtemp(path.join(tmpdir(), `codex-rx-${name}-`));
    return {
      offline: false,
      options: {},
      workspace,
      [Symbol.asyncDispose]: () => rm(workspace, { recursive: true, force: true }),
    };
  }
  const script = OFFLINE_SCRIPTS[name];
  if (!script)
    throw new Error(`no offline script for example ${name} in examples/support/offline-scripts.ts`);
  const model = await ScriptedModelServer.start(
    script.responder ? { responder: script.responder } : {},
  );
  model.enqueue(...(script.replies ?? []));
  const home = await createCodexHome({
    modelUrl: model.url,
    ...(script.approvalPolicy ? { approvalPolicy: script.approvalPolicy } : {}),
    ...(script.sandboxMode ? { sandboxMode: script.sandboxMode } : {}),
  });
  return {
    offline: true,
    options: { codexHome: home.path, env: home.env, cwd: home.workspace },
    workspace: home.workspace,
    async [Symbol.asyncDispose]() {
      await model.close();
      await home.cleanup();
    },
  };
}
