import {
  Observable,
  Subject,
  concat,
  defer,
  filter,
  from,
  lastValueFrom,
  map,
  merge,
  startWith,
  tap,
} from 'rxjs';
import type { Subscription } from 'rxjs';
import type { ClientContext } from '../client-context.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { JsonRpcError } from '../errors/json-rpc-error.js';
import type { ThreadRoute } from '../observables/notification-router.js';
import type { Thread as ThreadInfo } from '../protocol/generated/v2/Thread.js';
import type { ThreadItemEntry } from '../protocol/generated/v2/ThreadItemEntry.js';
import type { ThreadItemsListParams } from '../protocol/generated/v2/ThreadItemsListParams.js';
import type { ThreadReadResponse } from '../protocol/generated/v2/ThreadReadResponse.js';
import type { ThreadTurnsListParams } from '../protocol/generated/v2/ThreadTurnsListParams.js';
import type { Turn } from '../protocol/generated/v2/Turn.js';
import { pagedEntries, pagedEntries$ } from './pages.js';
import type { FetchPage } from './pages.js';
import type { ThreadUnsubscribeResponse } from '../protocol/generated/v2/ThreadUnsubscribeResponse.js';
import type { CodexNotification } from '../protocol/methods.js';
import type { RequestScope } from '../requests/server-request-dispatcher.js';
import type { AnyServerRequest } from '../requests/server-request-handle.js';
import type { ServerRequestHandlers } from '../requests/server-request-handlers.js';
import { INITIAL_THREAD_STATE, reduceThreadState, threadStateFrom } from '../state/thread-state.js';
import type { ThreadState } from '../state/thread-state.js';
import { foldChanges } from '../state/fold-changes.js';
import { isServerRequest } from '../state/state-event.js';
import type { StateEvent } from '../state/state-event.js';
import type { ThreadOptions } from './thread-options.js';
import { toRunResult } from './operators/to-run-result.js';
import type { RunInput } from './run-input.js';
import type { RunResult } from './run-result.js';
import type { ThreadGoal } from '../protocol/generated/v2/ThreadGoal.js';
import type { ThreadGoalSetParams } from '../protocol/generated/v2/ThreadGoalSetParams.js';
import { GoalDriver, goalTurnOptions } from './goal-driver.js';
import { PlainTurnDriver } from './plain-turn-driver.js';
import { toUserInputs } from './run-input.js';
import { TurnController } from './turn-controller.js';
import type { TurnHost } from './turn-controller.js';
import { TurnObservable } from './turn-observable.js';
import type { TurnOptions } from './turn-options.js';
import { splitTurnOptions } from './turn-options.js';

/**
 * How long a new turn waits for the end of a turn this client is ending, when control requests
 * have no timeout (`requestTimeoutMs: false`): the wait must end even if the server never does.
 */
const DEFAULT_END_WAIT_MS = 120_000;

/** Options of {@link Thread.turns}: every `thread/turns/list` parameter but the id and cursor. */
export type TurnsListOptions = Omit<ThreadTurnsListParams, 'threadId' | 'cursor'>;
/** Options of {@link Thread.items}: every `thread/items/list` parameter but the id and cursor. */
export type ItemsListOptions = Omit<ThreadItemsListParams, 'threadId' | 'cursor'>;

/** Checks a thread id before it is sent. */
export function assertThreadId(threadId: unknown, method: string): asserts threadId is string {
  if (typeof threadId !== 'string' || threadId.trim() === '') {
    throw new InvalidInputError(
      'threadId',
      `must be a non-empty string, got ${JSON.stringify(threadId)}`,
      method,
    );
  }
}

/**
 * One conversation with the agent. Get one from `codex.startThread()`, `resumeThread()` or
 * `forkThread()`.
 *
 * Lifetime: the client keeps a thread's routing and handler state only while something holds it:
 * this object, a running turn, or a subscription to `events$` / `serverRequests$`. Drop them all
 * and the state goes with them (the server's thread is unaffected: resume it by id). Handlers
 * belong to the thread id: several `Thread` objects for one id share them, a later
 * `resumeThread(id)` without `handlers` keeps the earlier ones, and one with `handlers` replaces
 * them. {@link Thread.unsubscribe} also tells the server to stop sending this client the
 * thread's events.
 */
