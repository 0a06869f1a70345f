import { Codex } from '../../src/index.js';

/**
 * The suite's real-server fixture: the public testing kit's `startScriptedCodex`, under the
 * names the specs use.
 */
export { startScriptedCodex as startRealCodex } from '../../src/testing/scripted-codex.js';
export type {
  ScriptedCodex as RealCodex,
  ScriptedCodexOptions as RealCodexOptions,
} from '../../src/testing/scripted-codex.js';

/** Whether a process with this pid still exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Another client on `real`'s home, with a server of its own, as another process would start one
 * (say, after `real`'s client closed): it resumes what `real` stored.
 */
export function reopen(real: {
  home: { path: string; workspace: string; env: Record<string, string> };
}): Promise<Codex> {
  return Codex.start({ codexHome: real.home.path, cwd: real.home.workspace, env: real.home.env });
}
