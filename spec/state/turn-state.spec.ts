import { from, lastValueFrom, toArray } from 'rxjs';
import {
  INITIAL_TURN_STATE,
  TurnFailedError,
  reduceTurnState,
  toRunResult,
  toTurnState,
} from '../../src/index.js';
import type { ItemState, RunResult, StateEvent, TurnEvent, TurnState } from '../../src/index.js';
import { allStateFixtures, isPlainData, stateFixture } from '../support/state-fixtures.js';
import { tokenBreakdown as breakdown, turnEvents } from '../support/turn-fixtures.js';

const fold = (events: readonly StateEvent[], state?: TurnState): TurnState =>
  events.reduce<TurnState>(reduceTurnState, state ?? INITIAL_TURN_STATE);

/** Every snapshot, the initial one first. */
function snapshots(events: readonly StateEvent[]): TurnState[] {
  const states = [INITIAL_TURN_STATE];
  for (const event of events) states.push(reduceTurnState(states.at(-1), event));
  return states;
}

/** The protocol's part of an item: without the fields the fold adds. */
function protocolPart(item: ItemState): Record<string, unknown> {
  const { lifecycle: _lifecycle, ...rest } = item as ItemState & {
    output?: string;
    progress?: unknown;
  };
  delete (rest as { output?: string }).output;
  delete (rest as { progress?: unknown }).progress;
  return rest;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function itemIdOf(event: StateEvent): string | undefined {
  const params = event.params as { itemId?: unknown; item?: { id?: unknown } };
  const id = params.itemId ?? params.item?.id;
  return typeof id === 'string' ? id : undefined;
}

async function runResultOf(events: readonly StateEvent[]): Promise<RunResult> {
  const turnEventsOnly = events.filter((e) => !('id' in e)) as TurnEvent[];
  try {
    return await lastValueFrom(from(turnEventsOnly).pipe(toRunResult()));
  } catch (error) {
    if (error instanceof TurnFailedError) return error.result as RunResult;
    throw error;
  }
}

describe.each(allStateFixtures().map((f) => [f.name, f] as const))(
  'reduceTurnState over the recorded %s turn',
  (_name, fixture) => {
    it('ends as the server stored the turn: status, and every stored item field for field', () => {
      const state = fold(fixture.events);
      expect(state.status).toBe(fixture.stored.status);
      expect(state.turnId).toBe(fixture.stored.id);
      const mine = state.items.filter((item) => fixture.stored.items.some((s) => s.id === item.id));
      expect(mine.map(protocolPart)).toEqual(fixture.stored.items);
    });

    it('has the finalResponse that run() reports for the same events', async () => {
      const result = await runResultOf(fixture.events);
      expect(fold(fixture.events).finalResponse).toBe(result.finalResponse);
    });

    it('folds to the same state in one go, one by one, and resumed from a serialized snapshot', async () => {
      const whole = fold(fixture.events);
      const emitted = await lastValueFrom(from(fixture.events).pipe(toTurnState(), toArray()));
      expect(emitted.at(-1)).toEqual(whole);
      for (const cut of [1, Math.floor(fixture.events.length / 2), fixture.events.length - 1]) {
        const head = JSON.parse(JSON.stringify(fold(fixture.events.slice(0, cut)))) as TurnState;
        expect(fold(fixture.events.slice(cut), head)).toEqual(whole);
      }
    });

    it('makes immutable plain snapshots: a new root per change, untouched items kept by identity', () => {
      let previous = deepFreeze(INITIAL_TURN_STATE);
      for (const event of fixture.events) {
        // Frozen snapshots: a fold that wrote into an earlier one would throw here.
        const next = deepFreeze(reduceTurnState(previous, event));
        expect(isPlainData(next)).toBe(true);
        if (next !== previous) {
          const touched = itemIdOf(event);
          previous.items.forEach((item, i) => {
            if (item.id !== touched) expect(next.items[i]).toBe(item);
          });
        }
        previous = next;
      }
    });
  },
);

describe('reduceTurnState, corner cases', () => {
  it('keeps deltas that arrive before their item/started, and shows the text at once', () => {
    const { events } = stateFixture('message');
    const message = events.find(
      (e) => e.method === 'item/started' && e.params.item.type === 'agentMessage',
    )!;
    const id = itemIdOf(message)!;
    const deltas: StateEvent[] = events.filter((e) => e.method === 'item/agentMessage/delta');
    const rest = events.filter((e) => !deltas.includes(e));
    const early = [
      ...rest.slice(0, rest.indexOf(message)),
      ...deltas,
      ...rest.slice(rest.indexOf(message)),
    ];

    const states = snapshots(early);
    const afterFirstDelta = states[early.indexOf(deltas[0]!) + 1]!;
    const pending = afterFirstDelta.items.find((item) => item.id === id)!;
    expect(pending).toMatchObject({ type: 'agentMessage', lifecycle: 'pending' });
    const afterStarted = states[early.indexOf(message) + 1]!.items.find((item) => item.id === id)!;
    expect(afterStarted).toMatchObject({ lifecycle: 'started', text: 'Hello there, friend!' });
    expect(states.at(-1)).toEqual(fold(events));
  });

  it('keeps command output that arrives before item/started', () => {
    const { events } = stateFixture('command-output');
    const started = events.find(
      (e) => e.method === 'item/started' && e.params.item.type === 'commandExecution',
    )!;
    const output: StateEvent[] = events.filter(
      (e) => e.method === 'item/commandExecution/outputDelta',
    );
    const rest = events.filter((e) => !output.includes(e));
    const early = [
      ...rest.slice(0, rest.indexOf(started)),
      ...output,
      ...rest.slice(rest.indexOf(started)),
    ];
    const states = snapshots(early);
    const atStart = states[early.indexOf(started) + 1]!.items.find(
      (i) => i.id === itemIdOf(started),
    );
    expect(atStart).toMatchObject({ lifecycle: 'started', output: 'two\nthree\n' });
    expect(states.at(-1)).toEqual(fold(events));
  });

  it('streams command output as it comes, then takes the aggregated output', () => {
    const { events } = stateFixture('command-output');
    const outputs = snapshots(events)
      .map((s) => s.items.find((i) => i.type === 'commandExecution'))
      .filter((i) => i !== undefined)
      .map((i) => (i.type === 'commandExecution' ? i.output : ''));
    expect(outputs).toContain('two\n');
    expect(outputs).toContain('two\nthree\n');
    expect(outputs.at(-1)).toBe('one\ntwo\nthree\n');
  });

  it('keeps two open items apart: deltas change only theirs, each ends with its own text', () => {
    // Recorded: the model opened two messages before finishing either; 0.169.0 streams all their
    // deltas into the newer one, then re-sends that one's start with its real text.
    const { events } = stateFixture('interleaved');
    const states = snapshots(events);
    const bothOpen = states.find(
      (s) =>
        s.items.filter((i) => i.type === 'agentMessage' && i.lifecycle === 'started').length === 2,
    );
    expect(bothOpen).toBeDefined();
    const last = states.at(-1)!;
    const messages = last.items.filter((i) => i.type === 'agentMessage');
    expect(messages.map((m) => m.type === 'agentMessage' && [m.id, m.phase, m.text])).toEqual([
      ['m1', 'commentary', 'Looking around.'],
      ['m2', 'final_answer', 'The answer is 42.'],
    ]);
    expect(last.finalResponse).toBe('The answer is 42.');
  });

  it('takes the server copy of a restarted item over deltas that disagree with it', () => {
    const { events } = stateFixture('interleaved');
    const restart = events.findLastIndex((e) => e.method === 'item/started');
    const m2 = fold(events.slice(0, restart + 1)).items.find((i) => i.id === 'm2');
    expect(m2).toMatchObject({ text: 'The answer is 42.', lifecycle: 'started' });
  });

  it('streams reasoning summary parts', () => {
    const states = snapshots(stateFixture('message').events);
    const summaries = states
      .map((s) => s.items.find((i) => i.type === 'reasoning'))
      .map((i) => (i?.type === 'reasoning' ? i.summary.join('') : undefined));
    expect(summaries).toContain('Thinking abou');
    expect(summaries.at(-1)).toBe('Thinking about a greeting');
  });

  it('shows an approval as pending on its item until the server resolves it', () => {
    for (const [name, status] of [
      ['approval-accepted', 'completed'],
      ['approval-declined', 'declined'],
    ] as const) {
      const states = snapshots(stateFixture(name).events);
      const waiting = states.find((s) => s.pendingRequests.length > 0)!;
      const [request] = waiting.pendingRequests;
      expect(request!.method).toBe('item/commandExecution/requestApproval');
      const command = waiting.items.find((i) => i.type === 'commandExecution')!;
      expect(request!.itemId).toBe(command.id);
      const last = states.at(-1)!;
      expect(last.pendingRequests).toEqual([]);
      expect(last.items.find((i) => i.id === command.id)).toMatchObject({ status });
    }
  });

  it('ends an interrupted turn with its partial text and no final response', () => {
    const last = fold(stateFixture('interrupted').events);
    expect(last.status).toBe('interrupted');
    expect(last.items.find((i) => i.type === 'agentMessage')).toMatchObject({
      text: 'Working on it',
      lifecycle: 'started',
    });
    expect(last.finalResponse).toBeNull();
  });

  it('ends a failed turn with the server error', () => {
    const last = fold(stateFixture('failed').events);
    expect(last.status).toBe('failed');
    expect(last.error?.message).toContain('the model broke');
  });

  it('carries the file change and the turn diff', () => {
    const last = fold(stateFixture('file-change').events);
    const change = last.items.find((i) => i.type === 'fileChange');
    expect(change?.type === 'fileChange' && change.changes[0]?.path).toMatch(/hello\.txt$/);
    expect(last.diff).toContain('hello.txt');
  });

  const t = turnEvents('thread-1', 'turn-1');

  it('follows the plan, plan item deltas, MCP progress, usage and retry notices', () => {
    const states = snapshots([
      t.started(),
      t.custom('turn/plan/updated', {
        explanation: 'Two steps',
        plan: [{ step: 'Read', status: 'inProgress' }],
      }),
      t.custom('item/plan/delta', { itemId: 'p', delta: '1. Read' }),
      t.custom('error', {
        error: { message: 'Reconnecting... 1/5', codexErrorInfo: null, additionalDetails: null },
        willRetry: true,
      }),
      t.custom('item/mcpToolCall/progress', { itemId: 'mcp', message: 'half way' }),
      t.usage(42),
    ] as StateEvent[]);
    const retrying = states[4]!;
    expect(retrying.retrying?.message).toBe('Reconnecting... 1/5');
    const last = states.at(-1)!;
    expect(last.plan).toEqual({
      explanation: 'Two steps',
      steps: [{ step: 'Read', status: 'inProgress' }],
    });
    expect(last.items.find((i) => i.id === 'p')).toMatchObject({ type: 'plan', text: '1. Read' });
    expect(last.items.find((i) => i.id === 'mcp')).toMatchObject({ progress: ['half way'] });
    expect(last.retrying).toBeNull();
    expect(last.usage?.total.totalTokens).toBe(42);
  });

  it("counts the turn's own tokens, not the thread's running total", () => {
    // The thread had used 100 tokens before this turn; its two model calls use 15 and 20.
    const report = (total: number, last: number) =>
      t.custom('thread/tokenUsage/updated', {
        tokenUsage: {
          total: breakdown(total),
          last: breakdown(last),
          modelContextWindow: null,
        },
      });
    const states = snapshots([
      t.started(),
      report(115, 15),
      report(115, 15), // the same report again
      t.custom('thread/tokenUsage/updated', {
        tokenUsage: { total: { totalTokens: 'many' }, last: null, modelContextWindow: null },
      }),
      report(135, 20),
    ] as StateEvent[]);
    expect(states[1]!.turnUsage).toBeNull();
    expect(states[2]!.turnUsage).toEqual(breakdown(15));
    expect(states[3]).toBe(states[2]);
    expect(states[4]!.turnUsage).toEqual(breakdown(15));
    expect(states.at(-1)!.turnUsage).toEqual(breakdown(35));
    expect(states.at(-1)!.usage?.total.totalTokens).toBe(135);
  });

  it('keeps counting usage from a snapshot saved before turnUsage existed', () => {
    const report = (total: number, last: number) =>
      t.custom('thread/tokenUsage/updated', {
        tokenUsage: { total: breakdown(total), last: breakdown(last), modelContextWindow: null },
      }) as StateEvent;
    const saved = reduceTurnState(reduceTurnState(undefined, t.started()), report(115, 15));
    // As an app persisted it with an earlier codex-rx: no turnUsage field at all.
    const { turnUsage: _dropped, ...older } = saved;
    const next = reduceTurnState(older as typeof saved, report(135, 20));
    expect(next.usage?.total.totalTokens).toBe(135);
    expect(next.turnUsage).toEqual(breakdown(20));
  });

  it('ignores other turns, unknown methods, and anything after the turn ended', () => {
    const started = reduceTurnState(undefined, t.started());
    const other = turnEvents('thread-1', 'turn-2');
    expect(reduceTurnState(started, other.delta('m', 'x'))).toBe(started);
    expect(
      reduceTurnState(started, { method: 'some/newMethod', params: {} } as unknown as StateEvent),
    ).toBe(started);
    const ended = reduceTurnState(started, t.completed());
    expect(reduceTurnState(ended, t.delta('m', 'late'))).toBe(ended);
    expect(reduceTurnState(ended, t.completed('failed'))).toBe(ended);
  });

  it('clears requests still waiting when the turn ends', () => {
    const waiting = fold([
      t.started(),
      {
        id: 7,
        method: 'item/tool/requestUserInput',
        params: { threadId: 'thread-1', turnId: 'turn-1', itemId: 'q', questions: [] },
      } as unknown as StateEvent,
    ]);
    expect(waiting.pendingRequests).toHaveLength(1);
    expect(waiting.pendingRequests[0]).toMatchObject({ id: 7, itemId: 'q' });
    expect(reduceTurnState(waiting, t.completed('interrupted')).pendingRequests).toEqual([]);
  });
});
