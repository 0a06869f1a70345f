/**
 * Case 3: routing scale. 1, 10, 100 and 1,000 turns run at once on one connection; the peer
 * interleaves their deltas round-robin. The cost per event should not grow with the number of
 * turns (a map lookup, not a filter per subscriber).
 */
import type { BenchConfig, CaseResult } from '../support/case.js';
import { target } from '../support/case.js';
import { inMemoryClient } from '../support/in-memory-client.js';
import { formatSummary, settleHeap, summarize } from '../support/stats.js';
import { delta, jsonl, turnCompleted, writeChunked } from '../support/wire.js';

async function nsPerEvent(turnCount: number, totalDeltas: number): Promise<number> {
  const { peer, codex, startThread } = await inMemoryClient();
  try {
    const running: Array<{ threadId: string; turnId: string; done: Promise<number> }> = [];
    for (let i = 0; i < turnCount; i++) {
      const thread = await startThread();
      const turn = thread.turn('go');
      let seen = 0;
      const done = new Promise<number>((resolve, reject) =>
        turn.subscribe({ next: () => void seen++, complete: () => resolve(seen), error: reject }),
      );
      running.push({ threadId: thread.id, turnId: await turn.turnId, done });
    }
    const perTurn = Math.floor(totalDeltas / turnCount);
    const messages: unknown[] = [];
    for (let n = 0; n < perTurn; n++)
      for (const { threadId, turnId } of running) messages.push(delta(threadId, turnId, n));
    for (const { threadId, turnId } of running) messages.push(turnCompleted(threadId, turnId));
    const bytes = jsonl(messages);
    settleHeap();
    const started = performance.now();
    writeChunked(peer.transport.toClient, bytes);
    const counts = await Promise.all(running.map((r) => r.done));
    const ms = performance.now() - started;
    if (counts.some((c) => c !== perTurn + 1))
      throw new Error(`routing: a turn missed events (${turnCount} turns)`);
    return (ms * 1e6) / messages.length;
  } finally {
    await codex.close();
  }
}

export async function routingScale(config: BenchConfig): Promise<CaseResult> {
  const totalDeltas = config.quick ? 10_000 : 200_000;
  const repetitions = config.quick ? 1 : 5;
  const sizes = [1, 10, 100, 1000];
  const samples = new Map<number, number[]>(sizes.map((n) => [n, []]));
  for (let rep = 0; rep < repetitions; rep++) {
    // Alternate the order so drift over the run does not always land on the same size.
    for (const n of rep % 2 ? [...sizes].reverse() : sizes) {
      const ns = await nsPerEvent(n, totalDeltas);
      samples.get(n)!.push(ns);
      config.log(`  routing rep ${rep + 1}/${repetitions}, ${n} turns: ${ns.toFixed(0)} ns/event`);
    }
  }
  const summaries = new Map(sizes.map((n) => [n, summarize(samples.get(n)!)]));
  const ratio = summaries.get(1000)!.median / summaries.get(1)!.median;
  return {
    name: `routing scale (${totalDeltas.toLocaleString('en-US')} deltas interleaved, ${repetitions} reps)`,
    rows: [
      ...sizes.map(
        (n) =>
          [
            `${n} concurrent turn${n > 1 ? 's' : ''}, ns/event`,
            formatSummary(summaries.get(n)!),
          ] as const,
      ),
      ['cost at 1,000 / cost at 1', ratio.toFixed(2)],
    ],
    metrics: { totalDeltas, repetitions, nsPerEvent: Object.fromEntries(summaries), ratio },
    targets: [target('routing: per-event cost at 1,000 turns ≤ 1.5× at 1', ratio, 'max', 1.5)],
  };
}
