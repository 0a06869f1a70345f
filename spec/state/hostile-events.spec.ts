/**
 * The public reducers fed what a buggy, newer or hostile server (or a page replaying events it
 * was sent) can produce: they never throw, never grow by more than an event carries, and return
 * the very state they were given when the event changes nothing, so that "an event that changes
 * nothing emits nothing" holds for every fold built on them.
 */
import { from, lastValueFrom, toArray } from 'rxjs';
import {
  Codex,
  INITIAL_THREAD_STATE,
  INITIAL_TURN_STATE,
  ProtocolError,
  reduceThreadState,
  reduceTurnState,
  threadStateFrom,
  toTurnState,
} from '../../src/index.js';
import type { Logger, StateEvent, ThreadState, TurnState } from '../../src/index.js';
import { toUIMessageStream } from '../../src/ai-sdk/index.js';
import { MAX_PENDING_REQUESTS } from '../../src/state/reduce-turn-state.js';
import { FakePeer } from '../support/fake-peer.js';
import { noUncaught } from '../support/no-uncaught.js';
import { allStateFixtures } from '../support/state-fixtures.js';
import { turnEvents, turnObject } from '../support/turn-fixtures.js';

const t = turnEvents('th-1', 'tu-1');
const ids = { threadId: 'th-1', turnId: 'tu-1' };
const note = (method: string, params: unknown): StateEvent =>
  ({ method, params }) as unknown as StateEvent;

const reasoning = { type: 'reasoning', id: 'r1', summary: [], content: [] };
/** Token counts, all `n`. */
const usage = (n: number) => ({
  totalTokens: n,
  inputTokens: n,
  cachedInputTokens: 0,
  cacheWriteInputTokens: 0,
  outputTokens: 0,
  reasoningOutputTokens: 0,
});
/** A command approval request of turn tu-1 (what the server sends), with `params` overrides. */
const approval = (id: number, params: Record<string, unknown> = {}): StateEvent =>
  ({
    id,
    method: 'item/commandExecution/requestApproval',
    params: { ...ids, itemId: `c${id}`, command: 'ls', cwd: '/', ...params },
  }) as unknown as StateEvent;
const command = {
  type: 'commandExecution',
  id: 'c1',
  command: 'ls',
  cwd: '/',
  processId: null,
  source: 'agent',
  status: 'inProgress',
  commandActions: [],
  aggregatedOutput: null,
  exitCode: null,
  durationMs: null,
};

/** Valid events of every kind the reducers read, to mutate. */
function baseEvents(): StateEvent[] {
  return [
    t.started(),
    t.itemStarted(t.agentMessage('m1', '')),
    t.delta('m1', 'hello'),
    t.message('m1', 'hello'),
    t.itemStarted(reasoning),
    note('item/reasoning/summaryPartAdded', { ...ids, itemId: 'r1', summaryIndex: 0 }),
    note('item/reasoning/summaryTextDelta', { ...ids, itemId: 'r1', summaryIndex: 0, delta: 'a' }),
    note('item/reasoning/textDelta', { ...ids, itemId: 'r1', contentIndex: 1, delta: 'b' }),
    t.itemStarted(command),
    note('item/commandExecution/outputDelta', { ...ids, itemId: 'c1', delta: 'out' }),
    note('item/fileChange/patchUpdated', { ...ids, itemId: 'f1', changes: [] }),
    note('item/mcpToolCall/progress', { ...ids, itemId: 'p1', message: 'half' }),
    note('item/plan/delta', { ...ids, itemId: 'pl', delta: 'step' }),
    note('turn/plan/updated', { ...ids, explanation: null, plan: [] }),
    note('turn/diff/updated', { ...ids, diff: 'diff --git' }),
    t.usage(10),
    note('error', { ...ids, error: { message: 'slow down' }, willRetry: true }),
    note('thread/name/updated', { threadId: 'th-1', threadName: 'n' }),
    note('thread/status/changed', { threadId: 'th-1', status: { type: 'idle' } }),
    {
      id: 7,
      method: 'item/commandExecution/requestApproval',
      params: { ...ids, itemId: 'c1' },
    } as unknown as StateEvent,
    note('serverRequest/resolved', { threadId: 'th-1', requestId: 7 }),
    t.completed(),
  ];
}

