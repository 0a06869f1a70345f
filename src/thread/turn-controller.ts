import { Observable } from 'rxjs';
import type { Subscriber, Subscription, TeardownLogic } from 'rxjs';
import { CodexError } from '../errors/codex-error.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { JsonRpcError, JsonRpcErrorCode } from '../errors/json-rpc-error.js';
import { TimeoutError } from '../errors/timeout-error.js';
import { TurnActiveError } from '../errors/turn-errors.js';
import type { FullLogger } from '../logger.js';
import type { StartingTurn, ThreadRoute, TurnSink } from '../observables/notification-router.js';
import { RequestScope } from '../requests/server-request-dispatcher.js';
import { linkToTurn } from '../state/turn-link.js';
import type { TurnLink } from '../state/turn-link.js';
import type { UserInput } from '../protocol/generated/v2/UserInput.js';
import type { CodexNotification } from '../protocol/methods.js';
import type { WireLine } from '../transport/wire-line.js';
import { ReplayLog } from './replay-log.js';
import { toUserInputs } from './run-input.js';
import type { StateEvent } from '../state/turn-state.js';
import type { TurnEvent } from './turn-event.js';
import type { TurnDriver } from './turn-driver.js';
import type { SdkTurnOptions } from './turn-options.js';

/** What a turn needs from its thread and client. */
export interface TurnHost {
  readonly threadId: string;
  /** Where the turn's events come from. */
  readonly route: ThreadRoute;
  /**
   * The thread's own route (a goal turn's `route` is its driver's): where a turn this client is
   * ending is registered, so that the thread's next turn waits for it instead of failing.
   */
  readonly threadRoute: ThreadRoute;
  /** How long a new turn waits for the turn this client is ending, in ms. */
  readonly endWaitMs: number;
  readonly logger: FullLogger;
  /** The client's default for `turnStallTimeoutMs`. */
  readonly turnStallTimeoutMs?: number | undefined;
  /** Makes `scope` answer this thread's requests while the turn runs; returns the undo. */
  bindRequests(scope: RequestScope): () => void;
}

type State = 'new' | 'starting' | 'running' | 'ended';

/**
 * How often a steer or interrupt refused with "no active turn" is sent again. The server answers
 * `turn/start` before the turn is active and refuses `turn/interrupt` until then (0.169.0 takes
 * a steer); an interrupt waits for `turn/started`, and these retries cover a server that reports
 * the turn a moment before it accepts either.
 */
const NOT_ACTIVE_RETRIES = 8;
const NOT_ACTIVE_RETRY_MS = 25;
/** How long an interrupt waits for `turn/started` before it is sent regardless. */
const ACTIVE_WAIT_MS = 10_000;

function isNotActive(error: unknown): boolean {
  return (
    error instanceof JsonRpcError &&
    error.code === JsonRpcErrorCode.InvalidRequest &&
    /no active turn/i.test(error.serverMessage)
  );
}

function notStarted(what: string): CodexError {
  return new CodexError(`${what}: the turn has not started yet; subscribe to it first`, {
    code: 'turn_not_started',
  });
}

/**
 * The life of one turn behind a `TurnObservable`: starts it on first subscription, claims its
 * events from the thread route, replays them to late subscribers while it runs, and ends every
 * subscriber exactly once: complete at `turn/completed`, error if it cannot finish.
 */
export class TurnController implements TurnSink, TurnLink {
  private state: State = 'new';
  private readonly log = new ReplayLog();
  private readonly subscribers = new Set<Subscriber<TurnEvent>>();
  private id: string | undefined;
  private readonly idPromise: Promise<string>;
  private resolveId!: (id: string) => void;
  private rejectId!: (error: Error) => void;
  private interrupting: Promise<void> | undefined;
  /** Resolves when the turn has ended, however it ended. */
  readonly whenEnded: Promise<void>;
  private markEnded!: () => void;
  /** Set while the turn waits for the end of the thread's previous turn, which we are ending. */
  private waitingForPrevious = false;
  /** Resolves once the server reports the turn active (or it ended): steer and interrupt wait for it. */
  private readonly active: Promise<void>;
  private markActive!: () => void;
  private isActive = false;
  /** Set while `deliver` hands an event out: who subscribes meanwhile has it from the replay. */
  private delivering = false;
  /** `turnStallTimeoutMs` in force, if any, and what the stall watch needs. */
  private readonly stallMs: number | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private lastProgressAt = 0;
  /** The stall error to end with once the interrupt it sent has ended the turn. */
  private stalled: TimeoutError | undefined;
  /** The server's recent `error` notifications for this turn (retries, mostly). */
  private readonly serverErrors: unknown[] = [];
  private readonly joinedDuringDelivery: Subscriber<TurnEvent>[] = [];
  private following: Subscription | undefined;
  /** This turn's server-request handlers and stream. */
  readonly requestScope: RequestScope;
  private unbindRequests: (() => void) | undefined;
  private failure: Error | undefined;
  private readonly input: UserInput[];
  private readonly sdk: SdkTurnOptions;
  private readonly onAbort = (): void => {
    if (this.state !== 'starting' && this.state !== 'running') return;
    // An aborted turn must end even when the server cannot confirm the interrupt (hung, refusing).
    this.interrupt().catch((error: unknown) => {
      if (this.ended) return;
      this.host.logger.warn(
        `codex-rx: interrupting the aborted turn failed (${(error as Error).message}); its stream ends with an 'aborted' error`,
      );
      this.fail(
        new CodexError('turn aborted; the server did not confirm the interrupt', {
          code: 'aborted',
          method: 'turn/interrupt',
          cause: error,
        }),
      );
    });
  };

