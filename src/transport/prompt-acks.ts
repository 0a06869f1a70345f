/** The part of a `ws` WebSocket that {@link promptAcks} uses. */
export interface AckSocket {
  readonly readyState: number;
  /** Bytes queued for sending that the kernel has not taken yet. */
  readonly bufferedAmount: number;
  on(event: 'message', listener: () => void): unknown;
  pong(): void;
}

/** `WebSocket.OPEN`. */
const OPEN = 1;

/**
 * Over TCP, has the client acknowledge what the server sends without waiting for its delayed-ACK
 * timer. `codex app-server` (0.171.0) does not set `TCP_NODELAY` on the connections it accepts
 * (strace: no `setsockopt` on the accepted socket), so a small frame it writes while an earlier
 * one is still unacknowledged is held until the client's ACK, which Linux delays by about 40 ms
 * when the client has nothing to send: a 20-turn conversation over 127.0.0.1 took 1.6× as long
 * as over stdio (`npm run bench`, transports). Node cannot set `TCP_QUICKACK`, but an ACK rides
 * on any data the client sends, so after each event-loop turn in which messages arrived the
 * client sends one unsolicited pong (RFC 6455 §5.5.3: allowed, and no reply is expected): six
 * bytes, at most one per turn of the loop (a 64 KiB read of 350 deltas costs one). None while
 * earlier bytes still wait to be sent: those carry the ACK, and a peer that stops reading must
 * not make pongs pile up in memory.
 */
export function promptAcks(socket: AckSocket): void {
  let scheduled = false;
  const ack = (): void => {
    scheduled = false;
    if (socket.readyState === OPEN && socket.bufferedAmount === 0) socket.pong();
  };
  socket.on('message', () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(ack);
  });
}