/** A small seeded generator (mulberry32): the same seed, the same run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE: readonly unknown[] = [
  null,
  undefined,
  -1,
  1e8,
  2 ** 31,
  Number.MAX_SAFE_INTEGER,
  0.5,
  NaN,
  Infinity,
  '',
  'x',
  '1e8',
  {},
  [],
  [null],
  true,
  { id: 5 },
  { type: 'neverHeardOf', id: 'z' },
];

/** Values that make an event unusable wherever they land in what the reducer reads. */
const UNUSABLE_INDEX: readonly unknown[] = [-1, 1e8, 2 ** 31, 0.5, NaN, Infinity, '1', null];

const clone = <T>(value: T): T => structuredClone(value);

/** `event` with one field (at any depth of its params) set to `value`, or deleted. */
function mutate(event: StateEvent, pick: () => number): unknown {
  const copy = clone(event) as unknown as Record<string, unknown>;
  const roll = pick();
  const hostile = HOSTILE[Math.floor(pick() * HOSTILE.length)];
  if (roll < 0.05) return hostile;
  if (roll < 0.1) return { ...copy, params: hostile };
  if (roll < 0.15) return { ...copy, method: typeof hostile === 'string' ? hostile : 'x/y' };
  const paths: string[][] = [];
  const walk = (value: unknown, path: string[]) => {
    if (value === null || typeof value !== 'object') return;
    for (const key of Object.keys(value)) {
      paths.push([...path, key]);
      walk((value as Record<string, unknown>)[key], [...path, key]);
    }
  };
  walk(copy.params, ['params']);
  if (paths.length === 0) return copy;
  const path = paths[Math.floor(pick() * paths.length)]!;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  if (roll < 0.3) delete parent[path.at(-1)!];
  else parent[path.at(-1)!] = hostile;
  return copy;
}

/** Everything that can grow: parts, items, requests, text. */
function size(state: TurnState): number {
  return JSON.stringify(state, (_k, v: unknown) => (v === undefined ? null : v)).length;
}

function turnStates(): TurnState[] {
  const states = [INITIAL_TURN_STATE];
  let state = INITIAL_TURN_STATE;
  for (const event of baseEvents().slice(0, -1)) {
    state = reduceTurnState(state, event);
    states.push(state);
  }
  for (const fixture of allStateFixtures()) {
    let s = INITIAL_TURN_STATE;
    for (const event of fixture.events.filter((e) => e.method !== 'turn/completed'))
      s = reduceTurnState(s, event);
    states.push(s);
  }
  return states;
}