export class Thread {
  /** The thread id. */
  readonly id: string;
  /** This thread's notifications (every turn's and the thread's own), hot. */
  readonly events$: Observable<CodexNotification>;
  /** This thread's server requests (approvals, questions, tool calls), each with `respond()`. */
  readonly serverRequests$: Observable<AnyServerRequest>;
  /**
   * What the state folds read, hot: `events$` and the thread's server requests as plain
   * messages (`{ id, method, params }`). Watching it does not change how requests are answered.
   * `thread.stateEvents$.pipe(toThreadState())`.
   */
  readonly stateEvents$: Observable<StateEvent>;
  private readonly route: ThreadRoute;
  private readonly requestScope: RequestScope;

  /** @internal */
  constructor(
    private readonly ctx: ClientContext,
    /** The server's description of the thread when this object was made. */
    readonly info: ThreadInfo,
    options: ThreadOptions = {},
  ) {
    assertThreadId(info.id, 'thread');
    this.id = info.id;
    this.route = ctx.router.thread(info.id);
    if (info.status.type === 'active') this.route.statusActive = true;
    this.events$ = ctx.router.threadEvents(info.id);
    this.requestScope = ctx.serverRequests.thread(info.id);
    if (options.handlers) this.requestScope.handlers = options.handlers;
    if (options.tools)
      this.requestScope.tools = new Map(options.tools.map((tool) => [tool.name, tool]));
    this.serverRequests$ = this.requestScope.requests$;
    // Resolutions come with events$, as the server's own serverRequest/resolved.
    this.stateEvents$ = merge(
      this.events$,
      this.requestScope.requestEvents$.pipe(filter(isServerRequest)),
    );
  }

  /**
   * The thread as UI state: a {@link ThreadState} now and after every change, from
   * {@link Thread.stateEvents$}. With `history: true` the first snapshot holds the turns the server
   * has stored (`thread/read` with turns; a thread with no turn yet starts empty), and events
   * that arrive while it is read are folded in after it. Cold: each subscription folds its own.
   */
  state$(options: { history?: boolean } = {}): Observable<ThreadState> {
    return new Observable<ThreadState>((subscriber) => {
      // Events that arrive while the seed is read are held, then folded in after it.
      const early: StateEvent[] = [];
      const live = new Subject<StateEvent>();
      let seeded = false;
      let folding: Subscription | undefined;
      const events = this.stateEvents$.subscribe({
        next: (event) => (seeded ? live.next(event) : early.push(event)),
        error: (error: unknown) => (seeded ? live.error(error) : subscriber.error(error)),
        complete: () => (seeded ? live.complete() : subscriber.complete()),
      });
      const empty = { ...INITIAL_THREAD_STATE, threadId: this.id, name: this.info.name ?? null };
      const seed: Promise<ThreadState> = options.history
        ? this.read({ includeTurns: true }).then(
            (read) => threadStateFrom(read.thread),
            // Before its first turn (and for ephemeral threads) the server has no history to give.
            (error: unknown) => {
              if (error instanceof JsonRpcError) return empty;
              throw error;
            },
          )
        : Promise.resolve(empty);
      seed.then(
        (initial) => {
          if (subscriber.closed) return;
          subscriber.next(initial);
          folding = concat(from(early.splice(0)), live)
            .pipe(foldChanges(reduceThreadState, initial))
            .subscribe(subscriber);
          seeded = true;
        },
        (error: unknown) => subscriber.error(error),
      );
      return () => {
        events.unsubscribe();
        folding?.unsubscribe();
      };
    });
  }

  /**
   * Sets how this thread's server requests are answered (replacing its earlier handlers); turn
   * handlers still take precedence, the client's fill in.
   */
  setHandlers(handlers: ServerRequestHandlers | undefined): void {
    this.requestScope.handlers = handlers;
  }

