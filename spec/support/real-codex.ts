/**
 * Starts the real, pinned `codex app-server` against a fresh scripted model server and a
 * temporary `CODEX_HOME`, and tears all three down together.
 */
import { Codex } from '../../src/client/codex.js';
import type { CodexOptions } from '../../src/client/codex-options.js';
import { createCodexHome } from '../../src/testing/codex-home.js';
import type { CodexHome, CodexHomeOptions } from '../../src/testing/codex-home.js';
import { ScriptedModelServer } from '../../src/testing/scripted-model-server.js';
import type { Responder } from '../../src/testing/scripted-model-server.js';

/** A running real server with its scripted model. */
export interface RealCodex {
  readonly codex: Codex;
  readonly model: ScriptedModelServer;
  readonly home: CodexHome;
  /** Closes the client, then the model server, then removes the temporary folders. */
  close(): Promise<void>;
}

/** Options for {@link startRealCodex}. */
export interface RealCodexOptions extends Omit<CodexHomeOptions, 'modelUrl'> {
  responder?: Responder;
  codex?: CodexOptions;
}

/** Starts model server, home and client. */
export async function startRealCodex(options: RealCodexOptions = {}): Promise<RealCodex> {
  const model = await ScriptedModelServer.start(
    options.responder ? { responder: options.responder } : {},
  );
  const home = await createCodexHome({ ...options, modelUrl: model.url });
  let codex: Codex;
  try {
    codex = await Codex.start({
      codexHome: home.path,
      cwd: home.workspace,
      ...options.codex,
      env: { ...home.env, ...options.codex?.env },
    });
  } catch (error) {
    await model.close();
    await home.cleanup();
    throw error;
  }
  return {
    codex,
    model,
    home,
    async close() {
      await codex.close();
      await model.close();
      await home.cleanup();
    },
  };
}

/** Whether a process with this pid still exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