describe('reducers fed malformed events', () => {
  const SEED = 22;
  const ROUNDS = 4000;

  it(`never throw nor grow beyond the event, over ${ROUNDS} mutated events (seed ${SEED})`, () => {
    const pick = random(SEED);
    const states = turnStates();
    const events = [...baseEvents(), ...allStateFixtures().flatMap((f) => f.events)];
    for (let round = 0; round < ROUNDS; round++) {
      const state = states[Math.floor(pick() * states.length)]!;
      const event = mutate(events[Math.floor(pick() * events.length)]!, pick) as StateEvent;
      let next: TurnState | undefined;
      let thread: ThreadState | undefined;
      const threadBefore: ThreadState = {
        ...INITIAL_THREAD_STATE,
        threadId: 'th-1',
        turns: [state],
      };
      expect(() => (next = reduceTurnState(state, event))).not.toThrow();
      expect(() => (thread = reduceThreadState(threadBefore, event))).not.toThrow();
      const carried = JSON.stringify(event ?? null)?.length ?? 0;
      // A new item is a placeholder of a few hundred characters plus what the event carries.
      expect(size(next!)).toBeLessThanOrEqual(size(state) + carried + 1000);
      expect(thread!.turns.length).toBeLessThanOrEqual(2);
      if (next !== state) states.push(next!);
      if (states.length > 200) states.splice(40, 1);
    }
  });

  it.each([
    ['a null event', null],
    ['a number', 42],
    ['params null', note('item/completed', null)],
    ['params a string', note('item/completed', 'x')],
    ['params an array', note('turn/started', [1])],
    ['item null', note('item/completed', { ...ids, item: null })],
    ['item without type', note('item/started', { ...ids, item: { id: 'm1' } })],
    [
      'item without id',
      note('item/completed', { ...ids, item: { type: 'agentMessage', text: 'x' } }),
    ],
    [
      'agent message without text',
      note('item/completed', { ...ids, item: { type: 'agentMessage', id: 'q' } }),
    ],
    [
      'reasoning with a summary of numbers',
      note('item/started', { ...ids, item: { ...reasoning, summary: [1] } }),
    ],
    ['turn/started without turn', note('turn/started', { threadId: 'th-1' })],
    ['turn/completed with turn: null', note('turn/completed', { threadId: 'th-1', turn: null })],
    [
      'a delta that is not a string',
      note('item/agentMessage/delta', { ...ids, itemId: 'm1', delta: 5 }),
    ],
    ['a delta without itemId', note('item/agentMessage/delta', { ...ids, delta: 'x' })],
    ['an empty delta', t.delta('m1', '')],
    ['usage null', note('thread/tokenUsage/updated', { ...ids, tokenUsage: null })],
    ['error without error', note('error', { ...ids, willRetry: false })],
    [
      'resolved with an object id',
      note('serverRequest/resolved', { threadId: 'th-1', requestId: {} }),
    ],
    [
      'a request with params null',
      { id: 3, method: 'item/commandExecution/requestApproval', params: null },
    ],
    ['a request with an object id', { id: {}, method: 'item/tool/call', params: { ...ids } }],
    ['an unknown method', note('item/brandNew/delta', { ...ids, itemId: 'm1', delta: 'x' })],
    ...UNUSABLE_INDEX.map((index) => [
      `summaryIndex ${String(index)}`,
      note('item/reasoning/summaryTextDelta', {
        ...ids,
        itemId: 'r1',
        summaryIndex: index,
        delta: 'x',
      }),
    ]),
    ...UNUSABLE_INDEX.map((index) => [
      `contentIndex ${String(index)}`,
      note('item/reasoning/textDelta', { ...ids, itemId: 'r1', contentIndex: index, delta: 'x' }),
    ]),
    [
      'summaryPartAdded at 1e8',
      note('item/reasoning/summaryPartAdded', { ...ids, itemId: 'r1', summaryIndex: 1e8 }),
    ],
  ] as [string, unknown][])('return the same state for %s', (_name, event) => {
    let state = INITIAL_TURN_STATE;
    for (const e of [
      t.started(),
      t.itemStarted(t.agentMessage('m1', 'hi')),
      t.itemStarted(reasoning),
    ])
      state = reduceTurnState(state, e);
    expect(reduceTurnState(state, event as StateEvent)).toBe(state);
    expect(reduceTurnState(INITIAL_TURN_STATE, event as StateEvent)).toBe(INITIAL_TURN_STATE);
    const thread = reduceThreadState(INITIAL_THREAD_STATE, t.started());
    expect(reduceThreadState(thread, event as StateEvent)).toBe(thread);
    expect(reduceThreadState(INITIAL_THREAD_STATE, event as StateEvent)).toBe(INITIAL_THREAD_STATE);
  });

  it('take an index a little past the parts (a lost summaryPartAdded), not one far past it', () => {
    let state = INITIAL_TURN_STATE;
    for (const e of [t.started(), t.itemStarted(reasoning)]) state = reduceTurnState(state, e);
    const delta = (summaryIndex: number) =>
      note('item/reasoning/summaryTextDelta', { ...ids, itemId: 'r1', summaryIndex, delta: 'x' });
    const near = reduceTurnState(state, delta(2));
    expect(near.items[0]).toMatchObject({ summary: ['', '', 'x'] });
    expect(reduceTurnState(near, delta(2 + 17 + 1))).toBe(near);
  });
});

