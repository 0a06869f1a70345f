import type { Subscription } from 'rxjs';
import type { DynamicToolResult } from '../../requests/dynamic-tool.js';
import { INITIAL_TURN_STATE } from '../../state/turn-state.js';
import type { TurnState } from '../../state/turn-state.js';
import { toTurnState } from '../../state/to-turn-state.js';
import type { Thread } from '../../thread/thread.js';
import type { TurnObservable } from '../../thread/turn-observable.js';
import { UIChunkWriter } from '../ui-chunk-writer.js';

/** A call of one of the caller's tools, waiting for the AI SDK to run it. */
export interface CallerToolCall {
  readonly callId: string;
  readonly toolName: string;
  readonly args: unknown;
}

/** What a turn tells the step that reads it, in order. */
export type RunEvent =
  | { type: 'state'; state: TurnState }
  | { type: 'tool'; call: CallerToolCall }
  | { type: 'error'; error: unknown }
  | { type: 'end' };

/**
 * One Codex turn, which may span several calls of the model: a call ends its step when the agent
 * calls one of the caller's tools, and the turn waits, parked, for the next call to bring the
 * result. The turn's events are buffered here between the calls, so a step reads them in order
 * and nothing is lost while the AI SDK runs the tool.
 */
export class TurnRun {
  /** The latest snapshot. */
  state: TurnState = INITIAL_TURN_STATE;
  /** One writer for the whole turn, so a later step sends nothing twice. */
  readonly writer = new UIChunkWriter();
  private readonly queue: RunEvent[] = [];
  private wake: (() => void) | undefined;
  private readonly subscription: Subscription;
  private readonly waiting = new Map<
    string,
    { resolve: (result: DynamicToolResult) => void; toolName: string }
  >();
  private parkTimer: ReturnType<typeof setTimeout> | undefined;
  /** Whether the turn's stream has ended (its end is queued). */
  ended = false;

  constructor(
    readonly thread: Thread,
    private readonly turn: TurnObservable,
    private readonly onEnd: (run: TurnRun) => void,
  ) {
    this.subscription = turn.pipe(toTurnState()).subscribe({
      next: (state) => {
        this.state = state;
        this.push({ type: 'state', state });
      },
      error: (error: unknown) => this.finish({ type: 'error', error }),
      complete: () => this.finish({ type: 'end' }),
    });
  }

  /** The bridge a caller tool's `execute` calls: queue the call, wait for its result. */
  called(call: CallerToolCall): Promise<DynamicToolResult> {
    if (this.ended) return Promise.resolve(closedResult);
    return new Promise((resolve) => {
      this.waiting.set(call.callId, { resolve, toolName: call.toolName });
      this.push({ type: 'tool', call });
    });
  }

  /** The caller tool calls still waiting for a result. */
  get waitingCalls(): string[] {
    return [...this.waiting.keys()];
  }

  /** Answers a waiting call; false when it waits no more. */
  answer(callId: string, result: DynamicToolResult): boolean {
    const waiting = this.waiting.get(callId);
    if (!waiting) return false;
    this.waiting.delete(callId);
    waiting.resolve(result);
    return true;
  }

  /** Parks the turn: if no call brings the tool results within `ms`, fail the calls and interrupt. */
  park(ms: number): void {
    this.unpark();
    this.parkTimer = setTimeout(() => {
      this.failWaiting('No result came back for this tool call in time.');
      void this.interrupt();
    }, ms);
    this.parkTimer.unref?.();
  }

  unpark(): void {
    if (this.parkTimer !== undefined) clearTimeout(this.parkTimer);
    this.parkTimer = undefined;
  }

  /** The next event, waiting for one. */
  async next(): Promise<RunEvent> {
    while (this.queue.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
    return this.queue.shift()!;
  }

  /** Takes the events already queued, without waiting. */
  peek(): RunEvent | undefined {
    return this.queue[0];
  }

  /** Interrupts the turn; its stream then ends with the interrupted state. */
  async interrupt(): Promise<void> {
    this.failWaiting('The turn was interrupted.');
    if (this.ended) return;
    try {
      await this.turn.interrupt();
    } catch {
      // The turn may have ended meanwhile, or the client closed: either way it ends.
    }
  }

  /** Leaves the turn at once: unsubscribing interrupts a turn still running. */
  dispose(error: unknown): void {
    this.failWaiting('The provider was closed.');
    this.subscription.unsubscribe();
    this.finish({ type: 'error', error });
  }

  private failWaiting(message: string): void {
    for (const [callId, waiting] of this.waiting) {
      this.waiting.delete(callId);
      waiting.resolve({ contentItems: [{ type: 'inputText', text: message }], success: false });
    }
  }

  private finish(event: RunEvent): void {
    if (this.ended) return;
    this.ended = true;
    this.unpark();
    this.failWaiting('The turn ended.');
    this.push(event);
    this.onEnd(this);
  }

  private push(event: RunEvent): void {
    this.queue.push(event);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

const closedResult: DynamicToolResult = {
  contentItems: [{ type: 'inputText', text: 'The turn has ended.' }],
  success: false,
};
