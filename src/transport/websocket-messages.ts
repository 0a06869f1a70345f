import { AbstractMessageReader, AbstractMessageWriter, Disposable } from 'vscode-jsonrpc/node';
import type { DataCallback, Message } from 'vscode-jsonrpc/node';
import { MalformedMessageError, parseMessage } from './jsonl-message-reader.js';
import type { WireLine } from './wire-line.js';

/**
 * The part of a `ws` WebSocket these classes use. Structural, so the package's declarations do
 * not need `ws`'s types (a consumer need not install `@types/ws`).
 */
export interface MessageSocket {
  readonly readyState: number;
  on(
    event: 'message',
    listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void,
  ): unknown;
  on(event: 'close', listener: () => void): unknown;
  off(
    event: 'message',
    listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void,
  ): unknown;
  off(event: 'close', listener: () => void): unknown;
  send(data: string, callback: (error?: Error) => void): void;
}

/**
 * JSON-RPC over a WebSocket as the app-server speaks it: one message per text frame, the
 * `"jsonrpc"` member left off (as on stdio). Shared by the TCP and unix-socket transports. It
 * listens from construction, so nothing the server sends before `listen()` is lost.
 */
export class WebSocketMessageReader extends AbstractMessageReader {
  private callback: DataCallback | undefined;
  /** Messages that arrived before `listen()`. */
  private early: Buffer[] | undefined = [];
  private stopped = false;
  private readonly line: { -readonly [K in keyof WireLine]: WireLine[K] } = {
    chunk: 0,
    text: '',
    start: 0,
    end: 0,
    bytes: undefined,
  };
  /** Where the message being delivered sits: its frame's text, whole (see {@link WireLine}). */
  readonly currentLine: WireLine = this.line;
  private readonly frameReceived = (
    data: Buffer | ArrayBuffer | Buffer[],
    isBinary: boolean,
  ): void => {
    if (this.stopped) return;
    if (isBinary) {
      this.fireError(new MalformedMessageError('a binary frame', '<binary>'));
      return;
    }
    const bytes = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    if (this.early) this.early.push(bytes);
    else this.receive(bytes);
  };
  private readonly socketClosed = (): void => this.fireClose();

  constructor(private readonly socket: MessageSocket) {
    super();
    socket.on('message', this.frameReceived);
    socket.on('close', this.socketClosed);
  }

  listen(callback: DataCallback): Disposable {
    if (this.callback) throw new Error('WebSocketMessageReader: listen() may be called only once');
    this.callback = callback;
    const early = this.early ?? [];
    this.early = undefined;
    for (const bytes of early) this.receive(bytes);
    return Disposable.create(() => {
      this.callback = undefined;
      this.socket.off('message', this.frameReceived);
      this.socket.off('close', this.socketClosed);
    });
  }

  /** Delivers nothing more: the transport has ended (a protocol error, a lost heartbeat, close). */
  stop(): void {
    this.stopped = true;
    this.early = undefined;
  }

  /** Delivers one text frame's message. */
  private receive(bytes: Buffer): void {
    const text = bytes.toString('utf8');
    const message = parseMessage(text);
    if (message instanceof MalformedMessageError) {
      this.fireError(message);
      return;
    }
    const line = this.line;
    line.chunk++;
    line.text = text;
    line.end = text.length;
    line.bytes = bytes;
    this.callback?.(message);
    line.bytes = undefined;
  }
}

/** Writes each message as one text frame; fails once the socket is not open. */
export class WebSocketMessageWriter extends AbstractMessageWriter {
  constructor(private readonly socket: MessageSocket) {
    super();
    socket.on('close', () => this.fireClose());
  }

  write(msg: Message): Promise<void> {
    const { jsonrpc: _jsonrpc, ...rest } = msg as Message & Record<string, unknown>;
    return new Promise<void>((resolve, reject) => {
      // 1 is WebSocket.OPEN.
      if (this.socket.readyState !== 1) {
        const error = new Error('cannot write: the WebSocket is not open');
        this.fireError(error, msg, 1);
        reject(error);
        return;
      }
      this.socket.send(JSON.stringify(rest), (error) => {
        if (error) {
          this.fireError(error, msg, 1);
          reject(error);
        } else resolve();
      });
    });
  }

  end(): void {
    // The transport closes the socket.
  }
}
