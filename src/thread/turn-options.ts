import type { EnvironmentLostPolicy } from '../errors/environment-lost-error.js';
import type { TurnStartParams } from '../protocol/generated/v2/TurnStartParams.js';
import type { ServerRequestHandlers } from '../requests/server-request-handlers.js';
import { applyTurnPresets } from './presets.js';
import type { TurnPresetOptions } from './presets.js';

/** Options of `thread.turn()` and `thread.run()`: every `turn/start` parameter, plus the SDK's own. */
export interface TurnOptions
  extends Omit<TurnStartParams, 'threadId' | 'input'>, TurnPresetOptions {
  /** Aborting interrupts the turn (before it starts: it never starts, and the stream errors). */
  signal?: AbortSignal;
  /**
   * When every subscriber unsubscribes before the turn ends, interrupt it (default `true`), as
   * unsubscribing cancels in RxJS. With `false` the turn runs on unobserved.
   */
  interruptOnUnsubscribe?: boolean;
  /**
   * What to do when the thread already has a running turn: `'error'` (default) fails with
   * `TurnActiveError`; `'steer'` sends this input to the running turn and follows its events.
   */
  ifActive?: 'error' | 'steer';
  /** How this turn's server requests are answered (over the thread's and the client's handlers). */
  handlers?: ServerRequestHandlers;
  /**
   * When the turn sends no event for this many ms, interrupt it and end its stream with a
   * `TimeoutError` (code `turn_stalled`) whose `data.errors` holds the server's last `error`
   * notifications (such as "Reconnecting… 2/5"). Off by default; the client's
   * `turnStallTimeoutMs` sets it for every turn.
   */
  turnStallTimeoutMs?: number;
  /**
   * Runs the input as a goal (`thread/goal/set` with the input's text as the objective): the
   * server runs turns one after another until the goal is complete, paused, blocked, out of
   * budget or cleared, and the returned stream spans them as one turn. `{ tokenBudget }` caps the
   * tokens it may spend. Takes no `turn/start` parameter.
   */
  goal?: boolean | { tokenBudget?: number };
  /**
   * What this turn does when its environment (executor) is lost: over the thread's
   * `onEnvironmentLost`, default `'fail'` (see `EnvironmentLostError`).
   */
  onEnvironmentLost?: EnvironmentLostPolicy;
}

/** The SDK-only keys of {@link TurnOptions}, which are not sent to the server. */
export const SDK_TURN_OPTION_KEYS = [
  'signal',
  'interruptOnUnsubscribe',
  'ifActive',
  'handlers',
  'turnStallTimeoutMs',
  'goal',
] as const;

/** The options the SDK keeps for itself (not sent to the server). */
export type SdkTurnOptions = Pick<TurnOptions, (typeof SDK_TURN_OPTION_KEYS)[number]>;

/** Splits off the options the SDK keeps; the rest is as given (no preset applied). */
export function splitSdkTurnOptions<O extends TurnOptions>(
  options: O,
): { sdk: SdkTurnOptions; wire: Omit<O, (typeof SDK_TURN_OPTION_KEYS)[number]> } {
  const { signal, interruptOnUnsubscribe, ifActive, handlers, turnStallTimeoutMs, goal, ...wire } =
    options;
  return {
    wire,
    sdk: { signal, interruptOnUnsubscribe, ifActive, handlers, turnStallTimeoutMs, goal },
  };
}

/** Splits options into what goes on the wire (presets applied) and what the SDK keeps. */
export function splitTurnOptions(options: TurnOptions): {
  wire: Omit<TurnStartParams, 'threadId' | 'input'>;
  sdk: SdkTurnOptions;
} {
  const { sdk, wire } = splitSdkTurnOptions(options);
  return { wire: applyTurnPresets(wire, 'turn/start'), sdk };
}
