import { CodexError } from './codex-error.js';

/**
 * A message from the server grew past the transport's `maxMessageBytes` before its end arrived.
 * The connection cannot resynchronise with a peer that sends such lines, so it ends with this
 * error; `data` holds `{ limit }`.
 */
export class MessageTooLargeError extends CodexError {
  override name = 'MessageTooLargeError';
  constructor(
    /** The limit that was passed, in bytes of UTF-8 text. */
    readonly limit: number,
  ) {
    super(`the server sent a message larger than ${limit} bytes; the connection was closed`, {
      code: 'message_too_large',
      data: { limit },
    });
  }
}
