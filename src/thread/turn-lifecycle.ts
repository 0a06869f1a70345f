/** Where a turn is in its life. */
export type TurnPhase = 'new' | 'starting' | 'running' | 'ended';

/**
 * One turn's phase — new, starting, running, ended — and the promises that report it: the turn
 * id once the server has named it (rejected if the turn ends without one), and the end, however
 * it came (never rejected). Each step happens at most once; the end is final.
 */
export class TurnLifecycle {
  private current: TurnPhase = 'new';
  private turnId: string | undefined;
  private failure: Error | undefined;
  /** Resolves with the turn id; rejects with the failure if the turn ends unnamed. */
  readonly id: Promise<string>;
  /** Resolves when the turn has ended, however it ended. */
  readonly ended: Promise<void>;
  private resolveId!: (id: string) => void;
  private rejectId!: (error: Error) => void;
  private markEnded!: () => void;

  constructor() {
    this.id = new Promise<string>((resolve, reject) => {
      this.resolveId = resolve;
      this.rejectId = reject;
    });
    // A turn that never starts must not surface as an unhandled rejection.
    this.id.catch(() => undefined);
    this.ended = new Promise<void>((resolve) => (this.markEnded = resolve));
  }

  get phase(): TurnPhase {
    return this.current;
  }

  /** The turn id, if named yet. */
  get knownId(): string | undefined {
    return this.turnId;
  }

  /** What the turn failed with, if it did. */
  get failedWith(): Error | undefined {
    return this.failure;
  }

  starting(): void {
    this.current = 'starting';
  }

  /** The server has named the turn (or it joined the running one). */
  running(turnId: string): void {
    this.turnId = turnId;
    this.current = 'running';
    this.resolveId(turnId);
  }

  /**
   * Ends the turn, failed when `failure` is given. Returns false if it had ended already (then
   * nothing changes).
   */
  end(failure?: Error): boolean {
    if (this.current === 'ended') return false;
    this.current = 'ended';
    if (failure) {
      this.failure = failure;
      this.rejectId(failure);
    }
    this.markEnded();
    return true;
  }
}
