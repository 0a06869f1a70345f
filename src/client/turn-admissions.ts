import type { CodexNotification } from '../protocol/methods.js';

/**
 * The releases of the turns `ConnectOptions.admitTurn` let through, by thread (a thread runs one
 * turn at a time): each is called exactly once, at the turn's `turn/completed`, a failed
 * `turn/start`, or the connection's end.
 */
export class TurnAdmissions {
  private readonly admitted = new Map<string, { turnId?: string; release: () => void }>();

  constructor(private readonly admit: (threadId: string) => Promise<() => void>) {}

  /** Waits for admission, sends `turn/start` with `send`, and keeps the release until the turn ends. */
  async start(threadId: string, send: () => Promise<unknown>): Promise<unknown> {
    const release = once(await this.admit(threadId));
    const entry: { turnId?: string; release: () => void } = { release };
    this.admitted.get(threadId)?.release();
    this.admitted.set(threadId, entry);
    try {
      const response = await send();
      const turnId = (response as { turn?: { id?: unknown } } | undefined)?.turn?.id;
      if (typeof turnId === 'string') entry.turnId = turnId;
      return response;
    } catch (error) {
      this.end(threadId, entry);
      throw error;
    }
  }

  /** Sees every notification: a `turn/completed` releases its thread's admitted turn. */
  observe(notification: CodexNotification): void {
    if (notification.method !== 'turn/completed') return;
    const entry = this.admitted.get(notification.params.threadId);
    // The completion may be routed before the turn/start answer names the turn: it is ours then.
    if (entry && (entry.turnId === undefined || entry.turnId === notification.params.turn.id))
      this.end(notification.params.threadId, entry);
  }

  /** The connection ended or was lost: every admitted turn has ended with it. */
  releaseAll(): void {
    const entries = [...this.admitted.values()];
    this.admitted.clear();
    for (const entry of entries) entry.release();
  }

  private end(threadId: string, entry: { release: () => void }): void {
    if (this.admitted.get(threadId) === entry) this.admitted.delete(threadId);
    entry.release();
  }
}

function once(release: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    release();
  };
}
