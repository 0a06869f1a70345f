import type { Writable } from 'node:stream';
import { AbstractMessageWriter } from 'vscode-jsonrpc/node';
import type { Message } from 'vscode-jsonrpc/node';

/** Raised when a message cannot be written because the peer's input is gone. */
export class WriteClosedError extends Error {
  override readonly name = 'WriteClosedError';
}

/**
 * Writes one JSON object per line. The `"jsonrpc": "2.0"` member is left off: the app-server
 * neither sends nor needs it. Writes are serialised and wait for `drain` when the stream's buffer
 * is full, so a burst of requests does not pile up unbounded in memory.
 */
export class JsonlMessageWriter extends AbstractMessageWriter {
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly writable: Writable) {
    super();
    const onClose = (): void => {
      if (this.closed) return;
      this.closed = true;
      this.fireClose();
    };
    writable.on('close', onClose);
    writable.on('error', (error) => {
      this.fireError(error);
      onClose();
    });
  }

  write(msg: Message): Promise<void> {
    const { jsonrpc: _jsonrpc, ...rest } = msg as Message & Record<string, unknown>;
    const line = `${JSON.stringify(rest)}\n`;
    const result = this.tail.then(() => this.writeLine(line));
    // Keep the queue going after a failed write; the caller still sees the failure.
    this.tail = result.catch(() => undefined);
    result.catch((error: unknown) => this.fireError(error, msg, 1));
    return result;
  }

  private writeLine(line: string): Promise<void> {
    if (this.closed || this.writable.destroyed || this.writable.writableEnded) {
      return Promise.reject(new WriteClosedError('cannot write: the peer input stream is closed'));
    }
    if (this.writable.write(line)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.writable.off('drain', onDrain);
        this.writable.off('close', onClose);
      };
      const onDrain = (): void => {
        done();
        resolve();
      };
      const onClose = (): void => {
        done();
        reject(new WriteClosedError('the peer input stream closed before the message was flushed'));
      };
      this.writable.on('drain', onDrain);
      this.writable.on('close', onClose);
    });
  }

  end(): void {
    if (!this.writable.writableEnded) this.writable.end();
  }
}
