import { EMPTY, Observable } from 'rxjs';
import { TurnMulticast } from '../../src/thread/turn-multicast.js';
import type { TurnLink } from '../../src/state/turn-link.js';
import type { TurnEvent } from '../../src/index.js';
import { turnEvents } from '../support/turn-fixtures.js';

/**
 * A turn's end (close) reaches every subscriber, a late one whose replay it interrupts included:
 * a turn stream always completes or errors.
 */
describe('TurnMulticast', () => {
  const t = turnEvents('th', 'tu');
  const link: TurnLink = {
    threadId: 'th',
    steer: () => Promise.resolve(),
    interrupt: () => Promise.resolve(),
    ended: false,
    requestEvents$: EMPTY,
  };

  function withEvents(): TurnMulticast {
    const multicast = new TurnMulticast(link);
    for (const event of [t.started(), t.delta('m', 'one'), t.delta('m', 'two')])
      multicast.emit(event as TurnEvent, undefined);
    return multicast;
  }

  it.each([
    ['completes', undefined],
    ['errors', new Error('lost')],
  ])("a close inside a late subscriber's replay %s it there", (_how, error) => {
    const multicast = withEvents();
    const seen: string[] = [];
    let ended: unknown = 'not ended';
    new Observable<TurnEvent>((subscriber) => multicast.join(subscriber)).subscribe({
      next: (event) => {
        seen.push(event.method);
        if (seen.length === 1) multicast.close(error);
      },
      error: (e: unknown) => (ended = e),
      complete: () => (ended = 'completed'),
    });
    expect(seen).toEqual(['turn/started']);
    expect(ended).toBe(error ?? 'completed');
    expect(multicast.watched).toBe(false);
  });

  it('counts a subscriber as watching while it is replayed to', () => {
    const multicast = withEvents();
    const watched: boolean[] = [];
    new Observable<TurnEvent>((subscriber) => multicast.join(subscriber)).subscribe({
      next: () => watched.push(multicast.watched),
    });
    expect(watched).toEqual([true, true, true]);
  });
});
