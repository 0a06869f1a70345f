import { Observable } from 'rxjs';
import { toAsyncIterator } from '../observables/to-async-iterable.js';
import type { AnyServerRequest } from '../requests/server-request-handle.js';
import type { RunInput } from './run-input.js';
import type { ThreadGoal } from '../protocol/generated/v2/ThreadGoal.js';
import type { TurnController } from './turn-controller.js';
import type { TurnEvent } from './turn-event.js';

/**
 * One turn's notifications, from `turn/started` to `turn/completed` inclusive, in server order;
 * completes after `turn/completed`.
 *
 * - **Lazy**: `turn/start` is sent on the first subscription.
 * - **Shared**: later subscribers join the same turn and first get the events so far (equal
 *   copies, re-read from the wire text the turn keeps instead of the objects). The replay lasts
 *   while the turn runs; once it has ended its events are released, and subscribing again errors
 *   (code `turn_ended`).
 * - **Cancellable**: when every subscriber has unsubscribed before the end, the turn is
 *   interrupted (opt out with `interruptOnUnsubscribe: false`).
 * - **Iterable**: `for await (const event of turn)`; `break` unsubscribes.
 *
 * A server newer than the pinned types may add event methods; they pass through as they are.
 */
export class TurnObservable extends Observable<TurnEvent> implements AsyncIterable<TurnEvent> {
  /** @internal */
  readonly controller: TurnController;

  /** @internal */
  constructor(controller: TurnController) {
    super((subscriber) => controller.subscribe(subscriber));
    this.controller = controller;
  }

  /** A goal turn (`{ goal }`): the goal as the server last reported it; else undefined. */
  get goal(): ThreadGoal | undefined {
    return this.controller.goal;
  }

  /**
   * The ids of the server's turns behind this one: one for an ordinary turn (once started), one
   * per turn the server ran for a goal turn.
   */
  get turnIds(): readonly string[] {
    return [...this.controller.turnIds];
  }

  /** The thread this turn runs on. */
  get threadId(): string {
    return this.controller.threadId;
  }

  /** The turn id: resolves when the server has named the turn (`turn/start` has answered); rejects if the turn could not start. */
  get turnId(): Promise<string> {
    return this.controller.turnId;
  }

  /**
   * This turn's server requests (approvals, questions, tool calls) as they arrive, each with
   * `respond()` / `reject()`; completes when the turn ends.
   */
  get serverRequests$(): Observable<AnyServerRequest> {
    return this.controller.requestScope.requests$;
  }

  /** Whether the turn has ended (completed, interrupted, failed, or lost with the connection). */
  get ended(): boolean {
    return this.controller.ended;
  }

  /**
   * Resolves when the turn has ended, however it ended (completed, interrupted, failed, aborted,
   * lost with the connection); never rejects. `sub.unsubscribe(); await turn.whenEnded();` waits
   * for the interrupt that the unsubscribe sent to take effect. A turn never subscribed never
   * ends. The thread's next `turn()` / `run()` need not wait for it: a turn that this client is
   * ending (unsubscribed, `interrupt()`, its `signal` aborted) is waited for before the next
   * starts.
   */
  whenEnded(): Promise<void> {
    return this.controller.whenEnded;
  }

  /**
   * Adds input to the running turn (`turn/steer` with `expectedTurnId`): the agent takes it into
   * account in the same turn. Rejects if the turn has not been subscribed yet, and with code
   * `turn_ended` once it has ended or this client has interrupted it.
   */
  steer(input: RunInput): Promise<void> {
    return this.controller.steer(input);
  }

  /**
   * Interrupts the turn (`turn/interrupt`). The stream then ends with the `turn/completed` whose
   * status is `interrupted`. Resolves at once if the turn has already ended.
   */
  interrupt(): Promise<void> {
    return this.controller.interrupt();
  }

  [Symbol.asyncIterator](): AsyncIterator<TurnEvent> {
    return toAsyncIterator(this);
  }
}
