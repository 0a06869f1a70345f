/**
 * A TypeScript module run in a child Node process that starts something and prints its pid:
 * for tests of what is left when that Node process ends without `close()`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { ResultPromise } from 'execa';

export interface PidPrintingChild {
  readonly child: ResultPromise;
  /** The pid the module printed (`pid N` on its stdout). */
  readonly pid: number;
  /** Everything it printed on stdout so far. */
  readonly output: () => string;
  /** Kills the child (if it still runs) and removes its folder. */
  readonly cleanup: () => Promise<void>;
}

/** Runs `lines` as a module and waits until it prints `pid N` (a minute at most). */
export async function startPidPrintingChild(lines: readonly string[]): Promise<PidPrintingChild> {
  const dir = await mkdtemp(path.join(tmpdir(), 'codex-rx-exit-hook-'));
  const script = path.join(dir, 'child.mts');
  await writeFile(script, lines.join('\n'));
  const child = execa(process.execPath, ['--import', 'tsx', script], {
    reject: false,
    env: { NODE_OPTIONS: '' },
    timeout: 90_000,
  });
  const cleanup = async (): Promise<void> => {
    child.kill('SIGKILL');
    await child;
    await rm(dir, { recursive: true, force: true });
  };
  let pid: number | undefined;
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const match = /pid (\d+)/.exec(output);
    if (match) pid = Number(match[1]);
  });
  for (let i = 0; i < 600 && pid === undefined; i++) await new Promise((r) => setTimeout(r, 100));
  if (pid === undefined) {
    await cleanup();
    const { stderr } = await child;
    throw new Error(`the child printed no pid; its stderr:\n${String(stderr)}`);
  }
  return { child, pid, output: () => output, cleanup };
}
