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
