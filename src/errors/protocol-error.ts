import { CodexError } from './codex-error.js';

/**
 * The server sent a message the SDK cannot use: a notification whose fields the SDK must read
 * are missing or of the wrong type. The turn it belongs to fails with this error; `data` holds
 * `{ problem }`.
 */
export class ProtocolError extends CodexError {
  override name = 'ProtocolError';
  declare readonly method: string;
  constructor(
    method: string,
    /** What is wrong with the message, e.g. `params.item is not an object`. */
    readonly problem: string,
  ) {
    super(`the server sent a malformed ${method}: ${problem}`, {
      method,
      code: 'protocol_error',
      data: { problem },
    });
  }
}
