import { Observable, Subject } from 'rxjs';
import { ResponseError } from 'vscode-jsonrpc/node';
import type { FullLogger } from '../logger.js';
import { threadIdOf, turnIdOf } from '../observables/notification-ids.js';
import { WeakValueMap } from '../observables/weak-value-map.js';
import type { ServerRequest } from '../protocol/generated/ServerRequest.js';
import type { ServerRequestParams } from '../protocol/methods.js';
import type { StateEvent } from '../state/state-event.js';
import type { IncomingRequest } from '../rpc/rpc-connection.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { assertSerializable } from '../rpc/assert-serializable.js';
import { decisionProblem } from './approval-decisions.js';
import { approvalResult, isApprovalMethod } from './approvals.js';
import { toToolResponse, toolErrorResponse } from './dynamic-tool.js';
import type { DynamicTool } from './dynamic-tool.js';
import { isKnownServerRequest, safeDefault, WINDOW_DEFAULTS } from './safe-defaults.js';
import { ServerRequestHandle } from './server-request-handle.js';
import type { AnyServerRequest, ServerRequestOutcome } from './server-request-handle.js';
import type { ServerRequestHandlers } from './server-request-handlers.js';

/** The handlers, tools and reactive stream of one level: the client, a thread, or a turn. */
export class RequestScope {
  handlers: ServerRequestHandlers | undefined;
  tools: ReadonlyMap<string, DynamicTool<never>> | undefined;
  /** For a turn scope: the turn id once known, as its stream names it (a goal's: its first). */
  turnId: string | undefined;
  /** For a turn scope: the server's turns behind it besides its own (a goal runs several). */
  private readonly serverTurns = new Set<string>();
  private readonly subject = new Subject<AnyServerRequest>();
  private subscribers = 0;
  private readonly seen = new Subject<StateEvent>();
  /** Requests of this level the server has not resolved yet, replayed to new state watchers. */
  private readonly unresolved = new Set<AnyServerRequest>();

  /**
   * This level's requests as plain messages, then their `serverRequest/resolved`, for state folds
   * (`toTurnState`, `toThreadState`). Requests still open are replayed on subscribe. Unlike
   * `requests$`, watching it does not make the dispatcher wait for a `respond()`.
   */
  readonly requestEvents$: Observable<StateEvent> = new Observable<StateEvent>((subscriber) => {
    for (const handle of this.unresolved) subscriber.next(this.message(handle));
    return this.seen.subscribe(subscriber);
  });

  /** This level's requests as they arrive, each with `respond()` / `reject()`. Hot. */
  readonly requests$: Observable<AnyServerRequest> = new Observable<AnyServerRequest>(
    (subscriber) => {
      this.subscribers++;
      this.onWatchedChange?.(this, true);
      const subscription = this.subject.subscribe(subscriber);
      return () => {
        this.subscribers--;
        this.onWatchedChange?.(this, this.subscribers > 0);
        subscription.unsubscribe();
      };
    },
  );

  constructor(
    handlers?: ServerRequestHandlers,
    /** Told when the scope gains its first or loses its last watcher. */
    private readonly onWatchedChange?: (scope: RequestScope, watched: boolean) => void,
  ) {
    this.handlers = handlers;
  }

  /**
   * For a turn scope: the turn goes on in server turn `turnId` (a goal's next turn), whose
   * requests are the turn's too.
   */
  follow(turnId: string): void {
    if (turnId !== this.turnId) this.serverTurns.add(turnId);
  }

  /**
   * For a turn scope: whether a request of server turn `turnId` is this turn's. While the turn is
   * still unnamed it takes the thread's requests: the thread runs no other turn of ours.
   */
  covers(turnId: string | undefined): boolean {
    return (
      this.turnId === undefined ||
      turnId === undefined ||
      turnId === this.turnId ||
      this.serverTurns.has(turnId)
    );
  }

  /** Whether someone watches this level's requests (and may answer them). */
  get watched(): boolean {
    return this.subscribers > 0;
  }

