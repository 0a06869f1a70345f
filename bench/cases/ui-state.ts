/**
 * UI state: the cost of `toTurnState()`. The in-process peer streams one turn: `items` completed
 * items, then one agent message's deltas as fast as the pipe takes them. Events/s to a subscriber
 * of the bare `thread.turn()` stream against the same turn through `toTurnState()`, once with 1
 * item already in the state and once with 1,000; and the fold alone (`reduceTurnState` in a loop,
 * no transport) for the same two sizes.
 */
import { INITIAL_TURN_STATE, reduceTurnState, toTurnState } from '../../src/index.js';
import type { StateEvent, TurnState } from '../../src/index.js';
import type { BenchConfig, CaseResult } from '../support/case.js';
import { target } from '../support/case.js';
import { inMemoryClient } from '../support/in-memory-client.js';
import { formatSummary, settleHeap, summarize } from '../support/stats.js';
import { delta, jsonl, turnCompleted, writeChunked } from '../support/wire.js';

const THREAD = 'th-0';
const TURN = 'tu-0';

function note(method: string, params: Record<string, unknown>): Record<string, unknown> {
  return { method, params: { threadId: THREAD, turnId: TURN, ...params }, emittedAtMs: 1 };
}

/** The turn's messages: `items` completed plan items, the message's start, its deltas, the end. */
function turnMessages(items: number, deltas: number): unknown[] {
  const messages: unknown[] = [];
  for (let n = 0; n < items; n++)
    messages.push(note('item/completed', { item: { type: 'plan', id: `p${n}`, text: 'step' } }));
  messages.push(
    note('item/started', {
      item: {
        type: 'agentMessage',
        id: `msg_${TURN}`,
        text: '',
        phase: null,
        moderation: null,
        memoryCitation: null,
        delivery: null,
        questions: null,
      },
    }),
  );
  for (let n = 0; n < deltas; n++) messages.push(delta(THREAD, TURN, n));
  messages.push(turnCompleted(THREAD, TURN));
  return messages;
}

/** ms for the whole turn to reach one subscriber, through `toTurnState()` or bare. */
async function throughTurn(bytes: Buffer, events: number, fold: boolean): Promise<number> {
  const { peer, codex, startThread } = await inMemoryClient();
  try {
    const thread = await startThread();
    const turn = thread.turn('stream');
    let seen = 0;
    let last: TurnState | undefined;
    const done = new Promise<void>((resolve, reject) => {
      if (fold)
        turn.pipe(toTurnState()).subscribe({
          next: (state) => {
            seen++;
            last = state;
          },
          complete: resolve,
          error: reject,
        });
      else turn.subscribe({ next: () => void seen++, complete: resolve, error: reject });
    });
    await turn.turnId;
    settleHeap();
    const started = performance.now();
    writeChunked(peer.transport.toClient, bytes);
    await done;
    const ms = performance.now() - started;
    if (seen !== events) throw new Error(`ui-state: ${seen} of ${events} events arrived`);
    if (fold && last?.status !== 'completed')
      throw new Error('ui-state: the turn did not complete');
    return ms;
  } finally {
    await codex.close();
  }
}

/** ns per delta of the fold alone, after `items` completed items. */
function foldOnly(items: number, deltas: number): number {
  const events = turnMessages(items, deltas) as StateEvent[];
  const seed = events.slice(0, items + 1);
  const stream = events.slice(items + 1, items + 1 + deltas);
  let state = seed.reduce<TurnState>(reduceTurnState, INITIAL_TURN_STATE);
  settleHeap();
  const started = performance.now();
  for (const event of stream) state = reduceTurnState(state, event);
  const ms = performance.now() - started;
  if (state.items.length !== items + 1) throw new Error('ui-state: fold lost items');
  return (ms * 1e6) / deltas;
}

export async function uiState(config: BenchConfig): Promise<CaseResult> {
  const deltas = config.quick ? 20_000 : 200_000;
  const repetitions = config.quick ? 1 : 5;
  const sizes = [1, 1000] as const;
  const wire = sizes.map((items) => jsonl(turnMessages(items, deltas)));
  const events = sizes.map((items) => items + deltas + 2);
  const bare: number[] = [];
  const folded: [number[], number[]] = [[], []];
  const foldNs: [number[], number[]] = [[], []];
  for (let rep = 0; rep < repetitions; rep++) {
    const bareMs = await throughTurn(wire[0]!, events[0]!, false);
    bare.push((events[0]! / bareMs) * 1000);
    for (const k of [0, 1] as const) {
      settleHeap();
      const ms = await throughTurn(wire[k]!, events[k]!, true);
      folded[k].push((ms * 1e6) / events[k]!);
      foldNs[k].push(foldOnly(sizes[k], deltas));
    }
    config.log(
      `  ui-state rep ${rep + 1}/${repetitions}: bare ${bareMs.toFixed(0)} ms; toTurnState ${folded[0].at(-1)!.toFixed(0)} / ${folded[1].at(-1)!.toFixed(0)} ns per event (1 / 1,000 items)`,
    );
  }
  const bareS = summarize(bare);
  const oneS = summarize(folded[0]);
  const thousandS = summarize(folded[1]);
  const foldOneS = summarize(foldNs[0]);
  const foldThousandS = summarize(foldNs[1]);
  const throughputRatio = 1e9 / oneS.median / bareS.median;
  const scale = thousandS.median / oneS.median;
  const foldScale = foldThousandS.median / foldOneS.median;
  return {
    name: `ui-state toTurnState() (${deltas.toLocaleString('en-US')} deltas, ${repetitions} reps)`,
    rows: [
      ['bare thread.turn() → subscriber, events/s', formatSummary(bareS)],
      ['thread.turn().pipe(toTurnState()), 1 item, ns/event', formatSummary(oneS)],
      ['thread.turn().pipe(toTurnState()), 1,000 items, ns/event', formatSummary(thousandS)],
      ['toTurnState throughput / bare', throughputRatio.toFixed(2)],
      ['per-delta cost, 1,000 items / 1 item', scale.toFixed(2)],
      ['fold alone (reduceTurnState), 1 item, ns/delta', formatSummary(foldOneS)],
      ['fold alone, 1,000 items, ns/delta', formatSummary(foldThousandS)],
      ['fold alone, 1,000 items / 1 item', foldScale.toFixed(2)],
    ],
    metrics: {
      deltas,
      repetitions,
      bareEventsPerSecond: bareS,
      toTurnStateNsPerEvent: { oneItem: oneS, thousandItems: thousandS },
      foldNsPerDelta: { oneItem: foldOneS, thousandItems: foldThousandS },
      throughputRatio,
      scale,
      foldScale,
    },
    targets: [
      target('ui-state: toTurnState() ≥ 0.5× the bare turn() stream', throughputRatio, 'min', 0.5),
      target('ui-state: per-delta cost with 1,000 items ≤ 1.5× with 1', scale, 'max', 1.5),
    ],
  };
}