  /**
   * `input` and `sdk` come validated by whoever made the driver (once, under the driver's
   * method); the controller only checks the stall timeout, which may be the client's.
   */
  constructor(
    private readonly host: TurnHost,
    private readonly driver: TurnDriver,
    input: UserInput[],
    sdk: SdkTurnOptions,
  ) {
    this.input = input;
    this.sdk = sdk;
    this.stallMs = this.sdk.turnStallTimeoutMs ?? host.turnStallTimeoutMs;
    if (this.stallMs !== undefined && !(this.stallMs > 0)) {
      throw new InvalidInputError(
        'options.turnStallTimeoutMs',
        `must be a positive number of ms, got ${String(this.stallMs)}`,
        driver.startMethod,
      );
    }
    this.requestScope = new RequestScope(this.sdk.handlers);
    this.idPromise = new Promise<string>((resolve, reject) => {
      this.resolveId = resolve;
      this.rejectId = reject;
    });
    // A turn that never starts must not surface as an unhandled rejection.
    this.idPromise.catch(() => undefined);
    this.active = new Promise<void>((resolve) => (this.markActive = resolve));
    this.whenEnded = new Promise<void>((resolve) => (this.markEnded = resolve));
  }

  get threadId(): string {
    return this.host.threadId;
  }

  /** The turn id, once `turn/start` has answered. */
  get turnId(): Promise<string> {
    return this.idPromise;
  }