describe('reducers fed events that change nothing', () => {
  const run = [t.started(), t.itemStarted(t.agentMessage('m1', '')), t.delta('m1', 'hi')];
  const duplicates: [string, StateEvent[], StateEvent][] = [
    ['a duplicate turn/started', [t.started()], t.started()],
    ['a duplicate item/started', run.slice(0, 2), t.itemStarted(t.agentMessage('m1', ''))],
    ['a duplicate item/completed', [...run, t.message('m1', 'hi')], t.message('m1', 'hi')],
    // A completed item is exactly the server's: a replayed or late delta changes nothing.
    ['a delta after its item/completed', [...run, t.message('m1', 'hi')], t.delta('m1', 'hi')],
    [
      'command output after its item/completed',
      [t.started(), t.itemCompleted({ ...command, status: 'completed', aggregatedOutput: 'out' })],
      note('item/commandExecution/outputDelta', { ...ids, itemId: 'c1', delta: 'out' }),
    ],
    [
      'a turn/started of the same turn naming another thread',
      [t.started()],
      note('turn/started', { threadId: 'th-other', turn: turnObject('tu-1', 'inProgress') }),
    ],
    [
      'a turn/started whose startedAt is not a time',
      [],
      note('turn/started', {
        threadId: 'th-1',
        turn: { ...turnObject('tu-1', 'inProgress'), startedAt: 'yesterday' },
      }),
    ],
    [
      'a turn/completed whose error has no message',
      [t.started()],
      note('turn/completed', {
        threadId: 'th-1',
        turn: { ...turnObject('tu-1', 'failed'), error: { nope: 1 } },
      }),
    ],
    [
      'token usage with counts past 2^53, negative or fractional',
      [t.started()],
      note('thread/tokenUsage/updated', {
        ...ids,
        tokenUsage: {
          total: { ...usage(1e308), inputTokens: -5 },
          last: usage(0.5),
          modelContextWindow: null,
        },
      }),
    ],
    [
      'a request naming a thread id that is not a string',
      [t.started()],
      approval(1, { threadId: 5 }),
    ],
    [
      'an item/started after its item/completed',
      [...run, t.message('m1', 'hi')],
      t.itemStarted(t.agentMessage('m1', '')),
    ],
    [
      'a command output delta for an agent message',
      run,
      note('item/commandExecution/outputDelta', { ...ids, itemId: 'm1', delta: 'x' }),
    ],
    [
      'a reasoning delta for an agent message',
      run,
      note('item/reasoning/summaryTextDelta', {
        ...ids,
        itemId: 'm1',
        summaryIndex: 0,
        delta: 'x',
      }),
    ],
    [
      'an agent message delta for a command',
      [t.started(), t.itemStarted(command)],
      t.delta('c1', 'x'),
    ],
    ['the same usage twice', [...run, t.usage(5)], t.usage(5)],
    [
      'the same diff twice',
      [...run, note('turn/diff/updated', { ...ids, diff: 'd' })],
      note('turn/diff/updated', { ...ids, diff: 'd' }),
    ],
    [
      'the same plan twice',
      [...run, note('turn/plan/updated', { ...ids, explanation: 'e', plan: [] })],
      note('turn/plan/updated', { ...ids, explanation: 'e', plan: [] }),
    ],
    [
      'the same request twice',
      [
        ...run,
        {
          id: 4,
          method: 'item/tool/call',
          params: { ...ids, callId: 'k' },
        } as unknown as StateEvent,
      ],
      { id: 4, method: 'item/tool/call', params: { ...ids, callId: 'k' } } as unknown as StateEvent,
    ],
    [
      'a resolved of no pending request',
      run,
      note('serverRequest/resolved', { threadId: 'th-1', requestId: 99 }),
    ],
  ];

  it.each(duplicates)('%s returns the same turn and thread state', (_name, before, event) => {
    const turn = before.reduce(reduceTurnState, INITIAL_TURN_STATE);
    expect(reduceTurnState(turn, event)).toBe(turn);
    const thread = before.reduce(reduceThreadState, INITIAL_THREAD_STATE);
    expect(reduceThreadState(thread, event)).toBe(thread);
  });

  it('emit nothing through toTurnState()', async () => {
    const events = [
      ...run,
      t.message('m1', 'hi'),
      t.message('m1', 'hi'),
      t.started(),
      t.delta('m1', ''),
    ];
    const states = await lastValueFrom(from(events).pipe(toTurnState(), toArray()));
    expect(states).toHaveLength(4);
  });

  it('a thread event naming a thread id that is not a string changes nothing', () => {
    const state = [note('thread/name/updated', { threadId: 'th-1', threadName: 'n' })].reduce(
      reduceThreadState,
      INITIAL_THREAD_STATE,
    );
    for (const event of [
      note('thread/name/updated', { threadId: 42, threadName: 'hijack' }),
      note('thread/status/changed', { threadId: 7, status: { type: 'active', activeFlags: [] } }),
    ])
      expect(reduceThreadState(state, event)).toBe(state);
  });

  it('the same thread name or status twice changes nothing', () => {
    const name = note('thread/name/updated', { threadId: 'th-1', threadName: 'n' });
    const status = note('thread/status/changed', { threadId: 'th-1', status: { type: 'idle' } });
    const state = [name, status].reduce(reduceThreadState, INITIAL_THREAD_STATE);
    expect(reduceThreadState(state, name)).toBe(state);
    expect(reduceThreadState(state, status)).toBe(state);
  });
});

