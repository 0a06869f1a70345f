import type { ClientContext } from '../client-context.js';
import { TurnActiveError } from '../errors/turn-errors.js';
import type { StartingTurn, ThreadRoute, TurnSink } from '../observables/notification-router.js';
import type { TurnStartParams } from '../protocol/generated/v2/TurnStartParams.js';
import type { UserInput } from '../protocol/generated/v2/UserInput.js';
import type { TurnDriver, TurnStartSink } from './turn-driver.js';

/**
 * A plain turn: `turn/start` (after the sign-in check), its events claimed from the thread's
 * route by the id the response names, `turn/steer` and `turn/interrupt` with that id.
 */
export class PlainTurnDriver implements TurnDriver {
  readonly startMethod = 'turn/start' as const;
  private turnId: string | undefined;

  constructor(
    private readonly ctx: ClientContext,
    private readonly route: ThreadRoute,
    /** The `turn/start` parameters, validated, without the thread id and input. */
    private readonly wire: Omit<TurnStartParams, 'threadId' | 'input'>,
    private readonly input: UserInput[],
  ) {}

  private get threadId(): string {
    return this.route.threadId;
  }

  start(sink: TurnStartSink): Promise<void> {
    const route = this.route;
    // Until the response names our turn, the route keeps this thread's unclaimed turn events.
    const starting: StartingTurn = { early: [], failures: [] };
    route.starting = starting;
    // Cleared in the same step that claims (or fails) the turn: when the response and the whole
    // turn arrive in one read, the turn ends inside claim(), and the caller's next run() may
    // start before any later callback would run.
    const started = (): void => {
      if (route.starting === starting) route.starting = undefined;
    };
    return this.send().then(
      (turnId) => {
        started();
        // The server steered into a turn we already follow instead of starting one.
        if (route.turns.has(turnId)) throw new TurnActiveError(this.threadId, turnId);
        if (!sink.started(turnId)) return;
        this.turnId = turnId;
        route.claim(turnId, sink, starting);
      },
      (error: unknown) => {
        started();
        throw error;
      },
    );
  }

  private async send(): Promise<string> {
    await this.ctx.ensureSignedIn('turn/start');
    const response = await this.ctx.request('turn/start', {
      ...this.wire,
      threadId: this.threadId,
      input: this.input,
    });
    return response.turn.id;
  }

  join(turnId: string, sink: TurnSink): void {
    this.turnId = turnId;
    this.route.claim(turnId, sink);
  }

  steer(turnId: string, input: UserInput[]): Promise<unknown> {
    return this.ctx.control('turn/steer', {
      threadId: this.threadId,
      expectedTurnId: turnId,
      input,
    });
  }

  interrupt(turnId: string): Promise<unknown> {
    return this.ctx.control('turn/interrupt', { threadId: this.threadId, turnId });
  }

  release(sink: TurnSink): void {
    if (this.turnId !== undefined) this.route.release(this.turnId, sink);
  }
}
