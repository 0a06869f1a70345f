/**
 * Case 4: memory. Sequential turns through the in-memory peer (each: started, deltas, a message,
 * usage, completed); heap after a full GC before and after must not grow, and peak RSS is
 * reported. Needs `--expose-gc` (npm run bench passes it).
 */
import type { BenchConfig, CaseResult } from '../support/case.js';
import { target } from '../support/case.js';
import { inMemoryClient } from '../support/in-memory-client.js';
import { answerTurns } from '../../spec/support/turn-fixtures.js';

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('memory case needs node --expose-gc (npm run bench passes it)');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export async function memory(config: BenchConfig): Promise<CaseResult> {
  const turns = config.quick ? 500 : 10_000;
  const warmup = config.quick ? 50 : 500;
  const { peer, codex, startThread } = await inMemoryClient();
  answerTurns(peer, 'th-0', (t) => [
    t.started(),
    t.delta('m', 'hello '),
    t.delta('m', 'world'),
    t.message('m', 'hello world'),
    t.usage(20),
    t.completed(),
  ]);
  try {
    const thread = await startThread();
    for (let i = 0; i < warmup; i++) await thread.run(`warm ${i}`);
    peer.received.length = 0;
    const before = heapAfterGc();
    const started = performance.now();
    for (let i = 0; i < turns; i++) {
      // The test peer logs what it receives; that log is the harness's, not the client's memory.
      peer.received.length = 0;
      const result = await thread.run(`turn ${i}`);
      if (result.finalResponse !== 'hello world')
        throw new Error(`memory: turn ${i} lost its answer`);
    }
    const ms = performance.now() - started;
    const after = heapAfterGc();
    const growthMb = (after - before) / 1e6;
    const peakRssMb = (process.resourceUsage().maxRSS * 1024) / 1e6;
    config.log(
      `  memory: ${turns} turns in ${ms.toFixed(0)} ms, heap ${(before / 1e6).toFixed(1)} → ${(after / 1e6).toFixed(1)} MB`,
    );
    return {
      name: `memory (${turns.toLocaleString('en-US')} sequential turns)`,
      rows: [
        [
          'heap after GC, before → after, MB',
          `${(before / 1e6).toFixed(1)} → ${(after / 1e6).toFixed(1)}`,
        ],
        ['heap growth, MB', growthMb.toFixed(2)],
        ['peak RSS of the bench process, MB', peakRssMb.toFixed(0)],
        ['turns per second', ((turns / ms) * 1000).toFixed(0)],
      ],
      metrics: {
        turns,
        heapBefore: before,
        heapAfter: after,
        growthMb,
        peakRssMb,
        turnsPerSecond: (turns / ms) * 1000,
      },
      targets: [target('memory: heap growth < 10 MB', growthMb, 'max', 10)],
    };
  } finally {
    await codex.close();
  }
}
