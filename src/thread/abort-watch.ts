import { CodexError } from '../errors/codex-error.js';
import type { FullLogger } from '../logger.js';

/** What an abort does to a turn. */
export interface Abortable {
  readonly ended: boolean;
  interrupt(): Promise<void>;
  /** Ends the turn's stream with `error`. */
  abort(error: Error): void;
}

/**
 * A turn's `signal`: aborted before the turn is sent, the turn never starts and its stream
 * errors (code `aborted`); aborted later, the turn is interrupted — and ends with an `aborted`
 * error even when the server cannot confirm the interrupt (hung, refusing).
 */
export class AbortWatch {
  private readonly onAbort = (): void => {
    if (this.turn.ended) return;
    this.turn.interrupt().catch((error: unknown) => {
      if (this.turn.ended) return;
      this.logger.warn(
        `codex-rx: interrupting the aborted turn failed (${(error as Error).message}); its stream ends with an 'aborted' error`,
      );
      this.turn.abort(
        new CodexError('turn aborted; the server did not confirm the interrupt', {
          code: 'aborted',
          method: 'turn/interrupt',
          cause: error,
        }),
      );
    });
  };

  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly turn: Abortable,
    private readonly logger: FullLogger,
  ) {}

  /**
   * Starts listening. Returns false, having ended the turn, when the signal is aborted already:
   * then nothing may be sent (`method` is what would have been).
   */
  start(method: string): boolean {
    const signal = this.signal;
    if (signal?.aborted) {
      this.turn.abort(
        new CodexError(`${method} aborted before it was sent`, {
          code: 'aborted',
          method,
          cause: signal.reason,
        }),
      );
      return false;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    return true;
  }

  /** Stops listening (the turn has ended). */
  stop(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}
