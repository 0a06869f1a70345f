import { checkTimerMs } from '../timer-ms.js';
import { Emitter } from 'vscode-jsonrpc/node';
import type { Disposable, MessageReader, MessageWriter } from 'vscode-jsonrpc/node';
import WebSocket from 'ws';
import type { ClientOptions } from 'ws';
import { AuthenticationError } from '../errors/authentication-error.js';
import { CodexError } from '../errors/codex-error.js';
import { ConnectionLostError } from '../errors/connection-lost-error.js';
import { ClosedError } from '../errors/closed-error.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './jsonl-message-reader.js';
import { promptAcks } from './prompt-acks.js';
import { credentialReadFailure, readCredentialFile } from './read-credential-file.js';
import type { Transport } from './transport.js';
import { WebSocketMessageReader, WebSocketMessageWriter } from './websocket-messages.js';

/** Where a remote app-server listens, and how to prove the right to connect. */
export interface RemoteOptions {
  /** `ws://host:port` of a server started with `codex app-server --listen ws://…`. */
  url?: string;
  /** The unix socket of a server started with `--listen unix://PATH` (WebSocket over the socket). */
  socketPath?: string;
  /** The capability token (`--ws-auth capability-token`), sent as `Authorization: Bearer …`. */
  token?: string;
  /** A file holding the token (read at each connect). */
  tokenFile?: string;
  /** Returns the bearer token at each connect: a signed JWT for `--ws-auth signed-bearer-token`. */
  bearer?: () => string | Promise<string>;
  /** Extra upgrade headers. An `Origin` header makes the server refuse the upgrade (403). */
  headers?: Readonly<Record<string, string>>;
  /** How long getting the token and the upgrade may take, in ms (default 10000). */
  connectTimeoutMs?: number;
  /** Ping the server this often while connected, in ms (default 15000; `false`: never). */
  heartbeatIntervalMs?: number | false;
  /**
   * A ping unanswered this long means the connection is lost, in ms (default 10000): a silent
   * server is reported within `heartbeatIntervalMs + heartbeatTimeoutMs`.
   */
  heartbeatTimeoutMs?: number;
}

/** How long the upgrade (and getting the token) may take by default, in ms. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/**
 * How long a closing handshake may take before the socket is destroyed. Once a close frame has
 * gone either way nothing more can arrive, so waiting for the peer's end of TCP (`ws` waits 30 s)
 * only keeps requests pending behind a peer that holds the connection half-open.
 */
const CLOSE_TIMEOUT_MS = 2_000;
/** Node's timers cannot wait longer (a longer delay fires after 1 ms). */

/**
 * The `ws` client options, each set explicitly rather than left to `ws`'s defaults, which a
 * release may change:
 * - `perMessageDeflate: false`: the app-server (0.169.0) negotiates no extension, and on loopback
 *   and unix sockets, where these connections run, compressing costs CPU and saves nothing
 *   (measured in bench/README.md, transports); an inflater would also read frames asynchronously,
 *   after a protocol error that should have stopped them.
 * - `maxPayload`: the stdio reader's bound on one message (the server caps frames at 16 MiB);
 *   `ws` refuses a longer frame from its header, before buffering it.
 * - `skipUTF8Validation: false`: a text frame of invalid UTF-8 is a protocol error, as on stdio.
 * - `allowSynchronousEvents: true`: every message of a socket read is delivered in that read, in
 *   order and before a protocol error later in it (and without a macrotask per message).
 * - `autoPong: true`: the server's pings are answered.
 * - `closeTimeout`: see {@link CLOSE_TIMEOUT_MS}.
 * - `followRedirects: false`: a redirect must not carry the bearer token to another host.
 */
const WS_OPTIONS = {
  perMessageDeflate: false,
  maxPayload: DEFAULT_MAX_MESSAGE_BYTES,
  skipUTF8Validation: false,
  allowSynchronousEvents: true,
  autoPong: true,
  closeTimeout: CLOSE_TIMEOUT_MS,
  followRedirects: false,
} as const;