  /**
   * Starts a turn lazily: returns the turn's events as a {@link TurnObservable}, and sends
   * `turn/start` when it is first subscribed.
   *
   * ```ts
   * const turn = thread.turn('Fix the failing test');
   * turn.pipe(agentMessageDeltas()).subscribe((text) => process.stdout.write(text));
   * ```
   *
   * @throws {@link InvalidInputError} at once for input of the wrong shape.
   */
  turn(input: RunInput, options: TurnOptions = {}): TurnObservable {
    // Anything but absent or false is a goal: a goal of the wrong type is refused there, not
    // run as a plain turn.
    if (options.goal !== undefined && options.goal !== false) return this.goalTurn(input, options);
    // Validated once, here, under the method that will carry them.
    const items = toUserInputs(input, 'input', 'turn/start');
    const schema = options.outputSchema;
    if (
      schema !== undefined &&
      schema !== null &&
      (typeof schema !== 'object' || Array.isArray(schema))
    ) {
      throw new InvalidInputError(
        'options.outputSchema',
        'must be a JSON Schema object',
        'turn/start',
      );
    }
    const { wire, sdk } = splitTurnOptions(options);
    const driver = new PlainTurnDriver(this.ctx, this.route, wire, items);
    return new TurnObservable(new TurnController(this.turnHost(), driver, items, sdk));
  }

  /** What every turn of this thread needs from it and the client. */
  private turnHost(): TurnHost {
    return {
      threadId: this.id,
      route: this.route,
      endWaitMs: this.ctx.controlTimeoutMs ?? DEFAULT_END_WAIT_MS,
      logger: this.ctx.logger,
      turnStallTimeoutMs: this.ctx.turnStallTimeoutMs,
      bindRequests: (scope) => this.ctx.serverRequests.bindTurn(this.id, scope),
    };
  }

  /** A goal turn: the goal's turns as one `TurnObservable` (see {@link GoalDriver}). */
  private goalTurn(input: RunInput, options: TurnOptions): TurnObservable {
    const { objective, tokenBudget, items, sdk } = goalTurnOptions(input, options);
    const driver = new GoalDriver(
      {
        threadId: this.id,
        route: this.route,
        events$: this.events$,
        control: (method, params) => this.ctx.control(method, params),
        ready: () => this.ctx.ensureSignedIn('thread/goal/set'),
      },
      objective,
      tokenBudget,
    );
    return new TurnObservable(new TurnController(this.turnHost(), driver, items, sdk));
  }

  /**
   * Runs a turn to its end and resolves with its {@link RunResult}: the final response, every
   * completed item, and token usage. An interrupted turn resolves with status `interrupted`.
   * With `{ goal }`, the goal's turns are one run: the result has the last turn's final
   * response, every turn's items, usage summed, the goal, and the turns' ids.
   *
   * @throws {@link TurnFailedError} when the turn fails (with the partial result);
   *   {@link InvalidInputError} for bad input, before anything is sent.
   */
  async run<T = unknown>(input: RunInput, options: TurnOptions = {}): Promise<RunResult<T>> {
    const turn = this.turn(input, options);
    const result = await lastValueFrom(
      turn.pipe(toRunResult<T>({ parseJson: options.outputSchema != null })),
    );
    const goal = turn.goal;
    return goal ? { ...result, goal, turnIds: [...turn.turnIds] } : result;
  }

  /**
   * The thread's goal as the server reports it (`thread/goal/updated`, or `null` at
   * `thread/goal/cleared`), hot; a subscriber first gets the last one this client saw, if any.
   */
  get goal$(): Observable<ThreadGoal | null> {
    return defer(() => {
      const updates = this.events$.pipe(
        filter((n) => n.method === 'thread/goal/updated' || n.method === 'thread/goal/cleared'),
        map((n) => (n.method === 'thread/goal/updated' ? n.params.goal : null)),
        tap((goal) => (this.lastGoal = goal)),
      );
      return this.lastGoal === undefined ? updates : updates.pipe(startWith(this.lastGoal));
    });
  }

  private lastGoal: ThreadGoal | null | undefined;

  /**
   * Sets the thread's goal (`thread/goal/set`): its objective, status, token budget. An active
   * goal makes the server run turns by itself; `thread.turn(objective, { goal: true })` follows
   * them as one turn.
   */
  async setGoal(goal: Omit<ThreadGoalSetParams, 'threadId' | 'origin'>): Promise<ThreadGoal> {
    const response = await this.ctx.control('thread/goal/set', {
      ...goal,
      threadId: this.id,
      origin: 'user',
    });
    return (this.lastGoal = response.goal);
  }

  /** The thread's goal (`thread/goal/get`), or null. */
  async getGoal(): Promise<ThreadGoal | null> {
    const response = await this.ctx.control('thread/goal/get', {
      threadId: this.id,
    });
    return (this.lastGoal = response.goal);
  }

