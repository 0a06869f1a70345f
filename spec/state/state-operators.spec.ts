import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  INITIAL_THREAD_STATE,
  INITIAL_TURN_STATE,
  reduceThreadState,
  reduceTurnState,
  threadStateFrom,
  toThreadState,
  toTurnState,
} from '../../src/index.js';
import type { StateEvent, ThreadState, TurnState } from '../../src/index.js';
import { linkToTurn } from '../../src/state/turn-link.js';
import { stateFixture } from '../support/state-fixtures.js';
import { turnEvents } from '../support/turn-fixtures.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const t = turnEvents('thread-1', 'turn-1');

function approval(id: number, itemId: string, turnId = 'turn-1'): StateEvent {
  return {
    id,
    method: 'item/commandExecution/requestApproval',
    params: { threadId: 'thread-1', turnId, itemId, command: 'ls' },
  } as unknown as StateEvent;
}

const resolved = (requestId: number): StateEvent => ({
  method: 'serverRequest/resolved',
  params: { threadId: 'thread-1', requestId },
});

describe('toTurnState', () => {
  it('emits a snapshot per event that changes the state, completing with the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const events = {
        s: t.started(),
        a: t.delta('m', 'Hel'),
        u: { method: 'some/unknown', params: {} } as unknown as StateEvent,
        b: t.delta('m', 'lo'),
        c: t.completed(),
      };
      const s = reduceTurnState(undefined, events.s);
      const a = reduceTurnState(s, events.a);
      const b = reduceTurnState(a, events.b);
      const c = reduceTurnState(b, events.c);
      const source = cold<StateEvent>('s-a-u-b-c|', events);
      expectObservable(source.pipe(toTurnState())).toBe('s-a---b-c|', { s, a, b, c });
      expectSubscriptions(source.subscriptions).toBe('^--------!');
    });
  });

  it('passes errors through and unsubscribes from its source on teardown', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const failing = cold<StateEvent>('s-#', { s: t.started() });
      expectObservable(failing.pipe(toTurnState())).toBe('s-#', {
        s: reduceTurnState(undefined, t.started()),
      });
      const endless = cold<StateEvent>('s----', { s: t.started() });
      expectObservable(endless.pipe(toTurnState()), '^--!').toBe('s--', {
        s: reduceTurnState(undefined, t.started()),
      });
      expectSubscriptions(endless.subscriptions).toBe('^--!');
    });
  });

  it('folds onto a given initial state', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const initial = reduceTurnState(undefined, t.started());
      const d = t.delta('m', 'x');
      expectObservable(cold<StateEvent>('d|', { d }).pipe(toTurnState({ initial }))).toBe('d|', {
        d: reduceTurnState(initial, d),
      });
    });
  });

  it("over a turn, folds in that turn's requests and their resolution, and leaves them on teardown", () => {
    scheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const requests = hot<StateEvent>('---r--x-', { r: approval(3, 'cmd'), x: resolved(3) });
      // A turn links the event objects it delivers to itself: that is how the fold finds it.
      const started = t.started();
      linkToTurn(started, {
        threadId: 'thread-1',
        ended: false,
        steer: () => Promise.resolve(),
        interrupt: () => Promise.resolve(),
        requestEvents$: requests,
      });
      const turn$ = cold<StateEvent>('s-------c|', { s: started, c: t.completed() });
      const s = reduceTurnState(undefined, t.started());
      const r = reduceTurnState(s, approval(3, 'cmd'));
      const x = reduceTurnState(r, resolved(3));
      const c = reduceTurnState(x, t.completed());
      expect(r.pendingRequests).toHaveLength(1);
      expectObservable(turn$.pipe(toTurnState())).toBe('s--r--x-c|', { s, r, x, c });
      expectSubscriptions(requests.subscriptions).toBe('^--------!');
    });
  });
});

describe('reduceThreadState and toThreadState', () => {
  const t2 = turnEvents('thread-1', 'turn-2');

  it('appends turns as they start, routes events and requests to their turn, tracks the active one', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const events: Record<string, StateEvent> = {
        a: t.started(),
        b: t.message('m1', 'first', 'final_answer'),
        c: t.completed(),
        d: t2.started(),
        e: approval(9, 'cmd', 'turn-2'),
        f: resolved(9),
        g: t2.completed('interrupted'),
        x: turnEvents('thread-2', 'turn-x').started(),
      };
      const expected: Record<string, ThreadState> = {};
      let state: ThreadState = INITIAL_THREAD_STATE;
      for (const key of 'abcdefg') expected[key] = state = reduceThreadState(state, events[key]!);
      const emitted = cold<StateEvent>('abcxdefg|', events).pipe(toThreadState());
      expectObservable(emitted).toBe('abc-defg|', expected);

      expect(expected.c!.turns.map((turn) => turn.turnId)).toEqual(['turn-1']);
      expect(expected.c!.activeTurnId).toBeNull();
      expect(expected.d!.activeTurnId).toBe('turn-2');
      expect(expected.d!.turns[0]).toBe(expected.c!.turns[0]);
      expect(expected.e!.turns[1]!.pendingRequests).toHaveLength(1);
      expect(expected.f!.turns[1]!.pendingRequests).toHaveLength(0);
      expect(expected.g!.turns.map((turn) => turn.status)).toEqual(['completed', 'interrupted']);
      expect(expected.g!.turns[0]!.finalResponse).toBe('first');
    });
  });

  it('seeds from stored history, keeps it untouched by replays, and appends live turns', () => {
    const { stored, events } = stateFixture('message');
    const threadId = events.find((e) => e.method === 'turn/started')!.params.threadId;
    const seeded = threadStateFrom([stored]);
    expect(seeded.turns).toHaveLength(1);
    expect(seeded.turns[0]!.finalResponse).toBe('Hello there, friend!');
    const named = { ...seeded, threadId };
    // Events of the stored turn arriving again (read while it ended) change nothing.
    expect(events.reduce<ThreadState>(reduceThreadState, named)).toBe(named);

    const next = turnEvents(threadId, 'live-turn');
    const live = [next.started(), next.delta('m', 'hi')].reduce<ThreadState>(
      reduceThreadState,
      named,
    );
    expect(live.turns.map((turn) => turn.turnId)).toEqual([stored.id, 'live-turn']);
    expect(live.turns[0]).toBe(named.turns[0]);
    expect(live.activeTurnId).toBe('live-turn');
  });

  it('follows the thread name and status', () => {
    const state = [
      { method: 'thread/name/updated', params: { threadId: 'thread-1', threadName: 'Bugfix' } },
      {
        method: 'thread/status/changed',
        params: { threadId: 'thread-1', status: { type: 'active', activeFlags: [] } },
      },
    ].reduce<ThreadState>((s, e) => reduceThreadState(s, e as StateEvent), INITIAL_THREAD_STATE);
    expect(state).toMatchObject({
      threadId: 'thread-1',
      name: 'Bugfix',
      status: { type: 'active' },
    });
  });
});

describe('a turn state fed from a Subject', () => {
  it('emits synchronously, inside the emitter, in event order', () => {
    const source = new Subject<StateEvent>();
    const seen: TurnState[] = [];
    source.pipe(toTurnState()).subscribe((s) => seen.push(s));
    source.next(t.started());
    expect(seen).toHaveLength(1);
    source.next(t.delta('m', 'a'));
    expect(seen.at(-1)!.items[0]).toMatchObject({ text: 'a' });
    expect(seen[0]).not.toBe(INITIAL_TURN_STATE);
  });
});
