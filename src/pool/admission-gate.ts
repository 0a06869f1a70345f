/** The release of an admitted turn; a no-op for a turn let through to a member that is down. */
type Release = () => void;
const noop: Release = () => undefined;

/**
 * One member's turn slots: at most `max` admitted turns, the rest in a FIFO queue. While the
 * member is down every turn is let through at once, so its `turn/start` fails with the member's
 * own typed error instead of waiting for a server that is gone.
 */
export class AdmissionGate {
  private active = 0;
  private readonly queue: Array<(release: Release) => void> = [];
  /** Bumped at each loss: releases from before it no longer count. */
  private epoch = 0;
  private up = false;

  constructor(
    private readonly max: number,
    private readonly changed: () => void,
  ) {}

  get activeTurns(): number {
    return this.active;
  }

  get queuedTurns(): number {
    return this.queue.length;
  }

  admit(): Promise<Release> {
    if (!this.up) return Promise.resolve(noop);
    if (this.active < this.max) return Promise.resolve(this.grant());
    return new Promise<Release>((resolve) => {
      this.queue.push(resolve);
      this.changed();
    });
  }

  /** The member can run turns (again). */
  open(): void {
    this.up = true;
    this.changed();
  }

  /** The member is lost or closing: its turns ended with it, and the queue goes through to fail. */
  shut(): void {
    this.up = false;
    this.epoch++;
    this.active = 0;
    for (const resolve of this.queue.splice(0)) resolve(noop);
    this.changed();
  }

  private grant(): Release {
    this.active++;
    const epoch = this.epoch;
    this.changed();
    return () => {
      if (epoch !== this.epoch) return;
      this.active--;
      while (this.active < this.max && this.queue.length > 0) this.queue.shift()!(this.grant());
      this.changed();
    };
  }
}