  emit(request: AnyServerRequest): void {
    // Handles first: a state watcher that sees the request may look its handle up at once.
    this.subject.next(request);
    if (!request.isResolvedByServer) {
      this.unresolved.add(request);
      if (this.unresolved.size > MAX_AWAITING_RESOLVED) {
        const oldest = this.unresolved.values().next().value;
        if (oldest !== undefined) this.unresolved.delete(oldest);
      }
      request.onServerResolved(() => {
        if (!this.unresolved.delete(request)) return;
        this.seen.next({
          method: 'serverRequest/resolved',
          params: { threadId: request.threadId ?? '', requestId: request.id },
        });
      });
      this.seen.next(this.message(request));
    }
  }

  /**
   * The request as the state folds take it: one of a later server turn of this turn names the
   * turn as its stream does, like that turn's events (a goal's are the first turn's).
   */
  private message(handle: AnyServerRequest): StateEvent {
    const message = requestMessage(handle);
    const turnId = handle.turnId;
    if (this.turnId === undefined || turnId === undefined || !this.serverTurns.has(turnId))
      return message;
    return { ...message, params: { ...message.params, turnId: this.turnId } } as ServerRequest;
  }

  end(error: Error | undefined): void {
    this.unresolved.clear();
    if (error) {
      this.subject.error(error);
      this.seen.error(error);
    } else {
      this.subject.complete();
      this.seen.complete();
    }
  }
}

type Answerer = () => unknown;

/** Answered requests kept for their `serverRequest/resolved`; the oldest go first past this. */
const MAX_AWAITING_RESOLVED = 1024;

/**
 * Answers the server's requests. For each one it finds the narrowest level (turn, thread, client)
 * with a handler (or `approval` shorthand, or a dynamic tool of that name) and lets it answer;
 * with none, it waits for a `respond()` from whoever watches `serverRequests$`; with nobody
 * watching, it answers the safe default at once. Every wait is bounded by the timeout, after
 * which the safe default goes out. Each request is answered exactly once.
 */
export class ServerRequestDispatcher {
  readonly client: RequestScope;
  // Held weakly: a thread's scope lives while its Thread objects (and their turns) do.
  private readonly threads = new WeakValueMap<string, RequestScope>();
  /** Thread scopes someone watches: kept while watched, even if the Thread object is gone. */
  private readonly watchedThreads = new Set<RequestScope>();
  /** The scope of each thread's running (or starting) turn. */
  private readonly turns = new Map<string, RequestScope>();
  private readonly open = new Map<string, AnyServerRequest>();
  /** Answered, waiting for the server's `serverRequest/resolved`; bounded in case it never comes. */
  private readonly answered = new Map<string, AnyServerRequest>();
  private ended = false;
  /** Unknown requests waiting on the app's handler: settled at once when the connection goes. */
  private readonly unknownPending = new Set<(error: ResponseError<unknown>) => void>();

  constructor(
    private readonly logger: FullLogger,
    /** How long a request may stay unanswered, in ms. */
    private readonly timeoutMs: number,
    handlers?: ServerRequestHandlers,
  ) {
    this.client = new RequestScope(handlers);
  }

  /** The scope of a thread, created on first use. */
  thread(threadId: string): RequestScope {
    let scope = this.threads.get(threadId);
    if (!scope) {
      scope = new RequestScope(undefined, (watchedScope, watched) => {
        if (watched) this.watchedThreads.add(watchedScope);
        else this.watchedThreads.delete(watchedScope);
      });
      this.threads.set(threadId, scope);
    }
    return scope;
  }

  /** Makes `scope` the thread's turn scope until the returned function is called. */
  bindTurn(threadId: string, scope: RequestScope): () => void {
    this.turns.set(threadId, scope);
    return () => {
      if (this.turns.get(threadId) === scope) this.turns.delete(threadId);
    };
  }

  /** Requests answered or waiting, and bound turn scopes: for leak checks. */
  stats(): {
    openServerRequests: number;
    awaitingResolved: number;
    turnScopes: number;
    threadScopes: number;
  } {
    return {
      openServerRequests: this.open.size,
      awaitingResolved: this.answered.size,
      turnScopes: this.turns.size,
      threadScopes: this.threads.size,
    };
  }