  /** Clears the thread's goal (`thread/goal/clear`): no further turn starts for it. */
  async clearGoal(): Promise<void> {
    await this.ctx.control('thread/goal/clear', { threadId: this.id, origin: 'user' });
    this.lastGoal = null;
  }

  /** Pauses the goal (status `paused`): the running turn finishes, no further one starts. */
  pauseGoal(): Promise<ThreadGoal> {
    return this.setGoal({ status: 'paused' });
  }

  /** Resumes a paused goal (status `active`): the server starts its turns again. */
  resumeGoal(): Promise<ThreadGoal> {
    return this.setGoal({ status: 'active' });
  }

  /**
   * The thread's stored turns (`thread/turns/list`), newest first unless
   * `sortDirection: 'asc'`, fetched page by page (`limit` per page) as you iterate:
   * `for await (const turn of thread.turns())`. Items come as `itemsView` says (default
   * `summary`; `full` for every item). The server keeps history from the first turn on: before
   * it, and for ephemeral threads, the first page fails with a `JsonRpcError`.
   */
  turns(params: TurnsListOptions = {}): AsyncGenerator<Turn, void, undefined> {
    return pagedEntries(this.turnsPage(params));
  }

  /** {@link Thread.turns} as a cold Observable: pages fetched one after another while subscribed. */
  turns$(params: TurnsListOptions = {}): Observable<Turn> {
    return pagedEntries$(this.turnsPage(params));
  }

  /**
   * The thread's stored items with their turn ids (`thread/items/list`), oldest first unless
   * `sortDirection: 'desc'`, across the thread or one `turnId`, fetched page by page.
   */
  items(params: ItemsListOptions = {}): AsyncGenerator<ThreadItemEntry, void, undefined> {
    return pagedEntries(this.itemsPage(params));
  }

  /** {@link Thread.items} as a cold Observable: pages fetched one after another while subscribed. */
  items$(params: ItemsListOptions = {}): Observable<ThreadItemEntry> {
    return pagedEntries$(this.itemsPage(params));
  }

  private turnsPage(params: TurnsListOptions): FetchPage<Turn> {
    return (cursor) =>
      this.ctx.control('thread/turns/list', {
        ...params,
        threadId: this.id,
        ...(cursor ? { cursor } : {}),
      });
  }

  private itemsPage(params: ItemsListOptions): FetchPage<ThreadItemEntry> {
    return (cursor) =>
      this.ctx.control('thread/items/list', {
        ...params,
        threadId: this.id,
        ...(cursor ? { cursor } : {}),
      });
  }

  /** Reads the thread (`thread/read`); with `includeTurns`, its turns too. */
  read(options: { includeTurns?: boolean } = {}): Promise<ThreadReadResponse> {
    return this.ctx.control('thread/read', {
      threadId: this.id,
      ...options,
    });
  }

  /** Names the thread (`thread/name/set`). */
  async setName(name: string): Promise<void> {
    if (typeof name !== 'string')
      throw new InvalidInputError('name', 'must be a string', 'thread/name/set');
    await this.ctx.control('thread/name/set', { threadId: this.id, name });
  }

  /**
   * Stops this client's subscription to the thread (`thread/unsubscribe`): the server sends it no
   * more of the thread's events, and may unload the thread once no client is subscribed. Resolves
   * with `unsubscribed`, or `notSubscribed` / `notLoaded` when there was nothing to leave. Resume
   * it by id to continue.
   */
  async unsubscribe(): Promise<ThreadUnsubscribeResponse> {
    return await this.ctx.control('thread/unsubscribe', {
      threadId: this.id,
    });
  }

  /**
   * Subscribes this client to the thread again (`thread/resume`), after a reconnect (the new
   * connection is subscribed to nothing) or `unsubscribe()`. Its events flow into `events$`
   * again; what finished meanwhile is in its history (`turns()`, `read({ includeTurns })`).
   * Resolves with the server's description of the thread.
   */
  async reconnect(): Promise<ThreadInfo> {
    const response = await this.ctx.control('thread/resume', {
      threadId: this.id,
    });
    this.route.statusActive = response.thread.status.type === 'active';
    return response.thread;
  }

  /** Starts compacting the thread's history (`thread/compact/start`). */
  async compact(): Promise<void> {
    await this.ctx.control('thread/compact/start', { threadId: this.id });
  }
}
