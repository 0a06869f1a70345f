import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import { TextFrameSplitter } from './text-frame-splitter.js';
import type { TextSink } from './text-frame-splitter.js';

/** What `ws` keeps on an open client socket (private fields of `ws` 8; checked with 8.23). */
interface WsInternals {
  _socket?: Socket;
  _receiver?: { write(chunk: Buffer): boolean };
}

/**
 * Puts a {@link TextFrameSplitter} between an open `ws` socket and its receiver: whole text
 * frames go to `onText` without `ws` seeing them, everything else to `ws` as before. Call it
 * from the `'open'` listener, before the first byte is read. Returns the splitter; or undefined,
 * having changed nothing, when an extension was negotiated (see the splitter) or `ws` does not
 * look as expected (another release): the connection then works through `ws` alone, only slower
 * (the real-server suite checks that the splitter is in place).
 */
export function readTextFramesAhead(
  websocket: WebSocket,
  onText: TextSink,
): TextFrameSplitter | undefined {
  if (websocket.extensions !== '') return undefined;
  const { _socket: socket, _receiver: receiver } = websocket as unknown as WsInternals;
  if (!socket || typeof receiver?.write !== 'function') return undefined;
  const listeners = socket.listeners('data');
  const ownListener = listeners[0];
  if (listeners.length !== 1 || ownListener?.name !== 'socketOnData') return undefined;
  // `ws` pauses the socket when its receiver is behind; without extensions the receiver reads
  // each write at once, so its backpressure signal is not needed (and a paused socket's
  // leftovers would reach the receiver past the splitter on close).
  const splitter = new TextFrameSplitter(onText, (bytes) => void receiver.write(bytes));
  socket.off('data', ownListener as (chunk: Buffer) => void);
  socket.on('data', (chunk: Buffer) => splitter.push(chunk));
  return splitter;
}
