import {
  NEVER,
  Observable,
  asyncScheduler,
  concatMap,
  defer,
  exhaustMap,
  filter,
  map,
  mergeMap,
  share,
  shareReplay,
  subscribeOn,
  switchMap,
} from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { interruptWhen, reduceTurnState, steerWhen, toTurnState } from '../../src/index.js';
import type { StateEvent, TurnState } from '../../src/index.js';
import { linkToTurn } from '../../src/state/turn-link.js';
import type { TurnLink } from '../../src/state/turn-link.js';
import { turnEvents } from '../support/turn-fixtures.js';

type Call = [at: number, turn: string, what: string, input?: unknown];
type Cold = TestScheduler['run'] extends (cb: (helpers: infer H) => unknown) => unknown
  ? H extends { cold: infer C }
    ? C
    : never
  : never;

/**
 * A turn stand-in: a cold stream of event objects, each linked to a handle that records
 * steer/interrupt calls with the virtual time they happened at (as a real turn links the events
 * it delivers). It has ended once its stream completed or was left.
 */
function fakeTurns(scheduler: TestScheduler) {
  const calls: Call[] = [];
  const turn = (
    cold: Cold,
    name: string,
    marbles: string,
    requestEvents$: Observable<StateEvent> = NEVER,
  ): Observable<{ turn: string; e: string }> => {
    let ended = false;
    const handle: TurnLink = {
      threadId: 't',
      get ended() {
        return ended;
      },
      requestEvents$,
      steer: (input) => {
        calls.push([scheduler.now(), name, 'steer', input]);
        return Promise.resolve();
      },
      interrupt: () => {
        calls.push([scheduler.now(), name, 'interrupt']);
        return Promise.resolve();
      },
    };
    const values: Record<string, { turn: string; e: string }> = {};
    for (const e of marbles.replace(/[-|#^!() ]/g, '')) {
      values[e] = { turn: name, e };
      linkToTurn(values[e], handle);
    }
    return defer(() => {
      const events = cold(marbles, values);
      return new Observable<{ turn: string; e: string }>((subscriber) => {
        const subscription = events.subscribe({
          next: (v) => subscriber.next(v),
          error: (err: unknown) => subscriber.error(err),
          complete: () => {
            ended = true;
            subscriber.complete();
          },
        });
        return () => {
          ended = true;
          subscription.unsubscribe();
        };
      });
    });
  };
  return { calls, turn };
}

const newScheduler = () =>
  new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const ev = (turn: string, e: string) => ({ turn, e });

describe('steerWhen', () => {
  it('steers the turn on each emission and passes events through', () => {
    const scheduler = newScheduler();
    const { calls, turn } = fakeTurns(scheduler);
    scheduler.run(({ cold, hot, expectObservable }) => {
      const inputs$ = hot<string>('--x---y----z');
      expectObservable(turn(cold, 'A', 'a-b-c-d-|').pipe(steerWhen(inputs$))).toBe('a-b-c-d-|', {
        a: ev('A', 'a'),
        b: ev('A', 'b'),
        c: ev('A', 'c'),
        d: ev('A', 'd'),
      });
    });
    expect(calls).toEqual([
      [2, 'A', 'steer', 'x'],
      [6, 'A', 'steer', 'y'],
    ]);
  });

  it('finds the turn after a filter (the same event objects), and waits for its first event', () => {
    const scheduler = newScheduler();
    const { calls, turn } = fakeTurns(scheduler);
    scheduler.run(({ cold, hot, expectObservable }) => {
      const piped = turn(cold, 'A', '--a-b-|').pipe(
        filter((event) => event.e !== 'z'),
        steerWhen(hot<string>('x')),
        map((event) => event.e),
      );
      expectObservable(piped).toBe('--a-b-|');
    });
    expect(calls).toEqual([[2, 'A', 'steer', 'x']]);
  });

  it('steers the turn running now when several pass through it (concatMap)', () => {
    const scheduler = newScheduler();
    const { calls, turn } = fakeTurns(scheduler);
    scheduler.run(({ cold, hot, expectObservable }) => {
      const prompts$ = cold('(AB|)');
      const turns$ = prompts$.pipe(concatMap((name) => turn(cold, name, 'a--b|')));
      expectObservable(
        turns$.pipe(
          steerWhen(hot<string>('-x----y')),
          map((e) => e.turn),
        ),
      ).toBe('A--AB--B|');
    });
    expect(calls).toEqual([
      [1, 'A', 'steer', 'x'],
      [6, 'B', 'steer', 'y'],
    ]);
  });

  it('errors when inputs came and the source ended without any turn event', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a|').pipe(steerWhen(cold('x')))).toBe(
        'a#',
        { a: 'a' },
        expect.objectContaining({ code: 'no_turn_upstream' }),
      );
    });
  });
});

