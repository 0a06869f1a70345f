/**
 * Lets an operator find the turn it is applied to, wherever it sits in a pipe. RxJS subscribes a
 * pipe from the outside in, synchronously, so every turn subscribed while an operator subscribes to
 * its source is upstream of it. A turn announces itself when subscribed; the operator captures the
 * announcements made during its own `source.subscribe()` call.
 */

import type { Observable } from 'rxjs';
import type { StateEvent } from '../state/turn-state.js';

/** What an operator may do with the turn it captured. */
export interface TurnHandle {
  readonly threadId: string;
  /** Sends `turn/steer` to this turn. */
  steer(input: unknown): Promise<void>;
  /** Sends `turn/interrupt` to this turn. */
  interrupt(): Promise<void>;
  /** Whether the turn has ended. */
  readonly ended: boolean;
  /**
   * The turn's server requests as plain messages, and their `serverRequest/resolved`, for state
   * folds; watching it does not change how the requests are answered.
   */
  readonly requestEvents$: Observable<StateEvent>;
}

let capturing: TurnHandle[] | undefined;

/** Called by a turn when it is subscribed. */
export function announceTurn(turn: TurnHandle): void {
  capturing?.push(turn);
}

/** Runs `fn` with no capture in progress: what it subscribes is not upstream of anyone. */
export function outsideCapture<T>(fn: () => T): T {
  const outer = capturing;
  capturing = undefined;
  try {
    return fn();
  } finally {
    capturing = outer;
  }
}

/** Runs `subscribe` and returns, with its result, the turns subscribed meanwhile. */
export function captureTurns<T>(subscribe: () => T): [T, TurnHandle[]] {
  const outer = capturing;
  const mine: TurnHandle[] = [];
  capturing = mine;
  try {
    return [subscribe(), mine];
  } finally {
    capturing = outer;
    // An enclosing operator is upstream-agnostic: the same turns are upstream of it too.
    outer?.push(...mine);
  }
}