  /** Handles one server request; resolves with the result or rejects with a JSON-RPC error. */
  async dispatch(request: IncomingRequest): Promise<unknown> {
    const { method } = request;
    if (!isKnownServerRequest(method)) return this.dispatchUnknown(request);
    const params = request.params as ServerRequestParams<typeof method>;
    const threadId = threadIdOf({ params }) ?? legacyConversationId(params);
    const turnId = turnIdOf({ params });
    const handle = new ServerRequestHandle(
      request.id,
      method,
      params,
      threadId,
      turnId,
    ) as AnyServerRequest;
    const key = openKey(threadId, request.id);
    this.open.set(key, handle);
    const scopes = this.scopesFor(threadId, turnId);
    // Decided before emitting: a watcher such as take(1) may leave as soon as it sees the request.
    const watched = scopes.some((scope) => scope.watched);
    const timer = setTimeout(() => {
      if (handle.tryAnswer(safeDefault(method, params))) {
        this.logger.warn(
          `codex-rx: ${method} (request ${String(request.id)}) got no answer within ${this.timeoutMs} ms; answered with the safe default`,
        );
      }
    }, this.timeoutMs);
    try {
      for (const scope of scopes) scope.emit(handle);
      const answerer = handle.isSettled ? undefined : this.answererFor(scopes, handle);
      if (answerer) this.run(handle, answerer);
      else if (!watched || this.ended) handle.tryAnswer(safeDefault(method, params));
      const outcome = await handle.outcomeOnce;
      if (outcome.kind === 'error')
        throw new ResponseError(outcome.error.code, outcome.error.message, outcome.error.data);
      return outcome.result;
    } finally {
      clearTimeout(timer);
      this.open.delete(key);
      if (!handle.isResolvedByServer) this.remember(key, handle);
    }
  }

