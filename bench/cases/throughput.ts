/**
 * Case 2: event throughput. The peer streams the deltas of one turn as fast as the pipe takes
 * them; events/s through `thread.turn()` to a subscriber, against a bare readline + JSON.parse loop
 * over the same bytes in the same 64 KiB chunks.
 */
import type { BenchConfig, CaseResult } from '../support/case.js';
import { target } from '../support/case.js';
import { inMemoryClient } from '../support/in-memory-client.js';
import { formatSummary, settleHeap, summarize } from '../support/stats.js';
import { bareLoop, delta, jsonl, turnCompleted, writeChunked } from '../support/wire.js';

async function throughCodexRx(bytes: Buffer, events: number): Promise<number> {
  const { peer, codex, startThread } = await inMemoryClient();
  try {
    const thread = await startThread();
    const turn = thread.turn('stream');
    let seen = 0;
    const done = new Promise<void>((resolve, reject) =>
      turn.subscribe({ next: () => void seen++, complete: resolve, error: reject }),
    );
    await turn.turnId;
    settleHeap();
    const started = performance.now();
    writeChunked(peer.transport.toClient, bytes);
    await done;
    const ms = performance.now() - started;
    if (seen !== events) throw new Error(`throughput: ${seen} of ${events} events arrived`);
    return ms;
  } finally {
    await codex.close();
  }
}

export async function throughput(config: BenchConfig): Promise<CaseResult> {
  const deltas = config.quick ? 20_000 : 200_000;
  const repetitions = config.quick ? 1 : 5;
  // tu-0 on th-0: the first turn of the first thread the in-memory peer hands out.
  const messages = Array.from({ length: deltas }, (_, n) => delta('th-0', 'tu-0', n));
  messages.push(turnCompleted('th-0', 'tu-0'));
  const bytes = jsonl(messages);
  const events = deltas + 1;
  const rx: number[] = [];
  const bare: number[] = [];
  for (let rep = 0; rep < repetitions; rep++) {
    const rxMs = await throughCodexRx(bytes, events);
    settleHeap();
    const bareMs = await bareLoop(bytes, events);
    rx.push((events / rxMs) * 1000);
    bare.push((events / bareMs) * 1000);
    config.log(
      `  throughput rep ${rep + 1}/${repetitions}: codex-rx ${rxMs.toFixed(0)} ms, bare loop ${bareMs.toFixed(0)} ms`,
    );
  }
  const rxS = summarize(rx);
  const bareS = summarize(bare);
  const ratio = rxS.median / bareS.median;
  return {
    name: `event throughput (${deltas.toLocaleString('en-US')} deltas, ${(bytes.length / 1e6).toFixed(1)} MB, ${repetitions} reps)`,
    rows: [
      ['codex-rx thread.turn() → subscriber, events/s', formatSummary(rxS)],
      ['bare readline + JSON.parse, events/s', formatSummary(bareS)],
      ['codex-rx / bare', ratio.toFixed(2)],
    ],
    metrics: {
      deltas,
      bytes: bytes.length,
      repetitions,
      codexRxEventsPerSecond: rxS,
      bareEventsPerSecond: bareS,
      ratio,
    },
    targets: [target('throughput: codex-rx ≥ 0.7× the bare loop', ratio, 'min', 0.7)],
  };
}
