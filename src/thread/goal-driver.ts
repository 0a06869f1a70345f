import type { Observable, Subscription } from 'rxjs';
import { ClosedError } from '../errors/closed-error.js';
import { CodexError } from '../errors/codex-error.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import type { ClientContext } from '../client-context.js';
import type { ThreadRoute } from '../observables/notification-router.js';
import type { ThreadGoal } from '../protocol/generated/v2/ThreadGoal.js';
import type { ThreadGoalStatus } from '../protocol/generated/v2/ThreadGoalStatus.js';
import type { ThreadTokenUsage } from '../protocol/generated/v2/ThreadTokenUsage.js';
import type { TokenUsageBreakdown } from '../protocol/generated/v2/TokenUsageBreakdown.js';
import type { Turn } from '../protocol/generated/v2/Turn.js';
import type { UserInput } from '../protocol/generated/v2/UserInput.js';
import type { CodexNotification } from '../protocol/methods.js';
import type { RunInput } from './run-input.js';
import { toUserInputs } from './run-input.js';
import type { TurnDriver, TurnStartSink } from './turn-driver.js';
import { splitSdkTurnOptions } from './turn-options.js';
import type { SdkTurnOptions, TurnOptions } from './turn-options.js';

const METHOD = 'thread/goal/set';

/** Goal statuses after which the server starts no further turn. */
const TERMINAL: ReadonlySet<ThreadGoalStatus> = new Set([
  'paused',
  'blocked',
  'usageLimited',
  'budgetLimited',
  'complete',
]);

/** How long after `thread/goal/set` the first turn may take to start. */
const FIRST_TURN_WAIT_MS = 30_000;

/** What a goal turn needs from its thread and client. */
export interface GoalHost {
  readonly threadId: string;
  /** The thread's route: held while the goal runs, so no other turn starts meanwhile. */
  readonly route: ThreadRoute;
  /** The thread's hot notifications. */
  readonly events$: Observable<CodexNotification>;
  /** A control request (goal set, steer, interrupt). */
  control: ClientContext['control'];
  /** Resolves when the client can run turns (the sign-in check). */
  ready(): Promise<void>;
}

/** `a + sign × b`, field by field. */
function combine(
  a: TokenUsageBreakdown,
  b: TokenUsageBreakdown,
  sign: 1 | -1,
): TokenUsageBreakdown {
  return {
    totalTokens: a.totalTokens + sign * b.totalTokens,
    inputTokens: a.inputTokens + sign * b.inputTokens,
    cachedInputTokens: a.cachedInputTokens + sign * b.cachedInputTokens,
    cacheWriteInputTokens: a.cacheWriteInputTokens + sign * b.cacheWriteInputTokens,
    outputTokens: a.outputTokens + sign * b.outputTokens,
    reasoningOutputTokens: a.reasoningOutputTokens + sign * b.reasoningOutputTokens,
  };
}

/** A goal turn's options, validated once, under `thread/goal/set`. */
export interface GoalTurnOptions {
  /** The input's text: the goal's objective. */
  readonly objective: string;
  readonly tokenBudget: number | undefined;
  /** The input, as the controller steers with it (`ifActive`) and reports it. */
  readonly items: UserInput[];
  readonly sdk: SdkTurnOptions;
}

/**
 * Checks a goal turn's input and options: text for the objective, a positive whole token
 * budget, and no `turn/start` parameter (a goal turn sends none). Errors name
 * `thread/goal/set`.
 */
export function goalTurnOptions(input: RunInput, options: TurnOptions): GoalTurnOptions {
  const { goal, ...rest } = options;
  const { sdk, wire } = splitSdkTurnOptions(rest);
  const extra = Object.keys(wire).find(
    (key) => (wire as Record<string, unknown>)[key] !== undefined,
  );
  if (extra !== undefined)
    throw new InvalidInputError(
      `options.${extra}`,
      'cannot be combined with goal: a goal turn sends no turn/start (set it on the thread)',
      METHOD,
    );
  const items = toUserInputs(input, 'input', METHOD);
  const objective = items
    .map((item) => (item.type === 'text' ? item.text : ''))
    .join('\n')
    .trim();
  if (objective === '')
    throw new InvalidInputError('input', 'a goal turn needs text: its objective', METHOD);
  if (goal !== true && (typeof goal !== 'object' || goal === null || Array.isArray(goal)))
    throw new InvalidInputError(
      'options.goal',
      `must be true or { tokenBudget }, got ${Array.isArray(goal) ? 'an array' : JSON.stringify(goal)}`,
      METHOD,
    );
  const unknownKey =
    typeof goal === 'object' ? Object.keys(goal).find((key) => key !== 'tokenBudget') : undefined;
  if (unknownKey !== undefined)
    throw new InvalidInputError(
      `options.goal.${unknownKey}`,
      'is not a goal option (the one there is: tokenBudget)',
      METHOD,
    );
  const tokenBudget = typeof goal === 'object' ? goal.tokenBudget : undefined;
  if (tokenBudget !== undefined && !(Number.isSafeInteger(tokenBudget) && tokenBudget > 0))
    throw new InvalidInputError(
      'options.goal.tokenBudget',
      `must be a positive whole number of tokens up to ${Number.MAX_SAFE_INTEGER}, got ${String(tokenBudget)}`,
      METHOD,
    );
  return { objective, tokenBudget, items, sdk: { ...sdk, goal } };
}