/**
 * A connection to a remote `codex app-server` over WebSocket (TCP, or a unix socket): one
 * JSON-RPC message per text frame, no compression, no `Origin`. A refused upgrade fails
 * `start()` with {@link AuthenticationError} (401), as does a token that cannot be had from its
 * source; a socket that closes, fails, breaks the WebSocket protocol or stops answering pings
 * ends the connection with {@link ConnectionLostError}, at once and with nothing delivered after
 * the fault.
 */
export class WebSocketTransport implements Transport {
  readonly #options: RemoteOptions;
  readonly #connectTimeoutMs: number;
  #socket: WebSocket | undefined;
  #reader: WebSocketMessageReader | undefined;
  #writer: WebSocketMessageWriter | undefined;
  readonly #closeEmitter = new Emitter<CodexError | undefined>();
  #closing = false;
  #closed = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #pongDeadline: NodeJS.Timeout | undefined;
  /** Ends a `start()` in progress (close() meanwhile): no socket or timer is left dialing. */
  readonly #abortStart = new AbortController();
  /** The tokens used, so the client can redact them. */
  readonly #tokens: string[] = [];
  /** Where it connects, without credentials (for messages). */
  readonly url: string;

  constructor(options: RemoteOptions) {
    if (!options.url === !options.socketPath)
      throw new CodexError('Codex.connect: give exactly one of url and socketPath', {
        code: 'invalid_input',
      });
    // Two sources would leave which one is sent to a precedence nobody reads in the docs.
    const sources = (['token', 'tokenFile', 'bearer'] as const).filter(
      (key) => options[key] !== undefined,
    );
    if (sources.length > 1)
      throw new CodexError(
        `Codex.connect: give at most one of token, tokenFile and bearer, not ${sources.join(' and ')}`,
        { code: 'invalid_input' },
      );
    this.#connectTimeoutMs =
      checkMs('connectTimeoutMs', options.connectTimeoutMs) ?? DEFAULT_CONNECT_TIMEOUT_MS;
    if (options.heartbeatIntervalMs !== false)
      checkMs('heartbeatIntervalMs', options.heartbeatIntervalMs);
    checkMs('heartbeatTimeoutMs', options.heartbeatTimeoutMs);
    this.#options = options;
    this.url = options.socketPath ? `unix://${options.socketPath}` : safeUrl(options.url!);
  }

