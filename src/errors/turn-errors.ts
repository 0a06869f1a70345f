import type { TurnError } from '../protocol/generated/v2/TurnError.js';
import { CodexError } from './codex-error.js';

/** A turn was asked for while another turn of the same thread is running or starting. */
export class TurnActiveError extends CodexError {
  override name = 'TurnActiveError';
  constructor(
    readonly threadId: string,
    /** The running turn's id, or a description when its id is not known. */
    readonly activeTurn: string,
  ) {
    super(
      `thread ${threadId} already has an active turn (${activeTurn}); steer it with turn.steer(), ` +
        `wait for it to end, or pass { ifActive: 'steer' }`,
      { method: 'turn/start', code: 'turn_active', data: { threadId, activeTurn } },
    );
  }
}

/** A turn ended with status `failed`. Carries the server's error and what the turn produced. */
export class TurnFailedError<R = unknown> extends CodexError {
  override name = 'TurnFailedError';
  constructor(
    /** The turn's error as the server reported it, or null. */
    readonly turnError: TurnError | null,
    /** The partial result: items completed and usage so far. */
    readonly result: R,
  ) {
    super(`turn failed: ${turnError?.message ?? 'no error message from the server'}`, {
      method: 'turn/start',
      code: 'turn_failed',
      data: turnError,
    });
  }
}

/** The final response of a turn with `outputSchema` was not valid JSON. */
export class OutputParseError extends CodexError {
  override name = 'OutputParseError';
  constructor(
    /** The text that failed to parse. */
    readonly text: string,
    cause: unknown,
  ) {
    super(
      `the final response is not valid JSON (${(cause as Error).message}): ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`,
      {
        code: 'output_parse',
        data: { text },
        cause,
      },
    );
  }
}
