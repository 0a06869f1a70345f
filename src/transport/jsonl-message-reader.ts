import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { AbstractMessageReader, Disposable } from 'vscode-jsonrpc/node';
import { MessageTooLargeError } from '../errors/message-too-large-error.js';
import type { WireLine } from './wire-line.js';
import type { DataCallback, Message } from 'vscode-jsonrpc/node';

/**
 * A line from the peer that is not a JSON-RPC message; reported through the reader's `onError`
 * (the connection logs it and skips the line). Not a `CodexError`: the connection treats reader
 * errors that are `CodexError`s as fatal.
 */
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

const OPEN_BRACE = 0x7b;

/**
 * One message's JSON text as a JSON-RPC message object, or the {@link MalformedMessageError} that
 * says why it is not one. Shared by the JSONL and WebSocket readers.
 */
export function parseMessage(text: string): Message | MalformedMessageError {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch (error) {
    return new MalformedMessageError(`invalid JSON (${(error as Error).message})`, text);
  }
  if (message === null || typeof message !== 'object' || Array.isArray(message))
    return new MalformedMessageError('not a JSON-RPC message object', text);
  return message as Message;
}

/**
 * The default bound on one message: far above the largest real message (the server's WebSocket
 * transport caps frames at 16 MiB) and far below what would exhaust a process's string limit.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const CR = 0x0d;

/**
 * Reads newline-delimited JSON (one JSON-RPC message per `\n`-terminated line, no
 * `Content-Length` headers), as `codex app-server` speaks on stdio.
 *
 * Each chunk is decoded once (a multi-byte UTF-8 character split across chunks decodes intact)
 * and lines are sliced out of the text. Blank lines and `\r\n` endings are accepted. A malformed
 * line is reported through `onError` and skipped; the stream goes on.
 */
export class JsonlMessageReader extends AbstractMessageReader {
  /** The unterminated tail of what has arrived (appends build a rope, so a long line is not re-copied). */
  private pending = '';
  /** Bytes of the unterminated tail (`pending.length` counts UTF-16 units, not bytes). */
  private pendingBytes = 0;
  private tooLarge = false;
  private readonly decoder = new StringDecoder('utf8');
  private callback: DataCallback | undefined;
  private readonly line = { chunk: 0, text: '', start: 0, end: 0 };
  /** Where the message being delivered sits in the decoded text (see {@link WireLine}). */
  readonly currentLine: WireLine = this.line;

  /**
   * @param maxMessageBytes - past this many bytes without a newline, the reader stops and fires
   *   a {@link MessageTooLargeError} through `onError` (default {@link DEFAULT_MAX_MESSAGE_BYTES}).
   */
  constructor(
    private readonly readable: Readable,
    private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
  ) {
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
    if (this.tooLarge) return;
    // The decoder holds back a multi-byte character split across chunks until it is whole.
    const text = typeof input === 'string' ? input : this.decoder.write(input);
    let newline = text.indexOf('\n');
    if (newline === -1) {
      this.pendingBytes += typeof input === 'string' ? Buffer.byteLength(input) : input.length;
      if (this.pendingBytes > this.maxMessageBytes) return this.overflow();
      this.pending += text;
      return;
    }
    if (this.pending) {
      const joined = this.pending + text.slice(0, newline);
      this.pending = '';
      this.pendingBytes = 0;
      this.line.chunk++;
      this.deliver(joined, 0, joined.length);
      this.line.chunk++;
    } else {
      this.line.chunk++;
      this.deliver(text, 0, newline);
    }
    for (;;) {
      // A callback may dispose the reader mid-chunk; the rest of the chunk is then not ours.
      if (!this.callback) return;
      const start = newline + 1;
      newline = text.indexOf('\n', start);
      if (newline === -1) {
        if (start < text.length) {
          this.pending = text.slice(start);
          this.pendingBytes = Buffer.byteLength(this.pending);
          if (this.pendingBytes > this.maxMessageBytes) this.overflow();
        }
        return;
      }
      this.deliver(text, start, newline);
    }
  }

  /** Gives up on the stream: nothing after an unbounded line can be trusted to be framed right. */
  private overflow(): void {
    this.tooLarge = true;
    this.pending = '';
    this.pendingBytes = 0;
    this.fireError(new MessageTooLargeError(this.maxMessageBytes));
  }

  private deliver(source: string, start: number, end: number): void {
    if (end > start && source.charCodeAt(end - 1) === CR) end--;
    const text = source.slice(start, end);
    // Every message starts with '{'; only other lines need the (allocating) blank-line check.
    if (text.charCodeAt(0) !== OPEN_BRACE && text.trim() === '') return;
    const message = parseMessage(text);
    if (message instanceof MalformedMessageError) {
      this.fireError(message);
      return;
    }
    const line = this.line;
    line.text = source;
    line.start = start;
    line.end = end;
    this.callback?.(message);
  }
}
