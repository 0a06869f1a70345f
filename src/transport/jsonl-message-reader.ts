import type { Readable } from 'node:stream';
import { AbstractMessageReader, Disposable } from 'vscode-jsonrpc/node';
import type { DataCallback, Message } from 'vscode-jsonrpc/node';

/** A line from the peer that is not a JSON-RPC message; reported through the reader's `onError`. */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
  constructor(
    reason: string,
    /** The offending line, cut to 200 characters. */
    readonly line: string,
  ) {
    super(`${reason}: ${line.length > 200 ? `${line.slice(0, 200)}…` : line}`);
  }
}

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Reads newline-delimited JSON (one JSON-RPC message per `\n`-terminated line, no
 * `Content-Length` headers), as `codex app-server` speaks on stdio.
 *
 * Lines are split on raw bytes before decoding, so a multi-byte UTF-8 character split across
 * chunks decodes intact, and a long line arriving in many chunks is joined once, not re-copied
 * per chunk. Blank lines and `\r\n` endings are accepted. A malformed line is reported through
 * `onError` and skipped; the stream goes on.
 */
export class JsonlMessageReader extends AbstractMessageReader {
  private pending: Buffer[] = [];
  private callback: DataCallback | undefined;

  constructor(private readonly readable: Readable) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    if (this.callback) throw new Error('JsonlMessageReader: listen() may be called only once');
    this.callback = callback;
    const onData = (chunk: Buffer | string): void => this.onData(chunk);
    const onEnd = (): void => this.fireClose();
    const onError = (error: Error): void => this.fireError(error);
    this.readable.on('data', onData);
    this.readable.on('end', onEnd);
    this.readable.on('close', onEnd);
    this.readable.on('error', onError);
    return Disposable.create(() => {
      this.callback = undefined;
      this.readable.off('data', onData);
      this.readable.off('end', onEnd);
      this.readable.off('close', onEnd);
      this.readable.off('error', onError);
    });
  }

  private onData(input: Buffer | string): void {
    const chunk = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
    let start = 0;
    let newline = chunk.indexOf(NEWLINE, start);
    while (newline !== -1) {
      let line: Buffer;
      if (this.pending.length) {
        this.pending.push(chunk.subarray(start, newline));
        line = Buffer.concat(this.pending);
        this.pending = [];
      } else {
        line = chunk.subarray(start, newline);
      }
      this.deliver(line);
      // A callback may dispose the reader mid-chunk; the rest of the chunk is then not ours.
      if (!this.callback) return;
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
  }

  private deliver(raw: Buffer): void {
    let end = raw.length;
    if (end > 0 && raw[end - 1] === CR) end--;
    if (end === 0) return;
    const text = raw.toString('utf8', 0, end);
    if (text.trim() === '') return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch (error) {
      this.fireError(new MalformedMessageError(`invalid JSON (${(error as Error).message})`, text));
      return;
    }
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      this.fireError(new MalformedMessageError('not a JSON-RPC message object', text));
      return;
    }
    this.callback?.(message as Message);
  }
}
