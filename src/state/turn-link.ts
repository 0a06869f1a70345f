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

const links = new WeakMap<object, TurnLink>();

/**
 * Links `event` to `turn`, unless it is linked already: a turn that follows another's events
 * (`ifActive: 'steer'`) hands on the same objects, which stay the running turn's.
 */
export function linkToTurn(event: object, turn: TurnLink): void {
  if (!links.has(event)) links.set(event, turn);
}

/** The turn `event` came from, if it is an event object a turn delivered. */
export function turnLinkOf(event: unknown): TurnLink | undefined {
  return typeof event === 'object' && event !== null ? links.get(event) : undefined;
}
