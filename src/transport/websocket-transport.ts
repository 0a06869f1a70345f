import { readFile } from 'node:fs/promises';
import { Emitter } from 'vscode-jsonrpc/node';
import type { Disposable, MessageReader, MessageWriter } from 'vscode-jsonrpc/node';
import WebSocket from 'ws';
import { AuthenticationError } from '../errors/authentication-error.js';
import { CodexError } from '../errors/codex-error.js';
import { ConnectionLostError } from '../errors/connection-lost-error.js';
import { readTextFramesAhead } from './read-text-frames-ahead.js';
import type { TextFrameSplitter } from './text-frame-splitter.js';
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
  /** How long the upgrade may take, in ms (default 10000). */
  connectTimeoutMs?: number;
  /** Ping the server this often while connected, in ms (default 15000; `false`: never). */
  heartbeatIntervalMs?: number | false;
  /** A ping unanswered this long means the connection is lost, in ms (default 10000). */
  heartbeatTimeoutMs?: number;
}

/**
 * A connection to a remote `codex app-server` over WebSocket (TCP, or a unix socket): one
 * JSON-RPC message per text frame, permessage-deflate when the server offers it, no `Origin`.
 * A refused upgrade fails `start()` with {@link AuthenticationError} (401); a socket that closes,
 * fails or stops answering pings ends the connection with {@link ConnectionLostError}.
 */
export class WebSocketTransport implements Transport {
  readonly #options: RemoteOptions;
  #socket: WebSocket | undefined;
  #reader: WebSocketMessageReader | undefined;
  #writer: WebSocketMessageWriter | undefined;
  readonly #closeEmitter = new Emitter<CodexError | undefined>();
  #closing = false;
  #closed = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #splitter: TextFrameSplitter | undefined;
  /** The tokens used, so the client can redact them. */
  readonly #tokens: string[] = [];
  /** Where it connects, without credentials (for messages). */
  readonly url: string;

  constructor(options: RemoteOptions) {
    if (!options.url === !options.socketPath)
      throw new CodexError('Codex.connect: give exactly one of url and socketPath', {
        code: 'invalid_input',
      });
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

  /**
   * @internal Whether text frames are read straight from the socket (see
   * {@link readTextFramesAhead}) rather than through `ws`'s receiver alone.
   */
  get readsTextFramesAhead(): boolean {
    return this.#splitter !== undefined && !this.#splitter.forwardingAll;
  }

  describe(): string {
    return `codex app-server at ${this.url}`;
  }

  async start(): Promise<void> {
    const options = this.#options;
    const token = await this.#token();
    const headers: Record<string, string> = { ...options.headers };
    if (token) {
      this.#tokens.push(token);
      headers.Authorization = `Bearer ${token}`;
    }
    const address = options.socketPath ? `ws+unix://${options.socketPath}:/` : options.url!;
    const socket = new WebSocket(address, {
      headers,
      perMessageDeflate: true,
      handshakeTimeout: options.connectTimeoutMs ?? 10_000,
    });
    this.#socket = socket;
    // Created before the socket opens: messages sent right after the upgrade must not be lost.
    const reader = new WebSocketMessageReader(socket);
    this.#reader = reader;
    this.#writer = new WebSocketMessageWriter(socket);
    await new Promise<void>((resolve, reject) => {
      const fail = (error: CodexError): void => {
        socket.removeAllListeners('open');
        socket.terminate();
        reject(error);
      };
      socket.once('open', () => {
        this.#splitter = readTextFramesAhead(socket, (text, start, end) =>
          reader.receive(text, start, end),
        );
        socket.off('unexpected-response', onRefused);
        socket.off('error', onError);
        resolve();
      });
      const onRefused = (_request: unknown, response: { statusCode?: number }): void => {
        const status = response.statusCode ?? 0;
        fail(
          status === 401
            ? new AuthenticationError(this.url, status)
            : new CodexError(`the app-server at ${this.url} refused the upgrade (HTTP ${status})`, {
                code: 'connect_failed',
                data: { url: this.url, status },
              }),
        );
      };
      const onError = (error: Error): void =>
        fail(
          new CodexError(`could not connect to the app-server at ${this.url}: ${error.message}`, {
            code: 'connect_failed',
            data: { url: this.url },
          }),
        );
      socket.once('unexpected-response', onRefused);
      socket.once('error', onError);
    });
    socket.on('error', () => undefined); // reported through 'close'
    socket.on('close', (code: number) => this.#lost(`socket closed (${code})`));
    this.#startHeartbeat(socket);
  }

  onClose(listener: (error: CodexError | undefined) => void): Disposable {
    return this.#closeEmitter.event(listener);
  }

  async close(): Promise<void> {
    this.#closing = true;
    const socket = this.#socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) {
      this.#end(undefined);
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.terminate(), 2000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.close(1000);
    });
    this.#end(undefined);
  }

  async #token(): Promise<string | undefined> {
    const options = this.#options;
    if (options.bearer) return options.bearer();
    if (options.tokenFile) return (await readFile(options.tokenFile, 'utf8')).trim();
    return options.token;
  }

  #startHeartbeat(socket: WebSocket): void {
    const interval = this.#options.heartbeatIntervalMs ?? 15_000;
    if (interval === false) return;
    const timeout = this.#options.heartbeatTimeoutMs ?? 10_000;
    let lastPong = Date.now();
    socket.on('pong', () => (lastPong = Date.now()));
    this.#heartbeat = setInterval(() => {
      if (Date.now() - lastPong > interval + timeout) {
        this.#lost(`no pong within ${timeout} ms`);
        socket.terminate();
        return;
      }
      socket.ping();
    }, interval);
    this.#heartbeat.unref();
  }

  #lost(reason: string): void {
    this.#end(this.#closing ? undefined : new ConnectionLostError(this.url, reason));
  }

  #end(error: CodexError | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#closeEmitter.fire(error);
    this.#closeEmitter.dispose();
  }
}

/** The URL without credentials or query (where a token might have been put by mistake). */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    throw new CodexError(`Codex.connect: url is not a valid URL`, { code: 'invalid_input' });
  }
}