describe('a huge part index', () => {
  const huge = note('item/reasoning/summaryTextDelta', {
    ...ids,
    itemId: 'r1',
    summaryIndex: 1e8,
    delta: 'boom',
  });

  it('through toTurnState() over plain events: skipped, nothing grows', async () => {
    const events = [t.started(), t.itemStarted(reasoning), huge, t.completed()];
    const states = await lastValueFrom(from(events).pipe(toTurnState(), toArray()));
    expect(states).toHaveLength(3);
    expect(states.at(-1)!.items[0]).toMatchObject({ summary: [], content: [] });
  });

  it('through toUIMessageStream(): no part, no growth', async () => {
    const events = [t.started(), t.itemStarted(reasoning), huge, t.completed()];
    const chunks = await lastValueFrom(from(events).pipe(toUIMessageStream(), toArray()));
    expect(JSON.stringify(chunks)).not.toContain('boom');
    expect(JSON.stringify(chunks).length).toBeLessThan(5000);
  });

  it('through a thread.turn() of a client: logged, skipped, the turn fails typed, nothing grows', () =>
    noUncaught(async () => {
      const peer = new FakePeer();
      peer.handle('thread/start', () => ({
        result: { thread: { id: 'th-1', status: { type: 'idle' }, preview: '', ephemeral: false } },
      }));
      peer.handle('turn/start', () => ({ result: { turn: turnObject('tu-1', 'inProgress') } }));
      const warnings: string[] = [];
      const logger: Logger = { warn: (m) => warnings.push(m) };
      const codex = await Codex.connect(peer.transport, { logger });
      const thread = await codex.startThread();
      const states: TurnState[] = [];
      const done = new Promise<unknown>((resolve) =>
        thread
          .turn('go')
          .pipe(toTurnState())
          .subscribe({
            next: (s) => states.push(s),
            error: resolve,
            complete: () => resolve(null),
          }),
      );
      await peer.next('turn/start');
      peer.send(t.started());
      peer.send(t.itemStarted(reasoning));
      peer.send(huge);
      expect(await done).toBeInstanceOf(ProtocolError);
      expect(warnings.join('\n')).toMatch(
        /skipped a malformed item\/reasoning\/summaryTextDelta notification: params\.summaryIndex/,
      );
      expect(states.at(-1)!.items[0]).toMatchObject({ summary: [], content: [] });
      await codex.close();
    }));
});

