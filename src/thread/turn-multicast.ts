import type { Subscriber } from 'rxjs';
import { linkToTurn } from '../state/turn-link.js';
import type { TurnLink } from '../state/turn-link.js';
import type { WireLine } from '../transport/wire-line.js';
import { ReplayLog } from './replay-log.js';
import type { TurnEvent } from './turn-event.js';

/**
 * One turn's subscribers: every event goes to each of them in order, linked to its turn, and a
 * subscriber who joins late first gets the events so far from the replay log. Who joins or
 * leaves from inside a subscriber's `next()` is handled there too: a joiner is not handed the
 * event being delivered twice, and the turn counts as watched while anyone is still in, a
 * subscriber still being replayed to included. A close (the turn's end) ends every one of them,
 * however far its replay has got.
 */
export class TurnMulticast {
  private readonly log = new ReplayLog();
  private readonly subscribers = new Set<Subscriber<TurnEvent>>();
  /** Set while `emit` hands an event out: who subscribes meanwhile has it from the replay. */
  private delivering = false;
  private readonly joinedDuringDelivery: Subscriber<TurnEvent>[] = [];
  /** Subscribers being replayed to: in, though not live yet. */
  private readonly replaying = new Set<Subscriber<TurnEvent>>();

  constructor(private readonly link: TurnLink) {}

  /** Whether anyone is subscribed (or being replayed to, or joining from inside a delivery). */
  get watched(): boolean {
    return (
      this.subscribers.size > 0 || this.joinedDuringDelivery.length > 0 || this.replaying.size > 0
    );
  }

  /** Replays the events so far to `subscriber`, then adds it to the live ones. */
  join(subscriber: Subscriber<TurnEvent>): void {
    this.replaying.add(subscriber);
    try {
      for (const event of this.log.events()) {
        if (subscriber.closed) return;
        linkToTurn(event, this.link);
        subscriber.next(event);
      }
    } finally {
      this.replaying.delete(subscriber);
    }
    // Ended meanwhile: by itself (it unsubscribed) or by close(), which ended it too.
    if (subscriber.closed) return;
    // Joining from inside another subscriber's next(): the replay above included that event, so
    // this one must not be handed it again by the delivery loop still running.
    if (this.delivering) this.joinedDuringDelivery.push(subscriber);
    else this.subscribers.add(subscriber);
  }

  /** Removes `subscriber`; says whether that left the turn unwatched. */
  leave(subscriber: Subscriber<TurnEvent>): boolean {
    this.subscribers.delete(subscriber);
    const joining = this.joinedDuringDelivery.indexOf(subscriber);
    if (joining !== -1) this.joinedDuringDelivery.splice(joining, 1);
    return !this.watched;
  }

  /** Logs `event` for late joiners and hands it to every subscriber. */
  emit(event: TurnEvent, wire: WireLine | undefined): void {
    this.log.append(event, wire);
    linkToTurn(event, this.link);
    // RxJS subscribers do not throw from next() (errors are reported asynchronously), so no
    // try/finally is needed here, on the hottest path.
    this.delivering = true;
    for (const subscriber of this.subscribers) subscriber.next(event);
    this.delivering = false;
    if (this.joinedDuringDelivery.length) {
      for (const joined of this.joinedDuringDelivery) this.subscribers.add(joined);
      this.joinedDuringDelivery.length = 0;
    }
  }

  /** Completes every subscriber (or errors them with `error`) and lets go of the replay. */
  close(error?: Error): void {
    const subscribers = [...this.subscribers, ...this.joinedDuringDelivery, ...this.replaying];
    this.subscribers.clear();
    this.joinedDuringDelivery.length = 0;
    this.replaying.clear();
    this.log.clear();
    for (const subscriber of subscribers) {
      if (error) subscriber.error(error);
      else subscriber.complete();
    }
  }
}
