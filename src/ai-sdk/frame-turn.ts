import { Observable } from 'rxjs';
import type { UIMessageChunk } from 'ai';
import type { TurnState } from '../state/turn-state.js';
import type { UIChunkWriter } from './ui-chunk-writer.js';

/** How {@link frameTurn} frames one HTTP response's worth of a turn. */
export interface FrameOptions {
  /** The assistant message's id in `start` (a continuation repeats the message's id). */
  messageId?: string | undefined;
  /** The snapshot to start from, sent first if the writer has not seen it. */
  latest?: TurnState | undefined;
  /**
   * End the response (`finish`) while an approval waits for the user: the AI SDK client then
   * sends the answer in its next request, which continues the same message.
   */
  pauseOnApproval?: boolean;
  /** Called when the subscriber leaves before the turn ended or paused (the client went away). */
  onCancel?: () => void;
}

/**
 * One UI message stream response over a turn's snapshots: `start`, `start-step`, the writer's
 * chunks, then `finish-step` and `finish` (completed, or paused for an approval), `abort`
 * (interrupted), or `error` and `finish` (failed).
 */
export function frameTurn(
  states$: Observable<TurnState>,
  writer: UIChunkWriter,
  options: FrameOptions = {},
): Observable<UIMessageChunk> {
  return new Observable<UIMessageChunk>((subscriber) => {
    let ended = false;
    const emit = (chunks: readonly UIMessageChunk[]): void => {
      for (const chunk of chunks) subscriber.next(chunk);
    };
    const end = (last: UIMessageChunk[]): void => {
      ended = true;
      const closing: UIMessageChunk[] = [];
      writer.closeParts(closing);
      emit([...closing, { type: 'finish-step' }, ...last]);
      subscriber.complete();
    };
    const onState = (state: TurnState): void => {
      emit(writer.chunks(state));
      if (state.status === 'failed')
        end([
          { type: 'error', errorText: state.error?.message ?? 'the turn failed' },
          { type: 'finish', finishReason: 'error' },
        ]);
      else if (state.status === 'interrupted') end([{ type: 'abort', reason: 'interrupted' }]);
      else if (state.status === 'completed') end([{ type: 'finish', finishReason: 'stop' }]);
      else if (options.pauseOnApproval && writer.awaitingApproval)
        end([{ type: 'finish', finishReason: 'tool-calls' }]);
    };
    emit([
      {
        type: 'start',
        ...(options.messageId !== undefined ? { messageId: options.messageId } : {}),
      },
      { type: 'start-step' },
    ]);
    if (options.latest) onState(options.latest);
    if (ended) return;
    const subscription = states$.subscribe({
      next: (state) => {
        if (!ended) onState(state);
      },
      error: (error: unknown) => {
        if (ended) return;
        end([
          { type: 'error', errorText: (error as Error)?.message ?? String(error) },
          { type: 'finish', finishReason: 'error' },
        ]);
      },
      // A stream that ends without the turn's end (a plain event source) finishes as it is.
      complete: () => {
        if (!ended) end([{ type: 'finish', finishReason: 'stop' }]);
      },
    });
    return () => {
      subscription.unsubscribe();
      if (!ended) options.onCancel?.();
    };
  });
}
