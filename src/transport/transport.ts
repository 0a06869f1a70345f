import type { Disposable, MessageReader, MessageWriter } from 'vscode-jsonrpc/node';
import type { CodexError } from '../errors/codex-error.js';

/**
 * A bidirectional message channel to one app-server. Stdio, WebSocket and in-memory test
 * transports are interchangeable behind this interface, in the manner of vscode-jsonrpc's
 * reader/writer pair: `writer.write` sends, `reader.listen` receives, and both report errors and
 * closure through their events.
 */
export interface Transport {
  /** Messages from the server. `listen` is called once, by the connection. */
  readonly reader: MessageReader;
  /** Messages to the server, in order. */
  readonly writer: MessageWriter;
  /** Opens the channel (spawns the process, connects the socket). Rejects with a clear error when it cannot. */
  start(): Promise<void>;
  /**
   * Ends the channel and releases everything it holds (processes, sockets, timers).
   * Resolves when the peer is gone. Idempotent.
   */
  close(): Promise<void>;
  /**
   * Fires once, after every message the peer sent has been delivered to the reader, when the
   * channel has ended: with no argument after `close()`, with an error when it ended on its own
   * (the process exited, the socket dropped).
   */
  onClose(listener: (error: CodexError | undefined) => void): Disposable;
  /** A short description for messages: `codex app-server (pid 1234)`. */
  describe(): string;
}