describe('interruptWhen', () => {
  it('interrupts once, at the first emission, and keeps the stream running to its end', () => {
    const scheduler = newScheduler();
    const { calls, turn } = fakeTurns(scheduler);
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const stop$ = hot('---s--s');
      expectObservable(
        turn(cold, 'A', 'a-b-c-d-e-|').pipe(
          interruptWhen(stop$),
          map((e) => e.e),
        ),
      ).toBe('a-b-c-d-e-|');
      expectSubscriptions(stop$.subscriptions).toBe('^--!');
    });
    expect(calls).toEqual([[3, 'A', 'interrupt']]);
  });

  it('unsubscribes from the notifier when the turn ends first', () => {
    const scheduler = newScheduler();
    const { calls, turn } = fakeTurns(scheduler);
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const stop$ = hot('-----s');
      expectObservable(
        turn(cold, 'A', 'a-|').pipe(
          interruptWhen(stop$),
          map((e) => e.e),
        ),
      ).toBe('a-|');
      expectSubscriptions(stop$.subscriptions).toBe('^-!');
    });
    expect(calls).toEqual([]);
  });

  it('interrupts at its first event a turn whose trigger fired before it (early interrupt)', () => {
    const scheduler = newScheduler();
    const { calls, turn } = fakeTurns(scheduler);
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(
        turn(cold, 'A', '---a-b|').pipe(
          interruptWhen(cold('s')),
          map((e) => e.e),
        ),
      ).toBe('---a-b|');
    });
    expect(calls).toEqual([[3, 'A', 'interrupt']]);
  });

  type Compose = (
    turn$: Observable<{ turn: string; e: string }>,
  ) => Observable<{ turn: string; e: string }>;
  const topologies: Array<[string, Compose, string]> = [
    [
      'subscribed asynchronously (subscribeOn)',
      (turn$) => turn$.pipe(subscribeOn(asyncScheduler, 1)),
      '-a---b-|',
    ],
    ['created in defer', (turn$) => defer(() => turn$), 'a---b-|'],
    ['shared, operator after share()', (turn$) => turn$.pipe(share()), 'a---b-|'],
    ['shared with shareReplay', (turn$) => turn$.pipe(shareReplay(1)), 'a---b-|'],
  ];
  it.each(topologies)('acts on the turn when %s', (_, compose, expected) => {
    const scheduler = newScheduler();
    const { calls, turn } = fakeTurns(scheduler);
    scheduler.run(({ cold, hot, expectObservable }) => {
      const composed = compose(turn(cold, 'A', 'a---b-|'));
      expectObservable(
        composed.pipe(
          interruptWhen(hot('--s')),
          map((e) => e.e),
        ),
      ).toBe(expected);
      // A second subscriber of the same composition, with its own trigger.
      expectObservable(
        composed.pipe(
          steerWhen(hot<string>('----x')),
          map((e) => e.e),
        ),
      ).toBe(expected);
    });
    expect(calls).toEqual([
      [2, 'A', 'interrupt'],
      [4, 'A', 'steer', 'x'],
    ]);
  });

  it('a late subscriber of a shareReplay acts on the turn it replays', () => {
    const scheduler = newScheduler();
    const { calls, turn } = fakeTurns(scheduler);
    scheduler.run(({ cold, hot, expectObservable }) => {
      const shared = turn(cold, 'A', 'a-----b|').pipe(
        shareReplay({ bufferSize: 1, refCount: true }),
      );
      expectObservable(shared.pipe(map((e) => e.e))).toBe('a-----b|');
      expectObservable(
        shared.pipe(
          interruptWhen(hot('----s')),
          map((e) => e.e),
        ),
        '---^',
      ).toBe('---a--b|');
    });
    expect(calls).toEqual([[4, 'A', 'interrupt']]);
  });

  type Event = { turn: string; e: string };
  type Higher = (
    project: (prompt: string) => Observable<Event>,
  ) => (source: Observable<string>) => Observable<Event>;
  it.each<[string, Higher]>([
    ['switchMap', (project) => switchMap(project)],
    ['mergeMap', (project) => mergeMap(project)],
    ['exhaustMap', (project) => exhaustMap(project)],
    ['concatMap', (project) => concatMap(project)],
  ])('acts on the turn made in %s upstream, the one running now', (_, higher) => {
    const scheduler = newScheduler();
    const { calls, turn } = fakeTurns(scheduler);
    scheduler.run(({ cold, hot, expectObservable }) => {
      const prompts$ = hot('-A--------B');
      const turns$ = prompts$.pipe(higher((prompt: string) => turn(cold, prompt, '-a--b--|')));
      expectObservable(
        turns$.pipe(
          interruptWhen(hot('------------s')),
          map((e) => e.turn + e.e),
        ),
      ).toBe('--a--b-----c--d', { a: 'Aa', b: 'Ab', c: 'Ba', d: 'Bb' });
    });
    expect(calls).toEqual([[12, 'B', 'interrupt']]);
  });

  it('after a switchMap switched away, acts on the new turn', () => {
    const scheduler = newScheduler();
    const { calls, turn } = fakeTurns(scheduler);
    scheduler.run(({ cold, hot, expectObservable }) => {
      const turns$ = hot('-A--B').pipe(switchMap((prompt) => turn(cold, prompt, '-a--b--|')));
      expectObservable(
        turns$.pipe(
          interruptWhen(hot('------s')),
          map((e) => e.turn + e.e),
        ),
      ).toBe('--a--c--d', { a: 'Aa', c: 'Ba', d: 'Bb' });
    });
    expect(calls).toEqual([[6, 'B', 'interrupt']]);
  });

  it('with a concatMap over prompts, interrupts the turn running when it fires', () => {
    const scheduler = newScheduler();
    const { calls, turn } = fakeTurns(scheduler);
    scheduler.run(({ cold, hot, expectObservable }) => {
      const turns$ = cold('(AB|)').pipe(concatMap((name) => turn(cold, name, 'a---b|')));
      expectObservable(
        turns$.pipe(
          interruptWhen(hot('--s')),
          map((e) => e.turn),
        ),
      ).toBe('A---AB---B|');
    });
    expect(calls).toEqual([[2, 'A', 'interrupt']]);
  });
});