  get reader(): MessageReader {
    if (!this.#reader) throw new CodexError('WebSocketTransport: start() it first');
    return this.#reader;
  }

  get writer(): MessageWriter {
    if (!this.#writer) throw new CodexError('WebSocketTransport: start() it first');
    return this.#writer;
  }

  /** @internal The tokens this transport sent, for redaction. */
  secrets(): readonly string[] {
    return this.#tokens;
  }

  describe(): string {
    return `codex app-server at ${this.url}`;
  }

  /**
   * Gets the token and makes the upgrade, both within `connectTimeoutMs`. `signal` (or
   * `close()`) ends it at once: the socket being dialed is destroyed and `start()` rejects with
   * {@link ClosedError}.
   */
  async start(signal?: AbortSignal): Promise<void> {
    const options = this.#options;
    const abort = this.#abortStart.signal;
    const onAbort = (): void => this.#abortStart.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    try {
      const deadline = Date.now() + this.#connectTimeoutMs;
      const token = await this.#token(abort);
      if (abort.aborted) throw new ClosedError('WebSocketTransport.start');
      const headers: Record<string, string> = { ...options.headers };
      if (token !== undefined) {
        this.#tokens.push(token);
        headers.Authorization = `Bearer ${token}`;
      }
      const address = options.socketPath ? `ws+unix://${options.socketPath}:/` : options.url!;
      const socket = new WebSocket(address, {
        ...WS_OPTIONS,
        headers,
        handshakeTimeout: Math.max(1, deadline - Date.now()),
      } satisfies ClientOptions & { closeTimeout: number });
      this.#socket = socket;
      // Created before the socket opens: messages sent right after the upgrade must not be lost.
      this.#reader = new WebSocketMessageReader(socket);
      this.#writer = new WebSocketMessageWriter(socket);
      await this.#opened(socket, abort);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Called in the `'open'` event itself, before any frame of the connection is read. */
  #connected(socket: WebSocket): void {
    // A protocol violation: `ws` has stopped reading; end now rather than after its closing
    // handshake, which a peer holding TCP open would stretch to `closeTimeout`.
    socket.on('error', (error: Error) => {
      this.#lost(`WebSocket protocol error: ${error.message}`);
      socket.terminate();
    });
    socket.on('close', (code: number) => this.#lost(`socket closed (${code})`));
    this.#startHeartbeat(socket);
    // A unix socket has no delayed ACKs to cut short.
    if (!this.#options.socketPath) promptAcks(socket);
  }

  #opened(socket: WebSocket, abort: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: CodexError): void => {
        socket.off('open', onOpen);
        socket.off('unexpected-response', onRefused);
        socket.off('error', onError);
        abort.removeEventListener('abort', onAbort);
        if (!error) return resolve();
        socket.on('error', () => undefined); // the terminate below may report the abort too
        socket.terminate();
        reject(error);
      };
      const onOpen = (): void => {
        settle();
        this.#connected(socket);
      };
      const onRefused = (_request: unknown, response: { statusCode?: number }): void => {
        const status = response.statusCode ?? 0;
        settle(
          status === 401
            ? new AuthenticationError(this.url, status)
            : new CodexError(`the app-server at ${this.url} refused the upgrade (HTTP ${status})`, {
                code: 'connect_failed',
                data: { url: this.url, status },
              }),
        );
      };
      const onError = (error: Error): void =>
        settle(
          new CodexError(`could not connect to the app-server at ${this.url}: ${error.message}`, {
            code: 'connect_failed',
            data: { url: this.url },
          }),
        );
      const onAbort = (): void => settle(new ClosedError('WebSocketTransport.start'));
      socket.once('open', onOpen);
      socket.once('unexpected-response', onRefused);
      socket.once('error', onError);
      abort.addEventListener('abort', onAbort, { once: true });
    });
  }

