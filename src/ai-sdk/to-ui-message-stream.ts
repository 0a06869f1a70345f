import type { OperatorFunction } from 'rxjs';
import type { UIMessageChunk } from 'ai';
import { toTurnState } from '../state/to-turn-state.js';
import type { StateEvent } from '../state/state-event.js';
import { frameTurn } from './frame-turn.js';
import { UIChunkWriter } from './ui-chunk-writer.js';

/** Options of {@link toUIMessageStream}. */
export interface ToUIMessageStreamOptions {
  /** The assistant message's id in the `start` chunk (default: the AI SDK client picks one). */
  messageId?: string;
}

/**
 * Maps a turn's events onto the AI SDK's UI message stream: `start`, `start-step`, the turn's
 * text, reasoning, tool and data parts as they change (see {@link UIChunkWriter}), then
 * `finish-step` and `finish` (completed), `abort` (interrupted) or `error` + `finish` (failed).
 * Over a `thread.turn()` its approvals become `tool-approval-request` chunks; answering them in
 * the browser needs a server that keeps the turn between requests: {@link CodexChat}.
 *
 * ```ts
 * const chunks$ = thread.turn(prompt).pipe(toUIMessageStream());
 * return toUIMessageStreamResponse(chunks$); // a Next.js route handler, Hono, …
 * ```
 */
export function toUIMessageStream(
  options: ToUIMessageStreamOptions = {},
): OperatorFunction<StateEvent, UIMessageChunk> {
  return (events$) =>
    frameTurn(events$.pipe(toTurnState()), new UIChunkWriter(), { messageId: options.messageId });
}
