import { Observable } from 'rxjs';
import type { Subscriber, Subscription, TeardownLogic } from 'rxjs';
import { CodexError } from '../errors/codex-error.js';
import type { TimeoutError } from '../errors/timeout-error.js';
import { TurnActiveError } from '../errors/turn-errors.js';
import type { FullLogger } from '../logger.js';
import type { ThreadRoute } from '../observables/notification-router.js';
import { RequestScope } from '../requests/server-request-dispatcher.js';
import type { TurnLink } from '../state/turn-link.js';
import type { ThreadGoal } from '../protocol/generated/v2/ThreadGoal.js';
import type { UserInput } from '../protocol/generated/v2/UserInput.js';
import type { CodexNotification } from '../protocol/methods.js';
import type { WireLine } from '../transport/wire-line.js';
import { AbortWatch } from './abort-watch.js';
import { waitForEndingTurn } from './previous-turn-wait.js';
import { toUserInputs } from './run-input.js';
import { StallWatch } from './stall-watch.js';
import type { StateEvent } from '../state/state-event.js';
import { TurnActivity } from './turn-activity.js';
import { TurnLifecycle } from './turn-lifecycle.js';
import type { TurnEvent } from './turn-event.js';
import type { TurnDriver, TurnStartSink } from './turn-driver.js';
import { TurnMulticast } from './turn-multicast.js';
import type { SdkTurnOptions } from './turn-options.js';

/** What a turn needs from its thread and client. */
export interface TurnHost {
  readonly threadId: string;
  /**
   * The thread's route: whether a turn runs on it, and where a turn this client is ending is
   * registered, so that the thread's next turn waits for it instead of failing.
   */
  readonly route: ThreadRoute;
  /** How long a new turn waits for the turn this client is ending, in ms. */
  readonly endWaitMs: number;
  readonly logger: FullLogger;
  /** The client's default for `turnStallTimeoutMs`. */
  readonly turnStallTimeoutMs?: number | undefined;
  /** Makes `scope` answer this thread's requests while the turn runs; returns the undo. */
  bindRequests(scope: RequestScope): () => void;
}

function notStarted(what: string): CodexError {
  return new CodexError(`${what}: the turn has not started yet; subscribe to it first`, {
    code: 'turn_not_started',
    method: what,
  });
}

/**
 * The life of one turn behind a `TurnObservable`: starts it through its {@link TurnDriver} on
 * first subscription (after the turn this client is ending on the thread, if any), and ends
 * every subscriber exactly once: complete at `turn/completed`, error if it cannot finish. A
 * coordinator: its phase and the id and end promises are a {@link TurnLifecycle}'s, the
 * subscribers and replay a {@link TurnMulticast}'s, the stall timeout a
 * {@link StallWatch}'s, steer/interrupt retries a {@link TurnActivity}'s, the signal an
 * {@link AbortWatch}'s, server requests a {@link RequestScope}'s.
 */
export class TurnController implements TurnStartSink, TurnLink {
  private readonly life = new TurnLifecycle();
  private readonly multicast = new TurnMulticast(this);
  private readonly activity = new TurnActivity(() => this.ended);
  private readonly stall: StallWatch;
  private readonly abortWatch: AbortWatch;
  private interrupting: Promise<void> | undefined;
  /** Set while the turn waits for the end of the thread's previous turn, which we are ending. */
  private waitingForPrevious = false;
  /** `ifActive: 'steer'` into another controller's turn: that one's events, followed. */
  private following: Subscription | undefined;
  /** This turn's server-request handlers and stream. */
  readonly requestScope: RequestScope;
  private unbindRequests: (() => void) | undefined;

  /**
   * `input` and `sdk` come validated by whoever made the driver (once, under the driver's
   * method); the controller only checks the stall timeout, which may be the client's.
   */
  constructor(
    private readonly host: TurnHost,
    private readonly driver: TurnDriver,
    private readonly input: UserInput[],
    private readonly sdk: SdkTurnOptions,
  ) {
    this.stall =
      sdk.turnStallTimeoutMs !== undefined
        ? new StallWatch(sdk.turnStallTimeoutMs, 'options.turnStallTimeoutMs', driver.startMethod)
        : new StallWatch(host.turnStallTimeoutMs, 'turnStallTimeoutMs', driver.startMethod);
    this.abortWatch = new AbortWatch(sdk.signal, this, host.logger);
    this.requestScope = new RequestScope(sdk.handlers);
  }

