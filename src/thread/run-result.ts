import type { ThreadGoal } from '../protocol/generated/v2/ThreadGoal.js';
import type { ThreadItem } from '../protocol/generated/v2/ThreadItem.js';
import type { ThreadTokenUsage } from '../protocol/generated/v2/ThreadTokenUsage.js';
import type { TurnError } from '../protocol/generated/v2/TurnError.js';

/** What a finished turn produced. `thread.run()` resolves with it. */
export interface RunResult<T = unknown> {
  /** The turn id. */
  readonly id: string;
  readonly threadId: string;
  readonly status: 'completed' | 'interrupted' | 'failed';
  /** The server's error for a failed turn, else null. */
  readonly error: TurnError | null;
  /** Unix seconds, from `turn/completed`. */
  readonly startedAt: number | null;
  readonly completedAt: number | null;
  readonly durationMs: number | null;
  /**
   * The text of the last completed `agentMessage` whose `phase` is `final_answer`; failing that,
   * the last one whose phase is null; else null. Commentary never counts; an empty message is `""`.
   */
  readonly finalResponse: string | null;
  /** With `outputSchema`: `finalResponse` parsed as JSON (undefined when there is no final response). */
  readonly parsedResponse?: T;
  /** Every item completed in the turn, in completion order. */
  readonly items: readonly ThreadItem[];
  /** The turn's last `thread/tokenUsage/updated`, or null (a goal turn: `last` is the usage of all its turns). */
  readonly usage: ThreadTokenUsage | null;
  /** A goal turn: the goal as the server last reported it. */
  readonly goal?: ThreadGoal;
  /** A goal turn: the ids of the turns the server ran for it, in order (`id` is the first). */
  readonly turnIds?: readonly string[];
}
