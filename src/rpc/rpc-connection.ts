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
  NotificationMessage,
  RequestMessage,
} from 'vscode-jsonrpc/node';
import { ClosedError } from '../errors/closed-error.js';
import { CodexError } from '../errors/codex-error.js';
import { CodexProcessError } from '../errors/codex-process-error.js';
import { JsonRpcError, JsonRpcErrorCode } from '../errors/json-rpc-error.js';
import { TimeoutError } from '../errors/timeout-error.js';
import { assertSerializable } from './assert-serializable.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { Transport } from '../transport/transport.js';

/** Per-request options. */
export interface RequestOptions {
  /** Reject with {@link TimeoutError} when no response arrives within this many ms. */
  timeoutMs?: number;
  /** Abort waiting for the response (the request itself is not recalled from the server). */
  signal?: AbortSignal;
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

/** A failed write means the peer is going away; its close, with the real cause, normally follows at once. */
const WRITE_FAILURE_GRACE_MS = 2000;

interface Pending {
  readonly method: string;
  fail(error: Error): void;
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
  private readonly notificationSink: Emitter<WireNotification>;
  private readonly closeEmitter = new Emitter<CodexError | undefined>();
  private requestHandler: IncomingRequestHandler | undefined;
  private currentIncomingId: number | string | undefined;
  private closeReason: CodexError | undefined;
  private ended = false;
  private readonly logger: Logger;

  constructor(
    private readonly transport: Transport,
    options: { logger?: Logger } = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.notificationSink = new Emitter<WireNotification>();
    const reader = tapNotifications(transport.reader, (message) => {
      this.notificationSink.fire(message);
    });
    this.connection = createMessageConnection(
      reader,
      transport.writer,
      toJsonRpcLogger(this.logger),
      {
        // With a finite limit vscode-jsonrpc resolves responses as they are read instead of queueing
        // them behind a setImmediate each; the limit itself never binds.
        maxParallelism: Number.MAX_SAFE_INTEGER,
        // The catch-all request handler is not told the request id; this hands it over, since the
        // handler runs synchronously inside `next`.
        messageStrategy: {
          handleMessage: (message: Message, next: (message: Message) => void): void => {
            const id = (message as RequestMessage).id;
            this.currentIncomingId = id ?? undefined;
            try {
              next(message);
            } finally {
              this.currentIncomingId = undefined;
            }
          },
        },
      },
    );
    this.connection.onError(([error]) => {
      this.logger.warn(`codex-rx: skipped input from ${transport.describe()}: ${error.message}`);
    });
    this.connection.onRequest((method, params) => this.dispatchRequest(method, params));
    transport.onClose((error) => this.end(error));
  }

  /** Starts reading. Call once, after the transport has started. */
  listen(): void {
    this.connection.listen();
  }

  /** Whether the connection has ended (closed or lost). */
  get isClosed(): boolean {
    return this.ended;
  }

  /** Requests still waiting for a response. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Receives every notification, in wire order. */
  onNotification(listener: (notification: WireNotification) => void): Disposable {
    return this.notificationSink.event(listener);
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
   * Sends a request and waits for its result.
   * @param params - omitted from the wire when `undefined`.
   */
  request(method: string, params: unknown, options: RequestOptions = {}): Promise<unknown> {
    if (this.ended) return Promise.reject(this.endedError(method));
    if (options.signal?.aborted) return Promise.reject(abortError(method, options.signal));
    return new Promise<unknown>((resolve, reject) => {
      // Throwing here rejects the promise before anything is sent.
      assertSerializable(params, method);
      const cancel = new CancellationTokenSource();
      let timer: NodeJS.Timeout | undefined;
      let writeFailure: NodeJS.Timeout | undefined;
      const onAbort = (): void => entry.fail(abortError(method, options.signal!));
      const settle = (): boolean => {
        if (!this.pending.delete(entry)) return false;
        if (timer) clearTimeout(timer);
        if (writeFailure) clearTimeout(writeFailure);
        options.signal?.removeEventListener('abort', onAbort);
        cancel.dispose();
        return true;
      };
      const entry: Pending = {
        method,
        fail: (error) => {
          if (settle()) reject(error);
        },
      };
      this.pending.add(entry);
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(
          () => entry.fail(new TimeoutError(method, options.timeoutMs!)),
          options.timeoutMs,
        );
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const sent =
        params === undefined
          ? this.connection.sendRequest(method, cancel.token)
          : this.connection.sendRequest(method, params, cancel.token);
      sent.then(
        (result) => {
          if (settle()) resolve(result);
        },
        (error: unknown) => {
          if (
            error instanceof ResponseError &&
            error.code === ErrorCodes.MessageWriteError &&
            !this.ended
          ) {
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
    this.closeReason = error;
    for (const entry of [...this.pending]) entry.fail(this.endedError(entry.method));
    this.connection.dispose();
    this.closeEmitter.fire(error);
    this.closeEmitter.dispose();
    this.notificationSink.dispose();
  }

  private endedError(method: string): CodexError {
    const reason = this.closeReason;
    if (reason instanceof CodexProcessError) {
      return new CodexProcessError(`${method} failed`, reason, { method, cause: reason });
    }
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
      return new JsonRpcError(method, error.code, error.message, error.data);
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

function tapNotifications(
  reader: MessageReader,
  onNotification: (message: WireNotification) => void,
): MessageReader {
  return {
    onError: reader.onError,
    onClose: reader.onClose,
    onPartialMessage: reader.onPartialMessage,
    dispose: () => reader.dispose(),
    listen(callback: DataCallback): Disposable {
      return reader.listen((message) => {
        const m = message as Partial<RequestMessage>;
        if (typeof m.method === 'string' && m.id === undefined)
          onNotification(message as WireNotification);
        else callback(message);
      });
    },
  };
}

function toJsonRpcLogger(logger: Logger): JsonRpcLogger {
  return {
    error: (m) => logger.error(`codex-rx: ${m}`),
    warn: (m) => logger.warn(`codex-rx: ${m}`),
    info: (m) => logger.info?.(`codex-rx: ${m}`),
    log: (m) => logger.debug?.(`codex-rx: ${m}`),
  };
}
