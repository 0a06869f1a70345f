/**
 * A WebSocket server written on `node:net` alone: it answers the HTTP upgrade by hand, decodes
 * the client's (masked) frames, and writes whatever bytes a test gives it, so a test can send
 * exactly the frames it means (violations included) and keep TCP open as a hostile peer would.
 * No WebSocket library is involved on this side, so nothing reaches into one.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { frame } from './websocket-frame.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** One accepted connection, after the upgrade. */
export interface RawPeerConnection {
  readonly socket: Socket;
  /** Calls `listener` with each text message the client sends (parsed JSON). */
  onMessage(listener: (message: RawMessage) => void): void;
  /** Writes raw bytes (frames built with `frame()` from ./websocket-frame.js). */
  write(bytes: Buffer): void;
  /** Resolves when the client's side of TCP is gone (it ended or reset the connection). */
  readonly gone: Promise<void>;
  /** The client's upgrade request (request line and headers). */
  readonly request: string;
  /** Calls `listener` with each ping (0x9) and pong (0xa) the client sends. */
  onControl(listener: (opcode: number, payload: Buffer) => void): void;
  /** Whether pings are answered (from now on); they are by default. */
  ponging: boolean;
}

export interface RawMessage {
  id?: number | string;
  method?: string;
  params?: unknown;
}

export interface RawPeerOptions {
  /** Listen on this unix socket instead of 127.0.0.1. */
  socketPath?: string;
  /**
   * What to do with a connection: `'upgrade'` (default) answers the handshake; `'silent'` accepts
   * TCP, reads the request and never answers (a server that hangs in the upgrade).
   */
  mode?: () => 'upgrade' | 'silent';
  /**
   * On the client's close frame or end of input: `'end'` (default) ends TCP as a server should;
   * `'hold'` keeps it open and ignores the close (a half-open peer).
   */
  onClientClose?: 'end' | 'hold';
  /** Each upgraded connection. */
  onConnection?: (connection: RawPeerConnection) => void;
}

export interface RawPeer {
  /** `ws://127.0.0.1:PORT`, when on TCP. */
  readonly url: string | undefined;
  readonly socketPath: string | undefined;
  /** Every TCP connection accepted (upgraded or not), in order. */
  readonly accepted: Socket[];
  /** Resolves with the next TCP connection accepted from now on. */
  nextAccepted(): Promise<Socket>;
  close(): Promise<void>;
}

/** Starts a raw WebSocket peer on 127.0.0.1 (a free port) or on `options.socketPath`. */
export async function rawWebSocketPeer(options: RawPeerOptions = {}): Promise<RawPeer> {
  const accepted: Socket[] = [];
  const waiting: Array<(socket: Socket) => void> = [];
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    accepted.push(socket);
    for (const resolve of waiting.splice(0)) resolve(socket);
    socket.on('error', () => undefined);
    const mode = options.mode?.() ?? 'upgrade';
    // A silent server still notices its client leave.
    if (mode === 'silent') socket.once('end', () => socket.destroy());
    let head = Buffer.alloc(0);
    const onHead = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1 || mode === 'silent') return;
      socket.off('data', onHead);
      const request = head.subarray(0, end).toString('latin1');
      const key = /^sec-websocket-key:\s*(\S+)/im.exec(request)?.[1] ?? '';
      const accept = createHash('sha1')
        .update(key + GUID)
        .digest('base64');
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      upgraded(socket, request, head.subarray(end + 4), options);
    };
    socket.on('data', onHead);
  });
  await new Promise<void>((resolve) =>
    options.socketPath
      ? server.listen(options.socketPath, resolve)
      : server.listen(0, '127.0.0.1', resolve),
  );
  const url = options.socketPath
    ? undefined
    : `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    socketPath: options.socketPath,
    accepted,
    nextAccepted: () => new Promise<Socket>((resolve) => waiting.push(resolve)),
    close: async () => {
      for (const socket of accepted) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function upgraded(socket: Socket, request: string, rest: Buffer, options: RawPeerOptions): void {
  const listeners: Array<(message: RawMessage) => void> = [];
  const controls: Array<(opcode: number, payload: Buffer) => void> = [];
  const gone = new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.once('end', () => resolve());
  });
  const hold = options.onClientClose === 'hold';
  if (!hold) socket.once('end', () => socket.end());
  let buffered = rest;
  const decode = (): void => {
    for (;;) {
      const frame = clientFrame(buffered);
      if (!frame) return;
      buffered = buffered.subarray(frame.size);
      if (frame.opcode === 0x1) {
        const message = JSON.parse(frame.payload.toString('utf8')) as RawMessage;
        for (const listener of listeners) listener(message);
      } else if (frame.opcode === 0x9 || frame.opcode === 0xa) {
        for (const listener of controls) listener(frame.opcode, frame.payload);
        if (frame.opcode === 0x9 && connection.ponging) socket.write(pong(frame.payload));
      } else if (frame.opcode === 0x8 && !hold) {
        socket.end(Buffer.from([0x88, 0x00]));
      }
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    decode();
  });
  const connection: RawPeerConnection = {
    socket,
    onMessage: (listener) => listeners.push(listener),
    write: (bytes) => void socket.write(bytes),
    gone,
    request,
    onControl: (listener) => controls.push(listener),
    ponging: true,
  };
  options.onConnection?.(connection);
  if (buffered.length) setImmediate(decode);
}

function pong(payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x8a, payload.length]), payload]);
}

/** One whole client frame at the start of `bytes`, unmasked, or undefined if incomplete. */
function clientFrame(bytes: Buffer): { opcode: number; payload: Buffer; size: number } | undefined {
  if (bytes.length < 2) return undefined;
  const opcode = bytes[0]! & 0x0f;
  const masked = (bytes[1]! & 0x80) !== 0;
  let length = bytes[1]! & 0x7f;
  let at = 2;
  if (length === 126) {
    if (bytes.length < 4) return undefined;
    length = bytes.readUInt16BE(2);
    at = 4;
  } else if (length === 127) {
    if (bytes.length < 10) return undefined;
    length = Number(bytes.readBigUInt64BE(2));
    at = 10;
  }
  const mask = masked ? bytes.subarray(at, at + 4) : undefined;
  if (masked) at += 4;
  if (bytes.length < at + length) return undefined;
  const payload = Buffer.from(bytes.subarray(at, at + length));
  if (mask) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
  return { opcode, payload, size: at + length };
}

/**
 * Answers `initialize` like an app-server (and `initialized` needs no answer); `more` answers any
 * other request by its method (undefined: left unanswered, so it stays pending).
 */
export function answerHandshake(
  connection: RawPeerConnection,
  more: (message: RawMessage) => unknown = () => undefined,
): Promise<void> {
  return new Promise<void>((resolve) => {
    connection.onMessage((message) => {
      if (message.method === 'initialized') resolve();
      if (message.id === undefined) return;
      const result =
        message.method === 'initialize'
          ? {
              userAgent: 'raw-peer/0',
              codexHome: '/tmp',
              platformFamily: 'unix',
              platformOs: 'linux',
            }
          : more(message);
      if (result !== undefined)
        connection.write(frame(0x81, JSON.stringify({ id: message.id, result })));
    });
  });
}