  /**
   * A method the generated protocol does not declare: the app's opt-in `unknownRequest` handler
   * first, then a default for a release inside the supported window, else `-32601`. Bounded by
   * the same timeout as every other request.
   */
  private async dispatchUnknown(request: IncomingRequest): Promise<unknown> {
    const { method, params } = request;
    const threadId = threadIdOf({ params }) ?? legacyConversationId(params);
    const turnId = turnIdOf({ params });
    const handler = this.ended
      ? undefined
      : this.scopesFor(threadId, turnId).find((scope) => scope.handlers?.unknownRequest)?.handlers
          ?.unknownRequest;
    if (handler) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let abandon: ((error: ResponseError<unknown>) => void) | undefined;
      const timeout = new Promise<never>((_, reject) => {
        abandon = reject;
        this.unknownPending.add(reject);
        timer = setTimeout(
          () =>
            reject(
              new ResponseError(
                -32603,
                `codex-rx: the unknownRequest handler gave no answer to ${method} within ${this.timeoutMs} ms`,
              ),
            ),
          this.timeoutMs,
        );
      });
      let answer: unknown;
      try {
        answer = await Promise.race([
          Promise.resolve().then(() => handler({ id: request.id, method, params, threadId })),
          timeout,
        ]);
        // A value JSON cannot carry would go out as a reply with neither result nor error.
        assertSerializable(answer, method, 'answer');
      } catch (error) {
        if (error instanceof ResponseError) {
          this.logger.warn(error.message);
          throw error;
        }
        const message = describe(error);
        this.logger.warn(`codex-rx: the unknownRequest handler for ${method} failed (${message})`);
        throw new ResponseError(
          -32603,
          `codex-rx: the unknownRequest handler for ${method} failed: ${message}`,
        );
      } finally {
        clearTimeout(timer);
        if (abandon) this.unknownPending.delete(abandon);
      }
      if (answer !== undefined) return answer;
    }
    const windowDefault = Object.hasOwn(WINDOW_DEFAULTS, method)
      ? WINDOW_DEFAULTS[method]
      : undefined;
    if (windowDefault) {
      const outcome = windowDefault(params);
      if (outcome.kind === 'error')
        throw new ResponseError(outcome.error.code, outcome.error.message, outcome.error.data);
      return outcome.result;
    }
    this.logger.warn(`codex-rx: unknown server request ${method}; answered -32601`);
    throw new ResponseError(-32601, `codex-rx: unknown request method ${method}`);
  }

  private remember(key: string, handle: AnyServerRequest): void {
    this.answered.set(key, handle);
    if (this.answered.size > MAX_AWAITING_RESOLVED) {
      const oldest = this.answered.keys().next().value;
      if (oldest !== undefined) this.answered.delete(oldest);
    }
  }

  /** `serverRequest/resolved`: the server settled or cleared the request. */
  resolved(threadId: string | undefined, requestId: unknown): void {
    const key = openKey(threadId, requestId as string | number);
    const handle = this.open.get(key) ?? this.answered.get(key);
    if (!handle) return;
    this.answered.delete(key);
    handle.markServerResolved();
    // Cleared by the server (the turn ended): our answer would be ignored; stop waiting for one.
    handle.tryAnswer(safeDefault(handle.method, handle.params as never));
  }

  /**
   * The connection is gone (lost and being dialed again, or ended): its requests can no longer be
   * answered; they settle with the safe default (which goes nowhere). Streams go on.
   */
  connectionLost(): void {
    for (const handle of this.open.values())
      handle.tryAnswer(safeDefault(handle.method, handle.params as never));
    for (const abandon of [...this.unknownPending])
      abandon(new ResponseError(-32603, 'codex-rx: the connection ended before an answer'));
    this.unknownPending.clear();
    this.answered.clear();
  }

  /** The connection ended: pending requests get the safe default, streams end. */
  end(error: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.connectionLost();
    for (const scope of [this.client, ...this.threads.values(), ...this.turns.values()])
      scope.end(error);
  }

  private scopesFor(threadId: string | undefined, turnId: string | undefined): RequestScope[] {
    const scopes: RequestScope[] = [];
    if (threadId !== undefined) {
      const turn = this.turns.get(threadId);
      if (turn?.covers(turnId)) scopes.push(turn);
      const thread = this.threads.get(threadId);
      if (thread) scopes.push(thread);
    }
    scopes.push(this.client);
    return scopes;
  }

  private answererFor(
    scopes: readonly RequestScope[],
    handle: AnyServerRequest,
  ): Answerer | undefined {
    for (const scope of scopes) {
      const handlers = scope.handlers;
      const specific = handlers?.[handle.method] as
        ((params: unknown, request: unknown) => unknown) | undefined;
      if (specific) return () => specific(handle.params, handle);
      const approval = handlers?.approval;
      if (approval !== undefined && isApprovalMethod(handle.method)) {
        const request = handle as Extract<AnyServerRequest, { method: typeof handle.method }>;
        return async () =>
          approvalResult(
            request.method,
            request.params as never,
            typeof approval === 'function' ? await approval(request as never) : approval,
          );
      }
      if (handle.method === 'item/tool/call') {
        const call = handle.params;
        const tool = call.namespace === null ? scope.tools?.get(call.tool) : undefined;
        if (tool) {
          return async () => {
            try {
              return toToolResponse(
                await tool.execute(call.arguments as never, {
                  threadId: call.threadId,
                  turnId: call.turnId,
                  callId: call.callId,
                }),
              );
            } catch (error) {
              this.logger.warn(
                `codex-rx: tool ${call.tool} threw: ${(error as Error)?.message ?? String(error)}`,
              );
              return toolErrorResponse(error);
            }
          };
        }
      }
    }
    return undefined;
  }

  private run(handle: AnyServerRequest, answerer: Answerer): void {
    const settle = (outcome: ServerRequestOutcome): void => {
      if (!handle.tryAnswer(outcome) && outcome.by === 'handler') {
        this.logger.debug?.(
          `codex-rx: ${handle.method} was answered before its handler finished; handler result dropped`,
        );
      }
    };
    Promise.resolve()
      .then(answerer)
      .then((result) => {
        const problem = decisionProblem(handle.method, result);
        if (problem !== undefined) throw new InvalidInputError('result.decision', problem);
        return result;
      })
      .then(
        (result) => settle({ kind: 'result', result, by: 'handler' }),
        (error: unknown) => {
          this.logger.warn(
            `codex-rx: the ${handle.method} handler failed (${(error as Error)?.message ?? String(error)}); answered with the safe default`,
          );
          settle(safeDefault(handle.method, handle.params as never));
        },
      );
  }
}

/** A request as the wire carried it: what the state folds take. */
function requestMessage(handle: AnyServerRequest): ServerRequest {
  return { id: handle.id, method: handle.method, params: handle.params } as ServerRequest;
}

function openKey(threadId: string | undefined, id: string | number): string {
  return `${threadId ?? ''}\u0000${typeof id}:${String(id)}`;
}

function legacyConversationId(params: unknown): string | undefined {
  const id = (params as { conversationId?: unknown } | null)?.conversationId;
  return typeof id === 'string' ? id : undefined;
}

/** A thrown value's message, even when reading it throws too. */
function describe(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'an error whose message could not be read';
  }
}