describe('server requests', () => {
  it("a request that comes before its turn's first event is shown pending on that turn", () => {
    // What a thread state joining while an approval waits is handed first: the open request.
    const thread = [approval(1), t.started(), t.delta('m1', 'x')].reduce(
      reduceThreadState,
      INITIAL_THREAD_STATE,
    );
    expect(thread.turns).toHaveLength(1);
    expect(thread.turns[0]!.pendingRequests.map((r) => r.id)).toEqual([1]);
    expect(thread.activeTurnId).toBe('tu-1');
    const turn = [approval(1), t.started()].reduce(reduceTurnState, INITIAL_TURN_STATE);
    expect(turn.pendingRequests.map((r) => r.id)).toEqual([1]);
  });

  it(`a flood of requests never resolved stops growing the state at ${MAX_PENDING_REQUESTS}`, () => {
    let turn = reduceTurnState(INITIAL_TURN_STATE, t.started());
    let thread = reduceThreadState(INITIAL_THREAD_STATE, t.started());
    for (let id = 1; id <= MAX_PENDING_REQUESTS + 500; id++) {
      turn = reduceTurnState(turn, approval(id));
      thread = reduceThreadState(thread, approval(id));
    }
    expect(turn.pendingRequests).toHaveLength(MAX_PENDING_REQUESTS);
    expect(thread.turns[0]!.pendingRequests).toHaveLength(MAX_PENDING_REQUESTS);
    expect(reduceTurnState(turn, approval(100_000))).toBe(turn);
    // Resolving one makes room again.
    const resolved = reduceTurnState(
      turn,
      note('serverRequest/resolved', { ...ids, requestId: 1 }),
    );
    expect(reduceTurnState(resolved, approval(100_001)).pendingRequests).toHaveLength(
      MAX_PENDING_REQUESTS,
    );
  });
});

describe('stored history that is not what the protocol says', () => {
  it('threadStateFrom() leaves out what it cannot use instead of throwing', () => {
    const stored = {
      ...turnObject('tu-1', 'completed'),
      items: [null, t.agentMessage('m1', 'hi')],
    };
    const malformed: unknown[] = [
      { id: 'th-1', status: { type: 'idle' } }, // no turns
      { id: 'th-1', status: { type: 'idle' }, turns: [{ id: 'tu-0', status: 'completed' }] },
      { id: 'th-1', status: { type: 'idle' }, turns: [null, 5, stored] },
      [{ id: 'tu-0', status: 'completed', items: 'none', startedAt: 'soon' }],
      { id: 7, name: {}, status: 'idle', turns: {} },
    ];
    for (const source of malformed) {
      const state = threadStateFrom(source as never);
      expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    }
    const kept = threadStateFrom(malformed[2] as never);
    expect(kept.turns.map((turn) => turn.items.map((item) => item.id))).toEqual([['m1']]);
    const odd = threadStateFrom(malformed[4] as never);
    expect(odd).toMatchObject({ threadId: null, name: null, status: null, turns: [] });
    expect(threadStateFrom(malformed[3] as never).turns[0]).toMatchObject({
      items: [],
      startedAt: null,
    });
  });
});

describe('an agent message whose id comes back as another type', () => {
  it('is no longer the final response', () => {
    const state = [t.started(), t.message('m1', 'Hi')].reduce(reduceTurnState, INITIAL_TURN_STATE);
    expect(state.finalResponse).toBe('Hi');
    const plan = note('item/completed', { ...ids, item: { type: 'plan', id: 'm1', text: 'Hi' } });
    const after = reduceTurnState(state, plan);
    expect(after.items.map((item) => item.type)).toEqual(['plan']);
    expect(after.finalResponse).toBeNull();
  });
});
