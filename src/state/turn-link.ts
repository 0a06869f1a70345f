/**
 * The turn an event belongs to, carried with the event itself. A turn links each event object it
 * delivers (and each replayed copy) to itself, so an operator that acts on a turn — steer,
 * interrupt, a state fold that also shows the turn's server requests — learns which turn from the
 * data passing through it. Sharing, scheduling and higher-order mapping move the objects, not the
 * link, so none of them can lose it. Objects made from an event (a `map`, a spread copy, JSON)
 * are not linked. Internal: no entry point exports it.
 */

import type { Observable } from 'rxjs';
import type { StateEvent } from './state-event.js';

/** What an operator may do with the turn an event came from. */
export interface TurnLink {
  readonly threadId: string;
  /** Sends `turn/steer` to this turn. */
  steer(input: unknown): Promise<void>;
  /** Sends `turn/interrupt` to this turn; resolves at once if it has ended. */
  interrupt(): Promise<void>;
  /** Whether the turn has ended. */
  readonly ended: boolean;
  /**
   * The turn's server requests as plain messages (the open ones first), and their
   * `serverRequest/resolved`, for state folds; watching it does not change how they are answered.
   */
  readonly requestEvents$: Observable<StateEvent>;
}

/**
 * Stamps a private field onto an object it is handed (a base class that returns another object
 * from its constructor makes `new` define the subclass's fields on that object). The field is
 * invisible to spread, `JSON`, `Object.keys`, `Reflect.ownKeys` and equality checks, so an event
 * looks exactly as parsed. Chosen over a `WeakMap`: one entry per event of a 200,000-event turn
 * is that many ephemerons for the garbage collector, about 0.7 µs an event more than the field
 * on the WebSocket event path (frames handed to the reader in process, 25 reps).
 */
class Returning {
  constructor(target: object) {
    return target;
  }
}

class Linked extends Returning {
  #turn: TurnLink;

  private constructor(target: object, turn: TurnLink) {
    super(target);
    this.#turn = turn;
  }

  static link(event: object, turn: TurnLink): void {
    if (#turn in event) return;
    try {
      new Linked(event, turn);
    } catch {
      // An object that takes no new field (a proxy that refuses it, an engine that keeps
      // non-extensible objects closed to private fields): linked the slower way.
      if (!fallback.has(event)) fallback.set(event, turn);
    }
  }

  static of(event: object): TurnLink | undefined {
    return #turn in event ? event.#turn : fallback.get(event);
  }
}

const fallback = new WeakMap<object, TurnLink>();

/**
 * Links `event` to `turn`, unless it is linked already: a turn that follows another's events
 * (`ifActive: 'steer'`) hands on the same objects, which stay the running turn's.
 */
export function linkToTurn(event: object, turn: TurnLink): void {
  Linked.link(event, turn);
}

/** The turn `event` came from, if it is an event object a turn delivered. */
export function turnLinkOf(event: unknown): TurnLink | undefined {
  return typeof event === 'object' && event !== null ? Linked.of(event) : undefined;
}
