import { CodexError } from '../errors/codex-error.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { decisionProblem } from './approval-decisions.js';
import type { RequestId } from '../protocol/generated/RequestId.js';
import type {
  ServerRequestMethod,
  ServerRequestParams,
  ServerRequestResult,
} from '../protocol/methods.js';

/** A JSON-RPC error to answer a server request with. */
export interface ServerRequestErrorReply {
  code: number;
  message: string;
  data?: unknown;
}

/** How a request was answered: a result or an error, and by whom. */
export type ServerRequestOutcome =
  | { readonly kind: 'result'; readonly result: unknown; readonly by: AnsweredBy }
  | { readonly kind: 'error'; readonly error: ServerRequestErrorReply; readonly by: AnsweredBy };

/** Who answered: a handler, a `respond()`/`reject()` call, or the safe default. */
export type AnsweredBy = 'handler' | 'respond' | 'default';

/**
 * One request the server sent the client (an approval, a question, a tool call), as the reactive
 * view `serverRequests$` shows it. Answer it exactly once with {@link respond} or {@link reject};
 * the server waits until it is answered (or until it clears the request itself, see
 * {@link resolved}).
 */
export class ServerRequestHandle<M extends ServerRequestMethod = ServerRequestMethod> {
  /** Unix ms when the request arrived. */
  readonly receivedAt = Date.now();
  /** Resolves when the server reports the request settled (`serverRequest/resolved`): after the answer, or when it cleared the request because the turn ended. */
  readonly resolved: Promise<void>;
  private outcome: ServerRequestOutcome | undefined;
  private readonly answered: Promise<ServerRequestOutcome>;
  private settle!: (outcome: ServerRequestOutcome) => void;
  private markResolved!: () => void;
  private serverResolved = false;
  private readonly resolvedListeners: Array<() => void> = [];

  /** @internal */
  constructor(
    /** The server's id for this request. */
    readonly id: RequestId,
    readonly method: M,
    readonly params: ServerRequestParams<M>,
    /** The thread it concerns, when it names one. */
    readonly threadId: string | undefined,
    /** The turn it concerns, when it names one. */
    readonly turnId: string | undefined,
  ) {
    this.answered = new Promise((resolve) => (this.settle = resolve));
    this.resolved = new Promise((resolve) => (this.markResolved = resolve));
  }

  /** @internal Whether `serverRequest/resolved` has arrived for it. */
  get isResolvedByServer(): boolean {
    return this.serverResolved;
  }

  /** Whether it has been answered (by anyone) or cleared by the server. */
  get isSettled(): boolean {
    return this.outcome !== undefined || this.serverResolved;
  }

  /**
   * Answers with a result.
   * @throws {@link InvalidInputError} for an approval decision the protocol does not have (the
   *   request stays unanswered); {@link CodexError} (`already_answered`) if it was answered or
   *   cleared before.
   */
  respond(result: ServerRequestResult<M>): void {
    const problem = decisionProblem(this.method, result);
    if (problem !== undefined) throw new InvalidInputError('result.decision', problem, this.method);
    this.answer({ kind: 'result', result, by: 'respond' });
  }

  /**
   * Answers with a JSON-RPC error. The server then applies its own fallback for this request type.
   * @throws {@link CodexError} (`already_answered`) if it was answered or cleared before.
   */
  reject(error: ServerRequestErrorReply | Error): void {
    const reply =
      error instanceof Error
        ? { code: -32603, message: error.message }
        : { code: error.code, message: error.message, data: error.data };
    this.answer({ kind: 'error', error: reply, by: 'respond' });
  }

  /** @internal Answers unless already answered; returns whether this call answered. */
  tryAnswer(outcome: ServerRequestOutcome): boolean {
    if (this.outcome !== undefined) return false;
    this.outcome = outcome;
    this.settle(outcome);
    return true;
  }

  /** @internal The outcome, once there is one. */
  get outcomeOnce(): Promise<ServerRequestOutcome> {
    return this.answered;
  }

  /** @internal The server cleared or settled the request. */
  markServerResolved(): void {
    if (this.serverResolved) return;
    this.serverResolved = true;
    this.markResolved();
    for (const listener of this.resolvedListeners.splice(0)) listener();
  }

  /** @internal Calls `listener` synchronously when the server resolves the request (at once if it has). */
  onServerResolved(listener: () => void): void {
    if (this.serverResolved) listener();
    else this.resolvedListeners.push(listener);
  }

  private answer(outcome: ServerRequestOutcome): void {
    if (this.serverResolved && this.outcome === undefined) {
      throw new CodexError(
        `${this.method} request ${String(this.id)} was already cleared by the server`,
        {
          method: this.method,
          code: 'already_answered',
        },
      );
    }
    if (!this.tryAnswer(outcome)) {
      throw new CodexError(
        `${this.method} request ${String(this.id)} was already answered (by ${this.outcome!.by})`,
        {
          method: this.method,
          code: 'already_answered',
        },
      );
    }
  }
}

/** Any server request, discriminated by `method` so `params` narrows. */
export type AnyServerRequest = {
  [M in ServerRequestMethod]: ServerRequestHandle<M>;
}[ServerRequestMethod];
