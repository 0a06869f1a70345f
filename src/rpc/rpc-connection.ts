import { checkRequestTimeoutMs } from '../timer-ms.js';
import {
  CancellationTokenSource,
  Emitter,
  ErrorCodes,
  ResponseError,
  createMessageConnection,
} from 'vscode-jsonrpc/node';
import type {
  DataCallback,
  Disposable,
  Logger as JsonRpcLogger,
  Message,
  MessageConnection,
  MessageReader,
  MessageWriter,
  NotificationMessage,
  RequestMessage,
} from 'vscode-jsonrpc/node';
import { ClosedError } from '../errors/closed-error.js';
import { CodexError } from '../errors/codex-error.js';
import { CodexProcessError } from '../errors/codex-process-error.js';
import { ConnectionLostError } from '../errors/connection-lost-error.js';
import { JsonRpcError, JsonRpcErrorCode } from '../errors/json-rpc-error.js';
import { OverloadedError } from '../errors/overloaded-error.js';
import { TimeoutError } from '../errors/timeout-error.js';
import { assertSerializable } from './assert-serializable.js';
import { RequestSlots } from './request-slots.js';
import { DEFAULT_RETRY, backoffDelay, isRetryable } from './retry-policy.js';
import type { RetryOptions } from './retry-policy.js';
import { SecretRedactor, redactingLogger } from '../secrets/secret-redactor.js';
import type { FullLogger, Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { JsonlMessageReader } from '../transport/jsonl-message-reader.js';
import { WebSocketMessageReader } from '../transport/websocket-messages.js';
import type { Transport } from '../transport/transport.js';
import type { WireLine } from '../transport/wire-line.js';

/** Per-request options. */
export interface RequestOptions {
  /**
   * Reject with {@link TimeoutError} when no response arrives within this many ms, counted from
   * the call (waiting for a free slot and retries included).
   */
  timeoutMs?: number;
  /** Abort waiting for the response (the request itself is not recalled from the server). */
  signal?: AbortSignal;
  /** Retrying on `-32001` (server overloaded): options, or `false` for a single attempt. */
  retry?: RetryOptions | false;
  /**
   * Told the request's JSON-RPC id as it is written (again on each retry), before any answer can
   * arrive: for notifications the server ties to the request by its id.
   */
  onWritten?: (id: number | string) => void;
}

/** Options of an {@link RpcConnection}. */
export interface RpcConnectionOptions {
  logger?: Logger;
  /** Requests in flight at once; more wait their turn here (default 64, below the server's 128-message queue). */
  maxInFlightRequests?: number;
  /** Default retry policy for `-32001` (see {@link RetryOptions}). */
  retry?: RetryOptions | false;
  /** Removes credentials from logs and errors. */
  redactor?: SecretRedactor;
}

/** A request the server sent to the client. */
export interface IncomingRequest {
  /** The server's request id (its own id space, separate from ours). */
  readonly id: number | string;
  readonly method: string;
  readonly params: unknown;
}

/** Answers a server request: resolve with the result, or throw a {@link ResponseError} to answer with an error. */
export type IncomingRequestHandler = (request: IncomingRequest) => unknown;

/** A raw notification as it came off the wire, with every top-level member (such as `emittedAtMs`). */
export type WireNotification = NotificationMessage & Record<string, unknown>;

/**
 * Receives each notification, with where it sits in the transport's text when the transport
 * knows (valid during the call only).
 */
export type NotificationListener = (
  notification: WireNotification,
  wire: WireLine | undefined,
) => void;

/** A failed write means the peer is going away; its close, with the real cause, normally follows at once. */
const WRITE_FAILURE_GRACE_MS = 2000;
/** How many given-up request ids are remembered, so their late answers are expected, not odd. */
const MAX_ABANDONED_IDS = 4096;

interface Pending {
  readonly method: string;
  fail(error: Error): void;
}

/** Raised inside the retry loop when a single attempt is answered with -32001. */
function overloadMessage(error: unknown): string | undefined {
  return isRetryable(error) ? (error as JsonRpcError).serverMessage : undefined;
}

/**
 * JSON-RPC over a {@link Transport}: request/response correlation and server-request dispatch by
 * vscode-jsonrpc, with codex-rx's guarantees layered on top.
 *
 * - Every pending request settles: with the result, a {@link JsonRpcError}, a {@link TimeoutError},
 *   or, when the transport ends, the transport's error ({@link CodexProcessError}) or {@link ClosedError}.
 * - Notifications bypass vscode-jsonrpc's queue: it dispatches one message per `setImmediate`
 *   and its catch-all handler drops top-level members such as `emittedAtMs`. Here each notification
 *   reaches `onNotification` synchronously, whole, in wire order.
 */
export class RpcConnection {
  private readonly connection: MessageConnection;
  private readonly pending = new Set<Pending>();
  // A plain set, not an Emitter: Emitter.fire copies its listener arrays on every event.
  private readonly notificationListeners = new Set<NotificationListener>();
  private readonly closeEmitter = new Emitter<CodexError | undefined>();
  private requestHandler: IncomingRequestHandler | undefined;
  private currentIncomingId: number | string | undefined;
  private closeReason: CodexError | undefined;
  private ended = false;
  private logger: FullLogger;
  private readonly slots: RequestSlots;
  private readonly retry: Required<RetryOptions> | false;
  private readonly redactor: SecretRedactor;
  /** Ids of our requests on the wire that vscode-jsonrpc still waits on. */
  private readonly awaiting = new Set<number | string>();
  /** Ids of our requests given up on before their answer (oldest first, bounded). */
  private readonly abandoned = new Set<number | string>();
  /** The id vscode-jsonrpc gave the request it last wrote (set synchronously inside sendRequest). */
  private lastWrittenId: number | string | undefined;
  /** Hands a message to vscode-jsonrpc as if it came from the server. */
  private deliverToConnection: ((message: Message) => void) | undefined;

  constructor(
    private readonly transport: Transport,
    options: RpcConnectionOptions = {},
  ) {
    this.redactor = options.redactor ?? new SecretRedactor();
    this.slots = new RequestSlots(options.maxInFlightRequests ?? 64);
    this.retry = options.retry === false ? false : { ...DEFAULT_RETRY, ...options.retry };
    this.logger = redactingLogger(options.logger ?? silentLogger, this.redactor);
    // JSONL transports say where each message sits in their text; see WireLine.
    const wire =
      transport.reader instanceof JsonlMessageReader ||
      transport.reader instanceof WebSocketMessageReader
        ? transport.reader.currentLine
        : undefined;
    const reader = tapMessages(transport.reader, {
      notification: (message) => {
        for (const listener of this.notificationListeners) listener(message, wire);
      },
      response: (id) => {
        if (this.awaiting.delete(id)) return true;
        if (this.abandoned.delete(id)) {
          // Expected: this client stopped waiting for it (its timeout, an abort, an unsubscribe).
          this.logger.debug?.(
            `codex-rx: skipped a response to request ${JSON.stringify(id)}, given up on before it came`,
          );
          return false;
        }
        this.logger.warn(
          `codex-rx: skipped a response with an unknown or already answered id ${JSON.stringify(id)}`,
        );
        return false;
      },
      listening: (deliver) => (this.deliverToConnection = deliver),
    });
    const writer = tapRequestIds(transport.writer, (id) => (this.lastWrittenId = id));
    this.connection = createMessageConnection(reader, writer, toJsonRpcLogger(this.logger), {
      // With a finite limit vscode-jsonrpc resolves responses as they are read instead of queueing
      // them behind a setImmediate each; the limit itself never binds.
      maxParallelism: Number.MAX_SAFE_INTEGER,
      // The catch-all request handler is not told the request id; this hands it over, since the
      // handler runs synchronously inside `next`.
      messageStrategy: {
        // The declared type says void, but vscode-jsonrpc awaits what `next` returns (the
        // handler's promise) to catch its failures, so it must be passed back.
        handleMessage: (message: Message, next: (message: Message) => void): void => {
          const id = (message as RequestMessage).id;
          this.currentIncomingId = id ?? undefined;
          try {
            return next(message);
          } finally {
            this.currentIncomingId = undefined;
          }
        },
      },
    });
    this.connection.onError(([error]) => {
      if (error instanceof CodexError) {
        // The transport cannot go on (a message over its size limit): end with that error.
        this.logger.error(`codex-rx: ${transport.describe()}: ${error.message}`);
        this.end(error);
        void this.transport.close().catch(() => undefined);
        return;
      }
      this.logger.warn(`codex-rx: skipped input from ${transport.describe()}: ${error.message}`);
    });
    this.connection.onRequest((method, params) => this.dispatchRequest(method, params));
    transport.onClose((error) => this.end(error));
    // The peer closed its input but may live on: nothing can be sent any more, so unless the
    // transport reports its own end (with the real cause) soon, the connection ends here.
    transport.writer.onClose(() => {
      if (this.ended) return;
      const timer = setTimeout(
        () =>
          this.end(
            new CodexError(`${transport.describe()} stopped reading its input`, {
              code: 'connection_closed',
            }),
          ),
        WRITE_FAILURE_GRACE_MS,
      );
      this.closeEmitter.event(() => clearTimeout(timer));
    });
  }

  /** Starts reading. Call once, after the transport has started. */
  listen(): void {
    this.connection.listen();
  }

  /** Whether the connection has ended (closed or lost). */
  get isClosed(): boolean {
    return this.ended;
  }

  /**
   * The error a request for `method` gets now that the connection has ended (its class tells the
   * cause: closed, lost, the process exited), or undefined while it is open.
   */
  endedErrorFor(method: string): CodexError | undefined {
    return this.ended ? this.endedError(method) : undefined;
  }

  /** Requests still waiting for a response (or for a slot to be sent in). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** The methods of the requests still waiting, oldest first (for leak reports). */
  get pendingMethods(): string[] {
    return [...this.pending].map((entry) => entry.method);
  }

  /** Requests waiting for a free slot. */
  get queuedCount(): number {
    return this.slots.queued;
  }

  /** Receives every notification, in wire order. */
  onNotification(listener: NotificationListener): Disposable {
    this.notificationListeners.add(listener);
    return { dispose: () => this.notificationListeners.delete(listener) };
  }

  /** Fires once when the connection ends: `undefined` after `close()`, else why it was lost. */
  onClose(listener: (error: CodexError | undefined) => void): Disposable {
    return this.closeEmitter.event(listener);
  }

  /** Sets the handler for server requests. Without one, they are answered with `-32601`. */
  setRequestHandler(handler: IncomingRequestHandler | undefined): void {
    this.requestHandler = handler;
  }

  /**
   * Sends a request and waits for its result. At most `maxInFlightRequests` are on the wire at
   * once; a `-32001` answer is retried with exponential backoff and jitter, then fails with
   * {@link OverloadedError}.
   * @param params - omitted from the wire when `undefined`.
   */
  async request(method: string, params: unknown, options: RequestOptions = {}): Promise<unknown> {
    if (this.ended) throw this.endedError(method);
    if (options.signal?.aborted) throw abortError(method, options.signal);
    checkRequestTimeoutMs('options.timeoutMs', options.timeoutMs, method);
    assertSerializable(params, method);
    this.redactor.collect(params);
    const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
    const policy =
      options.retry === false
        ? false
        : options.retry
          ? { ...DEFAULT_RETRY, ...options.retry }
          : this.retry;
    const maxAttempts = policy === false ? 1 : Math.max(1, policy.maxAttempts);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(method, params, options, deadline);
      } catch (error) {
        const overloaded = overloadMessage(error);
        if (overloaded === undefined) throw error;
        if (attempt >= maxAttempts || policy === false)
          throw new OverloadedError(method, attempt, overloaded);
        this.logger.debug?.(
          `codex-rx: ${method} answered -32001; retry ${attempt} of ${maxAttempts - 1}`,
        );
        await this.wait(method, backoffDelay(attempt, policy), options, deadline);
      }
    }
  }

  /** One send: wait for a slot, write, wait for the answer. Settles exactly once. */
  private attempt(
    method: string,
    params: unknown,
    options: RequestOptions,
    deadline: number | undefined,
  ): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      let holdsSlot = false;
      let wireId: number | string | undefined;
      let cancel: CancellationTokenSource | undefined;
      let timer: NodeJS.Timeout | undefined;
      let writeFailure: NodeJS.Timeout | undefined;
      const onAbort = (): void => entry.fail(abortError(method, options.signal!));
      const settle = (): boolean => {
        if (!this.pending.delete(entry)) return false;
        if (timer) clearTimeout(timer);
        if (writeFailure) clearTimeout(writeFailure);
        options.signal?.removeEventListener('abort', onAbort);
        cancel?.dispose();
        if (wireId !== undefined) this.abandon(wireId);
        if (holdsSlot) this.slots.release();
        else this.slots.cancel(send);
        return true;
      };
      const entry: Pending = {
        method,
        fail: (error) => {
          if (settle()) reject(error);
        },
      };
      const send = (): void => {
        holdsSlot = true;
        if (this.ended) {
          entry.fail(this.endedError(method));
          return;
        }
        cancel = new CancellationTokenSource();
        let sent: Promise<unknown>;
        try {
          this.lastWrittenId = undefined;
          sent =
            params === undefined
              ? this.connection.sendRequest(method, cancel.token)
              : this.connection.sendRequest(method, params, cancel.token);
          wireId = this.lastWrittenId;
          if (wireId !== undefined) {
            this.awaiting.add(wireId);
            options.onWritten?.(wireId);
          }
        } catch (error) {
          // vscode-jsonrpc throws at once when its writer has closed: the peer stopped reading.
          entry.fail(this.toCodexError(method, error));
          return;
        }
        sent.then(
          (result) => {
            wireId = undefined;
            if (settle()) resolve(result);
          },
          (error: unknown) => {
            wireId = undefined;
            if (
              error instanceof ResponseError &&
              error.code === ErrorCodes.MessageWriteError &&
              !this.ended
            ) {
              // The peer's input broke; the transport's close, with the real cause, normally follows.
              writeFailure = setTimeout(
                () =>
                  entry.fail(
                    new CodexError(`${method} failed: ${error.message}`, {
                      method,
                      code: 'write_failed',
                      cause: error,
                    }),
                  ),
                WRITE_FAILURE_GRACE_MS,
              );
              return;
            }
            entry.fail(this.toCodexError(method, error));
          },
        );
      };
      this.pending.add(entry);
      if (deadline !== undefined) {
        timer = setTimeout(
          () => entry.fail(new TimeoutError(method, options.timeoutMs!)),
          Math.max(0, deadline - Date.now()),
        );
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (this.slots.tryAcquire(send)) send();
    });
  }

  /**
   * A request settled here (timed out, aborted) before its answer came: vscode-jsonrpc would keep
   * its response handler until an answer that may never come (the server ignores
   * `$/cancelRequest`). A local answer releases it; a late real one is then skipped, logged at
   * debug level only (the client itself stopped waiting).
   */
  private abandon(id: number | string): void {
    if (!this.awaiting.delete(id) || this.ended) return;
    this.abandoned.add(id);
    if (this.abandoned.size > MAX_ABANDONED_IDS)
      this.abandoned.delete(this.abandoned.values().next().value!);
    this.deliverToConnection?.({
      jsonrpc: '2.0',
      id,
      error: { code: -32800, message: 'abandoned by codex-rx' },
    } as Message);
  }

  /** Sleeps between retries; cut short by the deadline, the signal or the connection's end. */
  private wait(
    method: string,
    ms: number,
    options: RequestOptions,
    deadline: number | undefined,
  ): Promise<void> {
    if (deadline !== undefined && Date.now() + ms >= deadline) {
      return Promise.reject(new TimeoutError(method, options.timeoutMs!));
    }
    return new Promise<void>((resolve, reject) => {
      const entry: Pending = {
        method,
        fail: (error) => {
          if (!this.pending.delete(entry)) return;
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const onAbort = (): void => entry.fail(abortError(method, options.signal!));
      const timer = setTimeout(() => {
        if (!this.pending.delete(entry)) return;
        options.signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.pending.add(entry);
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Sends a notification. */
  async notify(method: string, params?: unknown): Promise<void> {
    if (this.ended) throw this.endedError(method);
    await (params === undefined
      ? this.connection.sendNotification(method)
      : this.connection.sendNotification(method, params));
  }

  /** Ends the connection and the transport; pending requests reject with {@link ClosedError}. Idempotent. */
  async close(): Promise<void> {
    this.end(undefined);
    await this.transport.close();
  }

  private end(error: CodexError | undefined): void {
    if (this.ended) return;
    this.ended = true;
    // Failing a request in flight frees its slot; nothing queued may be sent through it now.
    this.slots.close();
    this.awaiting.clear();
    this.abandoned.clear();
    this.closeReason = error instanceof CodexProcessError ? this.redactProcessError(error) : error;
    error = this.closeReason;
    for (const entry of [...this.pending]) entry.fail(this.endedError(entry.method));
    this.connection.dispose();
    this.closeEmitter.fire(error);
    this.closeEmitter.dispose();
    this.notificationListeners.clear();
  }

  private redactProcessError(error: CodexProcessError): CodexProcessError {
    const stderrTail = error.stderrTail.map((line) => this.redactor.redact(line));
    return new CodexProcessError(this.redactor.redact(error.reason), {
      exitCode: error.exitCode,
      signal: error.signal,
      stderrTail,
    });
  }

  private endedError(method: string): CodexError {
    const reason = this.closeReason;
    if (reason instanceof CodexProcessError) {
      return new CodexProcessError(`${method} failed`, reason, { method, cause: reason });
    }
    // Keep the class, so `instanceof` tells the cause for every request the end failed.
    if (reason instanceof ConnectionLostError)
      return new ConnectionLostError(reason.url, reason.reason, method);
    if (reason)
      return new CodexError(`${method} failed: ${reason.message}`, {
        method,
        code: reason.code,
        cause: reason,
      });
    return new ClosedError(method, method);
  }

  private toCodexError(method: string, error: unknown): CodexError {
    if (error instanceof ResponseError) {
      if (error.code === ErrorCodes.PendingResponseRejected) return this.endedError(method);
      return new JsonRpcError(
        method,
        error.code,
        this.redactor.redact(error.message),
        this.redactor.redactDeep(error.data),
      );
    }
    if (error instanceof CodexError) return error;
    if (this.ended) return this.endedError(method);
    return new CodexError(`${method} failed: ${(error as Error)?.message ?? String(error)}`, {
      method,
      cause: error,
    });
  }

  private dispatchRequest(method: string, params: unknown): Promise<unknown> {
    const id = this.currentIncomingId ?? -1;
    const handler = this.requestHandler;
    if (!handler) {
      this.logger.warn(`codex-rx: no handler for server request ${method}; answered -32601`);
      return Promise.reject(
        new ResponseError(JsonRpcErrorCode.MethodNotFound, `codex-rx: unhandled method ${method}`),
      );
    }
    return Promise.resolve().then(() => handler({ id, method, params }));
  }
}

function abortError(method: string, signal: AbortSignal): CodexError {
  return new CodexError(`${method} aborted`, { method, code: 'aborted', cause: signal.reason });
}

/**
 * Wraps the transport's reader: notifications go straight to `notification` (see the class
 * comment); a response goes on only if `response` says its id is awaited.
 */
function tapMessages(
  reader: MessageReader,
  tap: {
    notification(message: WireNotification): void;
    response(id: number | string): boolean;
    listening(deliver: (message: Message) => void): void;
  },
): MessageReader {
  return {
    onError: reader.onError,
    onClose: reader.onClose,
    onPartialMessage: reader.onPartialMessage,
    dispose: () => reader.dispose(),
    listen(callback: DataCallback): Disposable {
      tap.listening(callback);
      return reader.listen((message) => {
        const m = message as Partial<RequestMessage>;
        if (typeof m.method === 'string') {
          if (m.id === undefined) tap.notification(message as WireNotification);
          else callback(message);
        } else if ((typeof m.id === 'number' || typeof m.id === 'string') && !tap.response(m.id)) {
          return;
        } else {
          callback(message);
        }
      });
    },
  };
}

/** Wraps the transport's writer to report the id of each request as it is written. */
function tapRequestIds(
  writer: MessageWriter,
  onRequestId: (id: number | string) => void,
): MessageWriter {
  return {
    onError: writer.onError,
    onClose: writer.onClose,
    end: () => writer.end(),
    dispose: () => writer.dispose(),
    write(message: Message): Promise<void> {
      const m = message as Partial<RequestMessage>;
      if (typeof m.method === 'string' && (typeof m.id === 'number' || typeof m.id === 'string'))
        onRequestId(m.id);
      return writer.write(message);
    },
  };
}

function toJsonRpcLogger(logger: FullLogger): JsonRpcLogger {
  return {
    error: (m) => logger.error(`codex-rx: ${m}`),
    warn: (m) => logger.warn(`codex-rx: ${m}`),
    info: (m) => logger.info?.(`codex-rx: ${m}`),
    log: (m) => logger.debug?.(`codex-rx: ${m}`),
  };
}
