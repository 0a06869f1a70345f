import type { TurnSink } from '../observables/notification-router.js';
import type { ThreadGoal } from '../protocol/generated/v2/ThreadGoal.js';
import type { UserInput } from '../protocol/generated/v2/UserInput.js';

/** Where a driver hands the events of the turn it started. */
export interface TurnStartSink extends TurnSink {
  /**
   * The server has named the turn: called once, before any of its events is delivered. Returns
   * false when the turn is no longer wanted (it ended meanwhile): the driver then routes nothing.
   */
  started(turnId: string): boolean;
  /**
   * The turn goes on in another of the server's turns (a goal's next): its events, delivered
   * under the turn's own id, and its server requests are the turn's. Called before any of them.
   */
  continued(turnId: string): void;
}

/**
 * How one kind of turn starts, is controlled and ends on the wire: a plain turn (`turn/start`)
 * or a goal turn (`thread/goal/set`, then the turns the server runs for it). The
 * `TurnController` drives either the same way — stream, replay, stall watch, abort, retries —
 * and each driver hands it the turn's events itself, so neither poses as the server.
 */
export interface TurnDriver {
  /** The method that starts the turn: what errors about its options and start name. */
  readonly startMethod: 'turn/start' | 'thread/goal/set';
  /**
   * Starts the turn: names it to `sink` (`started`) once the server has, then hands `sink` its
   * events in order until {@link TurnDriver.release}. Rejects if the turn could not start.
   */
  start(sink: TurnStartSink): Promise<void>;
  /**
   * `ifActive: 'steer'`: hands `sink` the events of the thread's running turn `turnId` instead
   * of starting one. Absent when this kind of turn cannot join another.
   */
  join?(turnId: string, sink: TurnSink): void;
  /** Adds input to the running turn. */
  steer(turnId: string, input: UserInput[]): Promise<unknown>;
  /** Asks the server to interrupt the turn. */
  interrupt(turnId: string): Promise<unknown>;
  /** The turn has ended (or will not start): no more of its events go to `sink`. Idempotent. */
  release(sink: TurnSink): void;
  /** The ids of the server's turns behind this one so far, when not just the turn's own. */
  readonly turnIds?: readonly string[];
  /** A goal turn's goal, as the server last reported it. */
  readonly goal?: ThreadGoal | undefined;
}
