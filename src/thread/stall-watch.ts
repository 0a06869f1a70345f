import { TimeoutError } from '../errors/timeout-error.js';
import { checkRequestTimeoutMs } from '../timer-ms.js';
import type { TurnEvent } from './turn-event.js';

/** How many of the server's recent `error` notifications a stall error carries. */
const KEPT_ERRORS = 10;

/**
 * `turnStallTimeoutMs`: notices a running turn that sends no progress for that long. One timer,
 * re-armed for the time left (no per-event timers); the server's `error` notifications (retry
 * reports, mostly) are not progress, and the stall error carries the last few of them.
 */
export class StallWatch {
  private timer: NodeJS.Timeout | undefined;
  private lastProgressAt = 0;
  private readonly serverErrors: unknown[] = [];
  /** The stall error, once the turn has stalled: the turn ends with it. */
  stalled: TimeoutError | undefined;

  /**
   * @param ms the turn's `turnStallTimeoutMs`, else the client's; off when undefined.
   * @param field the option `ms` came from, named when it is invalid.
   * @param method what an invalid value is reported under (the method that starts the turn).
   */
  constructor(
    private readonly ms: number | undefined,
    field: string,
    method: string,
  ) {
    // Bounded by the longest Node timer: a longer one fires at once, and re-arming for the time
    // left would then spin once a millisecond for the whole turn.
    checkRequestTimeoutMs(field, ms, method);
  }

  /** Notes an event of the turn. */
  saw(event: TurnEvent): void {
    if (event.method === 'error') {
      // A retry report is not progress: it must not hold off the stall timeout.
      this.serverErrors.push(event.params);
      if (this.serverErrors.length > KEPT_ERRORS) this.serverErrors.shift();
    } else if (this.ms !== undefined) {
      this.lastProgressAt = Date.now();
    }
  }

  /** Starts watching turn `turnId`; `onStall` is called once, with the error, if it stalls. */
  start(turnId: string, onStall: (error: TimeoutError) => void): void {
    const ms = this.ms;
    if (ms === undefined) return;
    this.lastProgressAt = Date.now();
    const check = (): void => {
      this.timer = undefined;
      if (this.stalled) return;
      const idle = Date.now() - this.lastProgressAt;
      if (idle < ms) {
        this.timer = setTimeout(check, ms - idle);
        return;
      }
      this.stalled = new TimeoutError('turn', ms, {
        message: `turn ${turnId} sent no progress for ${ms} ms; it was interrupted`,
        code: 'turn_stalled',
        data: { turnId, errors: [...this.serverErrors] },
      });
      onStall(this.stalled);
    };
    this.timer = setTimeout(check, ms);
  }

  /** Stops watching (the turn has ended). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
