import { CodexError } from '../errors/codex-error.js';
import { JsonRpcError, JsonRpcErrorCode } from '../errors/json-rpc-error.js';

/**
 * How often a steer or interrupt refused with "no active turn" is sent again. The server answers
 * `turn/start` before the turn is active and refuses `turn/interrupt` until then (0.169.0 takes
 * a steer); an interrupt waits for `turn/started`, and these retries cover a server that reports
 * the turn a moment before it accepts either.
 */
const NOT_ACTIVE_RETRIES = 8;
const NOT_ACTIVE_RETRY_MS = 25;
/** How long an interrupt waits for `turn/started` before it is sent regardless. */
const ACTIVE_WAIT_MS = 10_000;

function isNotActive(error: unknown): boolean {
  return (
    error instanceof JsonRpcError &&
    error.code === JsonRpcErrorCode.InvalidRequest &&
    /no active turn/i.test(error.serverMessage)
  );
}

/**
 * Whether the server has the turn active yet, and sending it a steer or an interrupt when it
 * will take them: an interrupt once the server reports the turn active, a steer at once; a "no
 * active turn" refusal while the turn runs is sent again once it is active, a few times.
 */
export class TurnActivity {
  private readonly active: Promise<void>;
  private resolveActive!: () => void;
  private isActive = false;

  /** @param ended whether the turn has ended (then nothing more is sent). */
  constructor(private readonly ended: () => boolean) {
    this.active = new Promise<void>((resolve) => (this.resolveActive = resolve));
  }

  /** The server has the turn running (or it ended): what waits for that may go. */
  markActive(): void {
    if (this.isActive) return;
    this.isActive = true;
    this.resolveActive();
  }

  /**
   * Sends `send` when the server will take it. If the turn ends first, an interrupt resolves
   * unsent and a steer rejects (code `turn_ended`).
   */
  async send(method: 'turn/steer' | 'turn/interrupt', send: () => Promise<unknown>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      // The server (0.169.0) takes a steer before `turn/started` but refuses an interrupt.
      if (method === 'turn/interrupt' || attempt > 0) await this.activeOrTimeout();
      if (this.ended()) {
        if (method === 'turn/steer')
          throw new CodexError('turn/steer: the turn has ended', { code: 'turn_ended', method });
        return;
      }
      try {
        await send();
        return;
      } catch (error) {
        if (!isNotActive(error) || attempt >= NOT_ACTIVE_RETRIES || this.ended()) throw error;
        await new Promise((resolve) => setTimeout(resolve, NOT_ACTIVE_RETRY_MS * (attempt + 1)));
      }
    }
  }

  /** Active, or after {@link ACTIVE_WAIT_MS} (a server that never reports it is then asked anyway). */
  private activeOrTimeout(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      this.active,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ACTIVE_WAIT_MS))),
    ]).finally(() => clearTimeout(timer));
  }
}
