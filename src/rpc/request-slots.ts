/**
 * A FIFO limit on requests in flight. The app-server queues at most 128 incoming messages; past
 * that it answers `-32001`, and when its output queue is also full it drops even that answer, so
 * the request would wait forever. Keeping our own requests below the limit avoids both.
 */
export class RequestSlots {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  private closed = false;

  constructor(readonly capacity: number) {
    this.free = capacity;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Takes a slot now if one is free; otherwise queues `onSlot` and returns false. */
  tryAcquire(onSlot: () => void): boolean {
    if (this.free > 0) {
      this.free--;
      return true;
    }
    this.waiting.push(onSlot);
    return false;
  }

  /** Gives up a queued wait (timed out, aborted, closed). */
  cancel(onSlot: () => void): void {
    const index = this.waiting.indexOf(onSlot);
    if (index !== -1) this.waiting.splice(index, 1);
  }

  /** Returns a slot, handing it straight to the next waiter if there is one. */
  release(): void {
    const next = this.closed ? undefined : this.waiting.shift();
    if (next) next();
    else this.free++;
  }

  /**
   * The connection ended: no waiter is ever handed a slot again (each is failed by its owner), so
   * failing the requests in flight cannot start sending queued ones.
   */
  close(): void {
    this.closed = true;
    this.waiting.length = 0;
  }
}