  /** Resolves when the turn has ended, however it ended. */
  get whenEnded(): Promise<void> {
    return this.life.ended;
  }

  get threadId(): string {
    return this.host.threadId;
  }

  /** The turn id, once the server has named it. */
  get turnId(): Promise<string> {
    return this.life.id;
  }

  /** The turn id if known yet. */
  get startedId(): string | undefined {
    return this.life.knownId;
  }

  /** The ids of the server's turns behind this one so far. */
  get turnIds(): readonly string[] {
    const id = this.life.knownId;
    return this.driver.turnIds ?? (id !== undefined ? [id] : []);
  }

  /** A goal turn's goal, as the server last reported it. */
  get goal(): ThreadGoal | undefined {
    return this.driver.goal;
  }

  get ended(): boolean {
    return this.life.phase === 'ended';
  }

  get requestEvents$(): Observable<StateEvent> {
    return this.requestScope.requestEvents$;
  }

  /** Subscription entry point of the TurnObservable. */
  subscribe(subscriber: Subscriber<TurnEvent>): TeardownLogic {
    if (this.ended) {
      subscriber.error(
        this.life.failedWith ??
          new CodexError(
            `turn ${this.life.knownId ?? ''} has ended and its events were released; subscribe before it ends`,
            { code: 'turn_ended' },
          ),
      );
      return;
    }
    this.multicast.join(subscriber);
    if (this.life.phase === 'new') this.start();
    return () => {
      if (!this.multicast.leave(subscriber) || this.ended) return;
      if (this.following) {
        // Following another subscriber's turn: leaving hands the decision to its own refcount.
        this.following.unsubscribe();
        this.end();
      } else if (this.sdk.interruptOnUnsubscribe !== false) {
        void this.interrupt().catch((error: unknown) =>
          this.host.logger.warn(
            `codex-rx: interrupting unobserved turn failed: ${(error as Error).message}`,
          ),
        );
      }
    };
  }

  /** Sends `turn/steer` with this turn's id; waits for the id if the turn is still starting. */
  async steer(input: unknown): Promise<void> {
    const items = toUserInputs(input, 'input', 'turn/steer');
    if (this.life.phase === 'new') throw notStarted('turn/steer');
    // Once this client asked for the interrupt there is nothing left to steer, even before the
    // server's `turn/completed` arrives (the server would answer "no active turn").
    if (this.ended || this.interrupting)
      throw new CodexError(
        `turn/steer: the turn has ${this.ended ? 'ended' : 'been interrupted'}`,
        { code: 'turn_ended', method: 'turn/steer' },
      );
    const turnId = await this.life.id;
    await this.activity.send('turn/steer', () => this.driver.steer(turnId, items));
  }

  /**
   * Sends `turn/interrupt`; the stream then ends with the `turn/completed` whose status is
   * `interrupted`. Resolves at once if the turn has already ended. Idempotent.
   */
  interrupt(): Promise<void> {
    if (this.life.phase === 'new') return Promise.reject(notStarted('turn/interrupt'));
    if (this.ended) return Promise.resolve();
    if (this.waitingForPrevious) {
      // Nothing was sent yet: there is nothing to interrupt, the turn just does not start.
      this.fail(
        new CodexError(`${this.driver.startMethod} cancelled before it was sent`, {
          code: 'aborted',
          method: this.driver.startMethod,
        }),
      );
      return Promise.resolve();
    }
    // This client is ending the turn: the thread's next turn waits for the end instead of failing.
    this.host.route.ending = this.whenEnded;
    this.interrupting ??= this.life.id.then(async (turnId) => {
      try {
        await this.activity.send('turn/interrupt', () => this.driver.interrupt(turnId));
      } catch (error) {
        // Losing the race with the turn's own end is not a failure.
        if (!this.ended) throw error;
      }
    });
    return this.interrupting;
  }