/**
 * Runs one goal (`thread/goal/set`) as one logical turn: the {@link TurnDriver} of an ordinary
 * `TurnController`, so the stream, replay, abort, stall watch and operators are the turn's own.
 * Starting sets the goal; the turns the server then starts by itself are handed to the
 * controller as one turn:
 *
 * - every physical turn's events, with `turnId` (and `turn.id`) the logical turn's id, which is
 *   the first physical turn's; the first `turn/started` only, and one `turn/completed` at the end;
 * - every physical turn's server requests, to the logical turn's handlers and `serverRequests$`
 *   (and, under the logical turn's id, to its state's `pendingRequests`);
 * - `thread/tokenUsage/updated` with `last` the goal's usage so far (every model call of its
 *   turns; the server's `last` is one call's);
 * - the end when a physical turn completes and the goal is done (`complete`, `paused`,
 *   `blocked`, `usageLimited`, `budgetLimited`) or cleared, or a physical turn is interrupted.
 *
 * `turn/steer` goes to the physical turn running (or the next one); `turn/interrupt` pauses the
 * goal first, so that the server starts no other turn, then interrupts the running one.
 */
export class GoalDriver implements TurnDriver {
  readonly startMethod = METHOD;
  /** The physical turns, in order. */
  readonly turnIds: string[] = [];
  /** The goal as the server last reported it. */
  goal: ThreadGoal | undefined;
  /** Where the logical turn's events go, once started. */
  private sink: TurnStartSink | undefined;
  private logicalId: string | undefined;
  private current: string | undefined;
  private firstTurn: Turn | undefined;
  private lastCompleted: Turn | undefined;
  private failedCompletion: Turn | undefined;
  private cleared = false;
  private interruptRequested = false;
  private finished = false;
  private events: Subscription | undefined;
  /** The thread's total usage before the goal's first model call. */
  private usageBaseline: TokenUsageBreakdown | undefined;
  private started: (() => void) | undefined;
  private failStart: ((error: Error) => void) | undefined;
  private readonly nextTurn: Array<(turnId: string | undefined) => void> = [];
  /** Under this key on the thread's route (no turn id looks like it). */
  private readonly holdKey = `goal:${Math.random().toString(36).slice(2)}`;
  /** Registered on the thread's route, so a lost connection or a closed thread ends the goal. */
  private readonly hold = {
    deliver: (): void => undefined,
    abort: (error: Error): void => this.abort(error),
  };

  constructor(
    private readonly host: GoalHost,
    private readonly objective: string,
    private readonly tokenBudget: number | undefined,
  ) {}

  private get threadId(): string {
    return this.host.threadId;
  }

