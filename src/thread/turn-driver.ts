import type { UserInput } from '../protocol/generated/v2/UserInput.js';

/**
 * How one kind of turn starts and is controlled on the wire: a plain turn (`turn/start`) or a
 * goal turn (`thread/goal/set`, then the turns the server runs for it). The `TurnController`
 * drives either the same way — stream, replay, stall watch, abort, retries — and neither needs
 * to pose as the server to the other.
 */
export interface TurnDriver {
  /** The method that starts the turn: what errors about its options and start name. */
  readonly startMethod: 'turn/start' | 'thread/goal/set';
  /** Starts the turn; resolves with its id once the server has answered. */
  start(): Promise<string>;
  /** Adds input to the running turn. */
  steer(turnId: string, input: UserInput[]): Promise<unknown>;
  /** Asks the server to interrupt the turn. */
  interrupt(turnId: string): Promise<unknown>;
}