  // TurnSink: called by the driver, in wire order.
  deliver(notification: CodexNotification, wire?: WireLine): void {
    const event = notification as TurnEvent;
    this.stall.saw(event);
    this.multicast.emit(event, wire);
    // Any event of the turn means the server has it running (turn/started comes first).
    this.activity.markActive();
    if (event.method === 'turn/completed') {
      if (this.stall.stalled) this.fail(this.stall.stalled);
      else this.end();
    }
  }

  abort(error: Error): void {
    this.fail(error);
  }

  // TurnStartSink: the driver's server has named the turn.
  started(turnId: string): boolean {
    if (this.ended) return false;
    this.running(turnId);
    this.stall.start(turnId, (stalled) => this.onStall(stalled));
    return true;
  }

  // TurnStartSink: the turn goes on in another server turn; its requests are ours too.
  continued(turnId: string): void {
    if (!this.ended) this.requestScope.follow(turnId);
  }

  private running(turnId: string): void {
    this.requestScope.turnId = turnId;
    this.life.running(turnId);
  }

  private onStall(stalled: TimeoutError): void {
    if (this.ended) return;
    this.host.logger.warn(`codex-rx: ${stalled.message}`);
    // Ends with the interrupt's turn/completed; if the server cannot even confirm it, now.
    this.interrupt().catch(() => this.fail(stalled));
  }

  private start(): void {
    this.life.starting();
    if (!this.abortWatch.start(this.driver.startMethod)) return;
    this.begin();
  }

  /**
   * Starts the turn through the driver, or joins or refuses the turn running on the thread; first
   * waits for the thread's turn this client is ending, if any (it is waited for even when the
   * server has not reported it yet: answered, not started).
   */
  private begin(): void {
    if (this.life.phase !== 'starting') return;
    const route = this.host.route;
    if (route.ending !== undefined) {
      this.waitForPrevious(route.ending);
      return;
    }
    const busy = route.busy();
    if (busy !== undefined) {
      if (this.sdk.ifActive === 'steer' && route.activeTurnId !== undefined && this.driver.join)
        this.joinActive(route.activeTurnId);
      else this.fail(new TurnActiveError(this.threadId, busy));
      return;
    }
    this.unbindRequests = this.host.bindRequests(this.requestScope);
    this.driver.start(this).catch((error: unknown) => this.fail(error as Error));
  }

  private waitForPrevious(ending: Promise<void>): void {
    this.waitingForPrevious = true;
    waitForEndingTurn(ending, this.host.endWaitMs, this.threadId, this.driver.startMethod).then(
      () => {
        if (!this.waitingForPrevious) return;
        this.waitingForPrevious = false;
        this.begin();
      },
      (error: unknown) => {
        this.waitingForPrevious = false;
        this.fail(error as Error);
      },
    );
  }

  /** `ifActive: 'steer'`: send the input to the running turn and follow it from here. */
  private joinActive(activeTurnId: string): void {
    const owner = this.host.route.turns.get(activeTurnId);
    if (owner instanceof TurnController) {
      this.running(activeTurnId);
      this.following = new Observable<TurnEvent>((subscriber) =>
        owner.subscribe(subscriber),
      ).subscribe({
        next: (event) => this.deliver(event),
        error: (error: unknown) => this.fail(error as Error),
        complete: () => this.end(),
      });
    } else {
      this.running(activeTurnId);
      this.stall.start(activeTurnId, (stalled) => this.onStall(stalled));
      this.driver.join!(activeTurnId, this);
    }
    this.steer(this.input).catch((error: unknown) => this.fail(error as Error));
  }

  private end(): void {
    this.finish(undefined);
  }

  private fail(error: Error): void {
    this.finish(error);
  }

  /** Ends the turn once: lets go of everything it holds, then ends every subscriber. */
  private finish(error: Error | undefined): void {
    if (!this.life.end(error)) return;
    this.activity.markActive();
    this.waitingForPrevious = false;
    if (this.host.route.ending === this.whenEnded) this.host.route.ending = undefined;
    this.stall.stop();
    this.unbindRequests?.();
    this.unbindRequests = undefined;
    this.abortWatch.stop();
    this.driver.release(this);
    this.following?.unsubscribe();
    this.following = undefined;
    this.requestScope.end(error);
    this.multicast.close(error);
  }
}