  onClose(listener: (error: CodexError | undefined) => void): Disposable {
    return this.#closeEmitter.event(listener);
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#abortStart.abort();
    const socket = this.#socket;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      // `ws` destroys the socket after CLOSE_TIMEOUT_MS if the server does not close it.
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.close(1000);
      await closed;
    }
    this.#end(undefined);
  }

  /** The token to send, from `bearer()`, `tokenFile` or `token`: checked, never quoted. */
  async #token(abort: AbortSignal): Promise<string | undefined> {
    const { bearer, tokenFile, token } = this.#options;
    const fail = (source: string, problem: string, cause?: unknown): AuthenticationError =>
      new AuthenticationError(this.url, undefined, { source, problem, cause });
    if (bearer) {
      let value: unknown;
      try {
        value = await bounded((async () => bearer())(), this.#connectTimeoutMs, abort, () =>
          fail('bearer()', `did not return within ${this.#connectTimeoutMs} ms`),
        );
      } catch (error) {
        // (Raised here: the wait timed out or was aborted.)
        if (error instanceof AuthenticationError || error instanceof ClosedError) throw error;
        throw fail('bearer()', `threw: ${describeThrown(error)}`, error);
      }
      return checkToken(value, 'bearer()', fail);
    }
    if (tokenFile) {
      let text: string;
      try {
        text = await readCredentialFile(tokenFile);
      } catch (error) {
        if (abort.aborted) throw new ClosedError('WebSocketTransport.start');
        throw fail(
          `tokenFile ${tokenFile}`,
          `could not be read (${credentialReadFailure(error)})`,
          error,
        );
      }
      const lines = text.trim().split(/\r?\n/);
      if (lines.length > 1)
        throw fail(`tokenFile ${tokenFile}`, `holds ${lines.length} lines; it must hold one token`);
      return checkToken(lines[0], `tokenFile ${tokenFile}`, fail);
    }
    return token === undefined ? undefined : checkToken(token, 'token', fail);
  }

  /**
   * Pings every interval; a ping unanswered for `heartbeatTimeoutMs` ends the connection, so a
   * silent server is reported within interval + timeout of its last answer.
   */
  #startHeartbeat(socket: WebSocket): void {
    const interval = this.#options.heartbeatIntervalMs ?? 15_000;
    if (interval === false) return;
    const timeout = this.#options.heartbeatTimeoutMs ?? 10_000;
    socket.on('pong', () => {
      clearTimeout(this.#pongDeadline);
      this.#pongDeadline = undefined;
    });
    this.#heartbeat = setInterval(() => {
      socket.ping();
      // One deadline per unanswered ping, from the first: later pings do not push it back.
      this.#pongDeadline ??= setTimeout(() => {
        this.#lost(`no pong within ${timeout} ms of a ping`);
        socket.terminate();
      }, timeout);
      this.#pongDeadline.unref();
    }, interval);
    this.#heartbeat.unref();
  }

  #lost(reason: string): void {
    this.#end(this.#closing ? undefined : new ConnectionLostError(this.url, reason));
  }

  #end(error: CodexError | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reader?.stop();
    clearInterval(this.#heartbeat);
    clearTimeout(this.#pongDeadline);
    this.#closeEmitter.fire(error);
    this.#closeEmitter.dispose();
  }
}

/** A timeout option of `Codex.connect()`. */
function checkMs(field: string, value: number | undefined): number | undefined {
  return checkTimerMs(field, value, 'Codex.connect');
}

/** `value` as a bearer token, or the error saying why it is not one (never quoting it). */
function checkToken(
  value: unknown,
  source: string,
  fail: (source: string, problem: string) => AuthenticationError,
): string {
  if (typeof value !== 'string')
    throw fail(source, `gave ${value === null ? 'null' : typeof value}, not a string`);
  if (value === '') throw fail(source, 'is empty');
  // What an HTTP header can carry as a token: visible ASCII, no spaces (RFC 6750 b64token and more).
  if (!/^[\x21-\x7e]+$/.test(value))
    throw fail(source, 'holds whitespace, control or non-ASCII characters; it must be one token');
  return value;
}

/** `promise`, or `onTimeout()` after `ms`, or ClosedError on `abort`, leaving no timer behind. */
async function bounded<T>(
  promise: Promise<T>,
  ms: number,
  abort: AbortSignal,
  onTimeout: () => CodexError,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
        onAbort = () => reject(new ClosedError('WebSocketTransport.start'));
        if (abort.aborted) onAbort();
        abort.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) abort.removeEventListener('abort', onAbort);
  }
}

function describeThrown(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The URL without credentials or query (where a token might have been put by mistake). */
function safeUrl(url: string): string {
  const invalid = (why: string): CodexError =>
    new CodexError(`Codex.connect: url ${why}`, { code: 'invalid_input' });
  const parsed = typeof url === 'string' ? URL.parse(url) : null;
  if (!parsed) throw invalid('is not a valid URL');
  // What `ws` dials (it would throw a bare SyntaxError for anything else), said before dialing.
  if (!['ws:', 'wss:', 'http:', 'https:'].includes(parsed.protocol))
    throw invalid(`must be ws:// or wss://, not ${parsed.protocol}//`);
  if (parsed.hash !== '') throw invalid('must not have a #fragment');
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}