  /** Sets the goal; resolves once the server runs the first turn for it. */
  async start(sink: TurnStartSink): Promise<void> {
    this.sink = sink;
    const route = this.host.route;
    route.heldBy = 'a goal turn';
    route.claim(this.holdKey, this.hold);
    const firstTurn = new Promise<void>((resolve, reject) => {
      this.started = resolve;
      this.failStart = reject;
    });
    // An abort while the goal is still being set rejects this before it is awaited (the failure
    // reaches the turn through the abort itself): it must not count as unhandled.
    firstTurn.catch(() => undefined);
    // Subscribed before the goal is set: its first turn may start before the response.
    this.events = this.host.events$.subscribe({
      next: (notification) => this.onThreadEvent(notification),
      error: (error: unknown) => this.abort(error as Error),
      // The thread's events complete only when the client is closed.
      complete: () => this.abort(new ClosedError('turn', METHOD)),
    });
    const timer = setTimeout(
      () =>
        this.abort(
          new CodexError(
            `the goal started no turn within ${FIRST_TURN_WAIT_MS} ms (is the server's goals feature on?)`,
            { code: 'goal_not_started', method: METHOD },
          ),
        ),
      FIRST_TURN_WAIT_MS,
    );
    try {
      await this.host.ready();
      const response = await this.host.control(METHOD, {
        threadId: this.threadId,
        objective: this.objective,
        status: 'active',
        origin: 'user',
        ...(this.tokenBudget !== undefined ? { tokenBudget: this.tokenBudget } : {}),
      });
      this.goal ??= response.goal;
      await firstTurn;
    } catch (error) {
      this.release();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Steers the physical turn running (or, between two, the next one). */
  async steer(_logicalId: string, input: UserInput[]): Promise<unknown> {
    const turnId =
      this.current ?? (await new Promise<string | undefined>((r) => this.nextTurn.push(r)));
    if (turnId === undefined)
      throw new CodexError('turn/steer: the goal has ended', {
        code: 'turn_ended',
        method: 'turn/steer',
      });
    return this.host.control('turn/steer', {
      threadId: this.threadId,
      expectedTurnId: turnId,
      input,
    });
  }

  /** Pauses the goal, so that no other turn starts, then interrupts the running one. */
  async interrupt(): Promise<unknown> {
    if (this.finished) return {};
    this.interruptRequested = true;
    // Paused first: otherwise the server would start the next turn of the goal.
    await this.host.control(METHOD, {
      threadId: this.threadId,
      status: 'paused',
      origin: 'user',
    });
    if (this.current !== undefined)
      return this.host.control('turn/interrupt', { threadId: this.threadId, turnId: this.current });
    this.maybeFinish();
    return {};
  }

  private onThreadEvent(notification: CodexNotification): void {
    if (this.finished) return;
    const params = notification.params as { turnId?: unknown; turn?: Turn };
    switch (notification.method) {
      case 'thread/goal/updated':
        this.goal = notification.params.goal;
        if (notification.params.goal.status === 'active') this.cleared = false;
        this.maybeFinish();
        return;
      case 'thread/goal/cleared':
        this.cleared = true;
        this.maybeFinish();
        return;
      case 'thread/closed':
        this.abort(
          new CodexError(`thread ${this.threadId} was closed by the server; resume it to go on`, {
            code: 'thread_closed',
            data: { threadId: this.threadId },
          }),
        );
        return;
      case 'turn/started': {
        const turn = notification.params.turn;
        this.current = turn.id;
        this.turnIds.push(turn.id);
        for (const waiter of this.nextTurn.splice(0)) waiter(turn.id);
        if (this.logicalId === undefined) {
          this.logicalId = turn.id;
          this.firstTurn = turn;
          if (!this.sink?.started(turn.id)) return;
          this.forward(notification);
          this.started?.();
        } else {
          // Before any of its requests: they reach the goal turn's handlers and stream.
          this.sink?.continued(turn.id);
        }
        return;
      }
      case 'turn/completed': {
        const turn = notification.params.turn;
        if (turn.id !== this.current) return;
        this.current = undefined;
        this.lastCompleted = turn;
        if (turn.status === 'interrupted') this.interruptRequested = true;
        if (turn.status === 'failed') this.failedCompletion = turn;
        this.maybeFinish();
        return;
      }
    }
    const turnId = typeof params.turnId === 'string' ? params.turnId : undefined;
    if (turnId === undefined || turnId !== this.current) return;
    if (notification.method === 'thread/tokenUsage/updated') {
      const usage = notification.params.tokenUsage;
      // `last` is one model call's; the goal's is everything since its first call.
      this.usageBaseline ??= combine(usage.total, usage.last, -1);
      const summed: ThreadTokenUsage = {
        ...usage,
        last: combine(usage.total, this.usageBaseline, -1),
      };
      this.forward({ ...notification, params: { ...notification.params, tokenUsage: summed } });
      return;
    }
    this.forward(notification);
  }

  /** Hands the controller an event of a physical turn, as an event of the logical one. */
  private forward(notification: CodexNotification): void {
    const logical = this.logicalId!;
    const params = notification.params as { turnId?: string };
    if (params.turnId !== undefined && params.turnId !== logical)
      notification = {
        ...notification,
        params: { ...notification.params, turnId: logical },
      } as CodexNotification;
    this.sink?.deliver(notification, undefined);
  }

  private maybeFinish(): void {
    if (this.finished || this.current !== undefined || this.lastCompleted === undefined) return;
    const status = this.goal?.status;
    const done =
      this.cleared || this.interruptRequested || (status !== undefined && TERMINAL.has(status));
    if (!done) return;
    const last = this.failedCompletion ?? this.lastCompleted;
    const startedAt = this.firstTurn?.startedAt ?? last.startedAt;
    const durationMs =
      startedAt !== null && last.completedAt !== null
        ? Math.max(0, last.completedAt - startedAt) * 1000
        : last.durationMs;
    const turn: Turn = {
      ...last,
      id: this.logicalId!,
      startedAt,
      durationMs,
      status: this.interruptRequested ? 'interrupted' : last.status,
    };
    const sink = this.sink;
    this.release();
    sink?.deliver(
      { method: 'turn/completed', params: { threadId: this.threadId, turn } },
      undefined,
    );
  }

  /** The connection ended or the goal could not start: the logical turn fails. */
  private abort(error: Error): void {
    if (this.finished) return;
    this.failStart?.(error);
    const sink = this.sink;
    this.release();
    sink?.abort(error);
  }

  /** Lets go of the thread's route and its events: the goal turn has ended. Idempotent. */
  release(): void {
    if (this.finished) return;
    this.finished = true;
    this.sink = undefined;
    this.events?.unsubscribe();
    for (const waiter of this.nextTurn.splice(0)) waiter(undefined);
    if (this.host.route.heldBy !== undefined) {
      this.host.route.heldBy = undefined;
      this.host.route.release(this.holdKey, this.hold);
    }
  }
}