  /** The turn id if known yet. */
  get startedId(): string | undefined {
    return this.id;
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  get requestEvents$(): Observable<StateEvent> {
    return this.requestScope.requestEvents$;
  }

  /** Subscription entry point of the TurnObservable. */
  subscribe(subscriber: Subscriber<TurnEvent>): TeardownLogic {
    if (this.state === 'ended') {
      subscriber.error(
        this.failure ??
          new CodexError(
            `turn ${this.id ?? ''} has ended and its events were released; subscribe before it ends`,
            { code: 'turn_ended' },
          ),
      );
      return;
    }
    for (const event of this.log.events()) {
      if (subscriber.closed) return;
      linkToTurn(event, this);
      subscriber.next(event);
    }
    // Joining from inside another subscriber's next(): the replay above included that event, so
    // this one must not be handed it again by the delivery loop still running.
    if (this.delivering) this.joinedDuringDelivery.push(subscriber);
    else this.subscribers.add(subscriber);
    if (this.state === 'new') this.start();
    return () => {
      this.subscribers.delete(subscriber);
      const joining = this.joinedDuringDelivery.indexOf(subscriber);
      if (joining !== -1) this.joinedDuringDelivery.splice(joining, 1);
      if (this.subscribers.size > 0 || this.state === 'ended') return;
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
    if (this.state === 'new') throw notStarted('turn/steer');
    if (this.state === 'ended')
      throw new CodexError('turn/steer: the turn has ended', {
        code: 'turn_ended',
        method: 'turn/steer',
      });
    const turnId = await this.idPromise;
    await this.whenActive('turn/steer', () => this.driver.steer(turnId, items));
  }

  /**
   * Sends `turn/interrupt`; the stream then ends with the `turn/completed` whose status is
   * `interrupted`. Resolves at once if the turn has already ended. Idempotent.
   */
  interrupt(): Promise<void> {
    if (this.state === 'new') return Promise.reject(notStarted('turn/interrupt'));
    if (this.state === 'ended') return Promise.resolve();
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
    const threadRoute = this.host.threadRoute;
    threadRoute.ending = this.whenEnded;
    this.interrupting ??= this.idPromise.then(async (turnId) => {
      try {
        await this.whenActive('turn/interrupt', () => this.driver.interrupt(turnId));
      } catch (error) {
        // Losing the race with the turn's own end is not a failure.
        if (!this.ended) throw error;
      }
    });
    return this.interrupting;
  }

  /**
   * Sends `send` when the server will take it: an interrupt once the server reports the turn
   * active, a steer at once. A "no active turn" refusal while the turn runs is sent again once
   * the turn is active, a few times. If the turn ends first, an interrupt resolves unsent.
   */
  private async whenActive(
    method: 'turn/steer' | 'turn/interrupt',
    send: () => Promise<unknown>,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      // The server (0.169.0) takes a steer before `turn/started` but refuses an interrupt.
      if (method === 'turn/interrupt' || attempt > 0) await this.activeOrTimeout();
      if (this.ended) {
        if (method === 'turn/steer')
          throw new CodexError('turn/steer: the turn has ended', { code: 'turn_ended', method });
        return;
      }
      try {
        await send();
        return;
      } catch (error) {
        if (!isNotActive(error) || attempt >= NOT_ACTIVE_RETRIES || this.ended) throw error;
        await new Promise((resolve) => setTimeout(resolve, NOT_ACTIVE_RETRY_MS * (attempt + 1)));
      }
    }
  }

  /** {@link active}, or after {@link ACTIVE_WAIT_MS} (a server that never reports it is then asked anyway). */
  private activeOrTimeout(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      this.active,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ACTIVE_WAIT_MS))),
    ]).finally(() => clearTimeout(timer));
  }

  // TurnSink: called by the thread route, in wire order.
  deliver(notification: CodexNotification, wire?: WireLine): void {
    const event = notification as TurnEvent;
    if (event.method === 'error') {
      // A retry report is not progress: it must not hold off the stall timeout.
      this.serverErrors.push(event.params);
      if (this.serverErrors.length > 10) this.serverErrors.shift();
    } else if (this.stallMs !== undefined) {
      this.lastProgressAt = Date.now();
    }
    this.log.append(event, wire);
    linkToTurn(event, this);
    // RxJS subscribers do not throw from next() (errors are reported asynchronously), so no
    // try/finally is needed here, on the hottest path.
    this.delivering = true;
    for (const subscriber of this.subscribers) subscriber.next(event);
    this.delivering = false;
    if (this.joinedDuringDelivery.length) {
      for (const joined of this.joinedDuringDelivery) this.subscribers.add(joined);
      this.joinedDuringDelivery.length = 0;
    }
    // Any event of the turn means the server has it running (turn/started comes first).
    if (!this.isActive) {
      this.isActive = true;
      this.markActive();
    }
    if (event.method === 'turn/completed') {
      if (this.stalled) this.fail(this.stalled);
      else this.end();
    }
  }

  abort(error: Error): void {
    this.fail(error);
  }

  private start(): void {
    this.state = 'starting';
    const { signal } = this.sdk;
    if (signal?.aborted) {
      this.fail(
        new CodexError(`${this.driver.startMethod} aborted before it was sent`, {
          code: 'aborted',
          method: this.driver.startMethod,
          cause: signal.reason,
        }),
      );
      return;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    // Waited for even when the server has not reported that turn yet (answered, not started).
    const ending = this.host.threadRoute.ending;
    if (ending !== undefined) {
      this.waitForPrevious(ending);
      return;
    }
    this.begin();
  }

  /**
   * The thread's turn before this one is being ended by this client: start once it has ended,
   * within {@link TurnHost.endWaitMs}.
   */
  private waitForPrevious(ending: Promise<void>): void {
    this.waitingForPrevious = true;
    const ms = this.host.endWaitMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TimeoutError(this.driver.startMethod, ms, {
              message: `thread ${this.threadId}: the turn this client is ending did not end within ${ms} ms; the new turn was not started`,
              code: 'previous_turn_not_ended',
              data: { threadId: this.threadId },
            }),
          ),
        ms,
      );
    });
    Promise.race([ending, timeout])
      .finally(() => clearTimeout(timer))
      .then(
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

  /** Sends `turn/start`, or joins or refuses the turn running on the thread. */
  private begin(): void {
    if (this.state !== 'starting') return;
    const { ifActive } = this.sdk;
    const route = this.host.route;
    const ending = this.host.threadRoute.ending;
    if (ending !== undefined) {
      // Another turn this client is ending took the thread meanwhile: wait for that one too.
      this.waitForPrevious(ending);
      return;
    }
    const busy = route.busy();
    if (busy !== undefined) {
      if (ifActive === 'steer' && route.activeTurnId !== undefined)
        this.joinActive(route.activeTurnId);
      else this.fail(new TurnActiveError(this.threadId, busy));
      return;
    }
    this.unbindRequests = this.host.bindRequests(this.requestScope);
    // Until the response names our turn, the route keeps this thread's unclaimed turn events.
    const starting: StartingTurn = { early: [], failures: [] };
    route.starting = starting;
    // Cleared in the same step that claims (or fails) the turn: when the response and the whole
    // turn arrive in one read, the turn ends inside claim(), and the caller's next run() may
    // start before any later callback would run.
    const started = (): void => {
      if (route.starting === starting) route.starting = undefined;
    };
    this.driver.start().then(
      (turnId) => {
        started();
        if (this.ended) return;
        if (route.turns.has(turnId)) {
          // The server steered into a turn we already follow instead of starting one.
          this.fail(new TurnActiveError(this.threadId, turnId));
          return;
        }
        this.claim(turnId, starting);
      },
      (error: unknown) => {
        started();
        this.fail(error as Error);
      },
    );
  }

  /** Starts watching for a stall: one timer, re-armed for the time left (no per-event timers). */
  private watchStall(): void {
    if (this.stallMs === undefined || this.ended) return;
    this.lastProgressAt = Date.now();
    const check = (): void => {
      this.stallTimer = undefined;
      if (this.ended || this.stalled) return;
      const idle = Date.now() - this.lastProgressAt;
      if (idle < this.stallMs!) {
        this.stallTimer = setTimeout(check, this.stallMs! - idle);
        return;
      }
      this.stalled = new TimeoutError('turn', this.stallMs!, {
        message: `turn ${this.id ?? ''} sent no progress for ${this.stallMs} ms; it was interrupted`,
        code: 'turn_stalled',
        data: { turnId: this.id, errors: [...this.serverErrors] },
      });
      this.host.logger.warn(`codex-rx: ${this.stalled.message}`);
      const stalled = this.stalled;
      // Ends with the interrupt's turn/completed; if the server cannot even confirm it, now.
      this.interrupt().catch(() => this.fail(stalled));
    };
    this.stallTimer = setTimeout(check, this.stallMs);
  }

  private claim(turnId: string, starting?: StartingTurn): void {
    this.id = turnId;
    this.requestScope.turnId = turnId;
    this.state = 'running';
    this.resolveId(turnId);
    this.watchStall();
    this.host.route.claim(turnId, this, starting);
  }

  /** `ifActive: 'steer'`: send the input to the running turn and follow it from here. */
  private joinActive(activeTurnId: string): void {
    const route = this.host.route;
    const owner = route.turns.get(activeTurnId);
    if (owner instanceof TurnController) {
      this.id = activeTurnId;
      this.requestScope.turnId = activeTurnId;
      this.state = 'running';
      this.resolveId(activeTurnId);
      this.following = new Observable<TurnEvent>((subscriber) =>
        owner.subscribe(subscriber),
      ).subscribe({
        next: (event) => this.deliver(event),
        error: (error: unknown) => this.fail(error as Error),
        complete: () => this.end(),
      });
    } else {
      this.claim(activeTurnId);
    }
    this.steer(this.input).catch((error: unknown) => this.fail(error as Error));
  }

  private end(): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.cleanup();
    this.requestScope.end(undefined);
    for (const subscriber of [...this.subscribers]) subscriber.complete();
    this.subscribers.clear();
  }

  private fail(error: Error): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.failure = error;
    this.rejectId(error);
    this.cleanup();
    this.requestScope.end(error);
    for (const subscriber of [...this.subscribers]) subscriber.error(error);
    this.subscribers.clear();
  }

  private cleanup(): void {
    this.markActive();
    this.markEnded();
    this.waitingForPrevious = false;
    if (this.host.threadRoute.ending === this.whenEnded) this.host.threadRoute.ending = undefined;
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    this.unbindRequests?.();
    this.unbindRequests = undefined;
    this.sdk.signal?.removeEventListener('abort', this.onAbort);
    if (this.id !== undefined) this.host.route.release(this.id, this);
    this.log.clear();
    this.following?.unsubscribe();
    this.following = undefined;
  }
}
