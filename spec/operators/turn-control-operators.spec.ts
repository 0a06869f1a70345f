import { NEVER, Observable, map, filter } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { interruptWhen, steerWhen } from '../../src/index.js';
import { announceTurn } from '../../src/observables/turn-context.js';
import type { TurnHandle } from '../../src/observables/turn-context.js';

/** A turn stand-in that records steer/interrupt calls with the virtual time they happened at. */
function fakeTurn(scheduler: TestScheduler, events$: Observable<string>) {
  const calls: Array<[number, string, unknown?]> = [];
  const handle: TurnHandle = {
    threadId: 't',
    ended: false,
    requestEvents$: NEVER,
    steer: (input) => {
      calls.push([scheduler.now(), 'steer', input]);
      return Promise.resolve();
    },
    interrupt: () => {
      calls.push([scheduler.now(), 'interrupt']);
      return Promise.resolve();
    },
  };
  const turn$ = new Observable<string>((subscriber) => {
    announceTurn(handle);
    return events$.subscribe(subscriber);
  });
  return { turn$, calls };
}

const newScheduler = () =>
  new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('steerWhen', () => {
  it('steers the upstream turn on each emission and passes events through', () => {
    const scheduler = newScheduler();
    scheduler.run(({ cold, hot, expectObservable }) => {
      const { turn$, calls } = fakeTurn(scheduler, cold('a-b-c-d-|'));
      const inputs$ = hot<string>('--x---y----z');
      expectObservable(turn$.pipe(steerWhen(inputs$))).toBe('a-b-c-d-|');
      scheduler.flush();
      expect(calls).toEqual([
        [2, 'steer', 'x'],
        [6, 'steer', 'y'],
      ]);
    });
  });

  it('finds the turn from anywhere in the pipe, even after map', () => {
    const scheduler = newScheduler();
    scheduler.run(({ cold, hot, expectObservable }) => {
      const { turn$, calls } = fakeTurn(scheduler, cold('a-b-|'));
      const piped = turn$.pipe(
        filter((e) => e !== 'z'),
        map((e) => e.toUpperCase()),
        steerWhen(hot<string>('-x')),
      );
      expectObservable(piped).toBe('A-B-|');
      scheduler.flush();
      expect(calls).toEqual([[1, 'steer', 'x']]);
    });
  });

  it('errors when there is no turn upstream', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a|').pipe(steerWhen(cold('x')))).toBe(
        '#',
        undefined,
        expect.objectContaining({ code: 'no_turn_upstream' }),
      );
    });
  });
});

describe('interruptWhen', () => {
  it('interrupts once, at the first emission, and keeps the stream running to its end', () => {
    const scheduler = newScheduler();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const { turn$, calls } = fakeTurn(scheduler, cold('a-b-c-d-e-|'));
      const stop$ = hot('---s--s');
      expectObservable(turn$.pipe(interruptWhen(stop$))).toBe('a-b-c-d-e-|');
      expectSubscriptions(stop$.subscriptions).toBe('^--!');
      scheduler.flush();
      expect(calls).toEqual([[3, 'interrupt']]);
    });
  });

  it('unsubscribes from the notifier when the turn ends first', () => {
    const scheduler = newScheduler();
    scheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const { turn$, calls } = fakeTurn(scheduler, cold('a-|'));
      const stop$ = hot('-----s');
      expectObservable(turn$.pipe(interruptWhen(stop$))).toBe('a-|');
      expectSubscriptions(stop$.subscriptions).toBe('^-!');
      scheduler.flush();
      expect(calls).toEqual([]);
    });
  });
});