describe('toTurnState over a turn, in each topology', () => {
  const t = turnEvents('t', 'turn-1');
  const approval = {
    id: 3,
    method: 'item/commandExecution/requestApproval',
    params: { threadId: 't', turnId: 'turn-1', itemId: 'cmd', command: 'ls' },
  } as unknown as StateEvent;

  /** A turn of real event objects whose requests come on `requests$`. */
  function stateTurn(cold: Cold, requests$: Observable<StateEvent>) {
    const started = t.started();
    const completed = t.completed();
    const handle: TurnLink = {
      threadId: 't',
      ended: false,
      steer: () => Promise.resolve(),
      interrupt: () => Promise.resolve(),
      requestEvents$: requests$,
    };
    linkToTurn(started, handle);
    linkToTurn(completed, handle);
    return cold<StateEvent>('s-----c|', { s: started, c: completed });
  }

  const compositions: Array<[string, (turn$: Observable<StateEvent>) => Observable<StateEvent>]> = [
    ['plain', (turn$) => turn$],
    ['share()', (turn$) => turn$.pipe(share())],
    ['defer', (turn$) => defer(() => turn$)],
    ['made in switchMap', (turn$) => hot$().pipe(switchMap(() => turn$))],
  ];
  let hot$: () => Observable<unknown> = () => NEVER;

  it.each(compositions)('shows the pending approval: %s', (_, compose) => {
    newScheduler().run(({ cold, hot, expectObservable }) => {
      hot$ = () => hot('(p|)');
      const requests$ = hot<StateEvent>('--r', { r: approval });
      const composed = compose(stateTurn(cold, requests$));
      const s = reduceTurnState(undefined, t.started());
      const r = reduceTurnState(s, approval);
      const c = reduceTurnState(r, t.completed());
      expect(r.pendingRequests).toHaveLength(1);
      const values: Record<string, TurnState> = { s, r, c };
      expectObservable(composed.pipe(toTurnState())).toBe('s-r---c|', values);
      // A second view of the same composition sees the request too.
      expectObservable(composed.pipe(toTurnState())).toBe('s-r---c|', values);
    });
  });
});
