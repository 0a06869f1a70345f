import type { ServerRequest } from '../protocol/generated/ServerRequest.js';
import type { ThreadItem } from '../protocol/generated/v2/ThreadItem.js';
import type { ThreadTokenUsage } from '../protocol/generated/v2/ThreadTokenUsage.js';
import type { TokenUsageBreakdown } from '../protocol/generated/v2/TokenUsageBreakdown.js';
import type { TurnError } from '../protocol/generated/v2/TurnError.js';
import type { TurnPlanStep } from '../protocol/generated/v2/TurnPlanStep.js';

/** Where an item is in its life: known only from deltas so far, started, or completed. */
export type ItemLifecycle = 'pending' | 'started' | 'completed';

/** Fields every {@link ItemState} has besides the protocol's own. */
export interface ItemLiveFields {
  /**
   * `pending` while only deltas have arrived (they can precede `item/started`), `started` after
   * `item/started`, `completed` after `item/completed` (the item is then the server's final one,
   * plus the live fields).
   */
  readonly lifecycle: ItemLifecycle;
}

type Live<I> = I extends { type: 'commandExecution' }
  ? I & {
      /** The command's output so far (stdout and stderr as streamed); the final `aggregatedOutput` once completed. */
      readonly output: string;
    }
  : I extends { type: 'mcpToolCall' }
    ? I & {
        /** The tool's progress messages, in order. */
        readonly progress: readonly string[];
      }
    : I;

/**
 * One item of a turn, as the UI shows it: the protocol's `ThreadItem` (discriminated by `type`,
 * with its field names: an agent message's `text` grows with each delta, a reasoning item's
 * `summary` and `content` parts too, a file change's `changes` follow `patchUpdated`), plus
 * {@link ItemLiveFields} and the fields the protocol only streams (`output` of a command,
 * `progress` of an MCP tool call).
 */
export type ItemState = Live<ThreadItem> & ItemLiveFields;

/** A server request waiting for an answer (an approval, a question, a tool call). */
export type PendingRequest = ServerRequest & {
  /** The item it concerns (`params.itemId`, or a tool call's `callId`), when it names one. */
  readonly itemId: string | null;
};

/** The turn's plan, from `turn/plan/updated`. */
export interface TurnPlan {
  readonly explanation: string | null;
  readonly steps: readonly TurnPlanStep[];
}

/** Where a turn is: running, or how it ended. */
export type TurnStateStatus = 'inProgress' | 'completed' | 'interrupted' | 'failed';

/**
 * One turn as a UI renders it: an immutable, JSON-serializable snapshot. Each event makes a new
 * root object; items the event did not touch keep their identity (`===`).
 */
export interface TurnState {
  /** The turn id, once an event has named it. */
  readonly turnId: string | null;
  readonly threadId: string | null;
  readonly status: TurnStateStatus;
  /** The turn's items in server order (the order of their first event). */
  readonly items: readonly ItemState[];
  /** Requests the server waits on, oldest first; gone at `serverRequest/resolved` or the turn's end. */
  readonly pendingRequests: readonly PendingRequest[];
  /** The latest plan, or null. */
  readonly plan: TurnPlan | null;
  /** The turn's latest aggregated unified diff, or null. */
  readonly diff: string | null;
  /** The latest token usage, or null: `total` is the thread's running total, `last` the latest model call's. */
  readonly usage: ThreadTokenUsage | null;
  /**
   * This turn's own tokens (every model call of the turn, not the thread's running total), or
   * null before its first usage report. Counted from the reports this fold saw: a fold that
   * joins a running turn midway counts from the first report it sees.
   */
  readonly turnUsage: TokenUsageBreakdown | null;
  /** The server's error: of a failed turn, or a non-retried `error` notification; else null. */
  readonly error: TurnError | null;
  /** The server's latest retry notice (an `error` it will retry), cleared by progress; else null. */
  readonly retrying: TurnError | null;
  /** The answer so far, by `RunResult.finalResponse`'s rule over the completed agent messages. */
  readonly finalResponse: string | null;
  /** Unix seconds, from `turn/started` / `turn/completed`. */
  readonly startedAt: number | null;
  readonly completedAt: number | null;
  readonly durationMs: number | null;
}

/** The state before any event. */
export const INITIAL_TURN_STATE: TurnState = Object.freeze({
  turnId: null,
  threadId: null,
  status: 'inProgress',
  items: Object.freeze([]),
  pendingRequests: Object.freeze([]),
  plan: null,
  diff: null,
  usage: null,
  turnUsage: null,
  error: null,
  retrying: null,
  finalResponse: null,
  startedAt: null,
  completedAt: null,
  durationMs: null,
});
