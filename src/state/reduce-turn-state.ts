import type { ServerRequest } from '../protocol/generated/ServerRequest.js';
import type { ThreadItem } from '../protocol/generated/v2/ThreadItem.js';
import type { Turn } from '../protocol/generated/v2/Turn.js';
import { finalResponseOf } from './final-response.js';
import { findItem, withItem } from './item-list.js';
import { INITIAL_TURN_STATE, isServerRequest, requestKey } from './turn-state.js';
import type { ItemState, PendingRequest, StateEvent, TurnState } from './turn-state.js';

type Of<M extends string> = Extract<StateEvent, { method: M }>;

/**
 * Folds one event into a turn's state: `reduceTurnState(state, event)` returns the next snapshot
 * (a new object whenever the event changed something, the same one otherwise). Events of other
 * turns, and methods it does not know, leave the state as it is. Pure: no I/O, no Node, no RxJS.
 */
export function reduceTurnState(
  state: TurnState = INITIAL_TURN_STATE,
  event: StateEvent,
): TurnState {
  // An ended turn is final: what still arrives for it (a replay, a late duplicate) changes nothing.
  if (state.status !== 'inProgress') return state;
  if (isServerRequest(event)) return addRequest(state, event);
  if (!belongs(state, event)) return state;
  switch (event.method) {
    case 'turn/started': {
      const { turn, threadId } = event.params;
      return { ...state, turnId: turn.id, threadId, startedAt: turn.startedAt ?? state.startedAt };
    }
    case 'turn/completed':
      return completeTurn(state, event);
    case 'item/started':
      return startItem(named(state, event.params), event.params.item);
    case 'item/completed':
      return completeItem(named(state, event.params), event.params.item);
    case 'item/agentMessage/delta':
      return updateItem(state, event.params, placeholder.agentMessage, (item) =>
        item.type === 'agentMessage' ? { ...item, text: item.text + event.params.delta } : item,
      );
    case 'item/plan/delta':
      return updateItem(state, event.params, placeholder.plan, (item) =>
        item.type === 'plan' ? { ...item, text: item.text + event.params.delta } : item,
      );
    case 'item/reasoning/summaryPartAdded':
      return updateItem(state, event.params, placeholder.reasoning, (item) =>
        item.type === 'reasoning'
          ? { ...item, summary: grow(item.summary, event.params.summaryIndex, '') }
          : item,
      );
    case 'item/reasoning/summaryTextDelta':
      return updateItem(state, event.params, placeholder.reasoning, (item) =>
        item.type === 'reasoning'
          ? { ...item, summary: grow(item.summary, event.params.summaryIndex, event.params.delta) }
          : item,
      );
    case 'item/reasoning/textDelta':
      return updateItem(state, event.params, placeholder.reasoning, (item) =>
        item.type === 'reasoning'
          ? { ...item, content: grow(item.content, event.params.contentIndex, event.params.delta) }
          : item,
      );
    case 'item/commandExecution/outputDelta':
      return updateItem(state, event.params, placeholder.commandExecution, (item) =>
        item.type === 'commandExecution'
          ? { ...item, output: item.output + event.params.delta }
          : item,
      );
    case 'item/fileChange/patchUpdated':
      return updateItem(state, event.params, placeholder.fileChange, (item) =>
        item.type === 'fileChange' ? { ...item, changes: event.params.changes } : item,
      );
    case 'item/mcpToolCall/progress':
      return updateItem(state, event.params, placeholder.mcpToolCall, (item) =>
        item.type === 'mcpToolCall'
          ? { ...item, progress: [...item.progress, event.params.message] }
          : item,
      );
    case 'turn/plan/updated':
      return {
        ...named(state, event.params),
        plan: { explanation: event.params.explanation, steps: event.params.plan },
      };
    case 'turn/diff/updated':
      return { ...named(state, event.params), diff: event.params.diff };
    case 'thread/tokenUsage/updated':
      return { ...named(state, event.params), usage: event.params.tokenUsage };
    case 'error':
      return event.params.willRetry
        ? { ...named(state, event.params), retrying: event.params.error }
        : { ...named(state, event.params), error: event.params.error, retrying: null };
    case 'serverRequest/resolved':
      return removeRequest(state, requestKey(event.params.requestId));
    default:
      return state;
  }
}

/**
 * The state of a turn the server already has: a `Turn` from `thread/read` (with turns),
 * `thread/turns/list` or `turn/completed`. Its items are completed (a running turn's items are
 * as the server reports them).
 */
export function turnStateFromTurn(turn: Turn, threadId: string | null = null): TurnState {
  let items: readonly ItemState[] = [];
  for (const item of turn.items) items = withItem(items, -1, liveItem(item, 'completed'));
  const ended = turn.status !== 'inProgress';
  return {
    ...INITIAL_TURN_STATE,
    turnId: turn.id,
    threadId,
    status: turn.status,
    items,
    error: turn.error,
    finalResponse: finalResponseOf(items, isCompleted),
    startedAt: turn.startedAt,
    completedAt: ended ? turn.completedAt : null,
    durationMs: ended ? turn.durationMs : null,
  };
}

/** Whether the event concerns this turn (or the state has no turn yet and takes the first one). */
function belongs(state: TurnState, event: StateEvent): boolean {
  const params = event.params as { turnId?: unknown; turn?: { id?: unknown } } | undefined;
  const turnId = params?.turnId ?? params?.turn?.id;
  return state.turnId === null || turnId === undefined || turnId === state.turnId;
}

/** The state with its ids filled in from an event that names them. */
function named(state: TurnState, params: { threadId: string; turnId: string }): TurnState {
  return state.turnId === null
    ? { ...state, turnId: params.turnId, threadId: params.threadId }
    : state;
}

function completeTurn(state: TurnState, event: Of<'turn/completed'>): TurnState {
  const { turn, threadId } = event.params;
  return {
    ...state,
    turnId: turn.id,
    threadId,
    status: turn.status === 'inProgress' ? 'completed' : turn.status,
    error: turn.error ?? state.error,
    retrying: null,
    // The server clears what is still waiting when a turn ends.
    pendingRequests: state.pendingRequests.length > 0 ? [] : state.pendingRequests,
    startedAt: turn.startedAt ?? state.startedAt,
    completedAt: turn.completedAt,
    durationMs: turn.durationMs,
  };
}

function startItem(state: TurnState, item: ThreadItem): TurnState {
  const i = findItem(state.items, item.id);
  const early = i === -1 ? undefined : state.items[i]!;
  // Deltas that came first are kept: the started item does not carry them yet.
  let next = liveItem(item, 'started');
  if (early && early.type === next.type)
    next = { ...next, ...streamedFields(early, next) } as ItemState;
  return progress({ ...state, items: withItem(state.items, i, next) });
}

function completeItem(state: TurnState, item: ThreadItem): TurnState {
  const i = findItem(state.items, item.id);
  const before = i === -1 ? undefined : state.items[i]!;
  let next = liveItem(item, 'completed');
  if (before && before.type === next.type)
    next = { ...next, ...streamedFields(before, next) } as ItemState;
  const items = withItem(state.items, i, next);
  const finalResponse =
    next.type === 'agentMessage' ? finalResponseOf(items, isCompleted) : state.finalResponse;
  return progress({ ...state, items, finalResponse });
}

/** What only the stream knows, carried from the item so far into the server's newer copy. */
function streamedFields(before: ItemState, next: ItemState): Partial<ItemState> {
  if (before.type === 'commandExecution' && next.type === 'commandExecution')
    return { output: next.aggregatedOutput ?? before.output };
  if (before.type === 'mcpToolCall') return { progress: before.progress };
  if (next.lifecycle === 'completed') return {};
  // Deltas folded before the server's copy was made are ahead of it: keep them.
  if (
    (before.type === 'agentMessage' || before.type === 'plan') &&
    (next.type === 'agentMessage' || next.type === 'plan') &&
    before.text.length > next.text.length &&
    before.text.startsWith(next.text)
  )
    return { text: before.text };
  if (before.type === 'reasoning' && next.type === 'reasoning')
    return {
      summary: before.summary.length >= next.summary.length ? before.summary : next.summary,
      content: before.content.length >= next.content.length ? before.content : next.content,
    };
  if (before.type === 'fileChange' && next.type === 'fileChange' && next.changes.length === 0)
    return { changes: before.changes };
  return {};
}

function updateItem(
  state: TurnState,
  params: { threadId: string; turnId: string; itemId: string },
  make: (id: string) => ItemState,
  change: (item: ItemState) => ItemState,
): TurnState {
  const named_ = named(state, params);
  const i = findItem(named_.items, params.itemId);
  const item = change(i === -1 ? make(params.itemId) : named_.items[i]!);
  return withItems(named_, withItem(named_.items, i, item));
}

/**
 * `state` with new items, and a retry notice over since the turn moved on. Spelled out rather
 * than spread: this runs for every delta, and a literal of known shape is several times cheaper.
 */
function withItems(state: TurnState, items: readonly ItemState[]): TurnState {
  return {
    turnId: state.turnId,
    threadId: state.threadId,
    status: state.status,
    items,
    pendingRequests: state.pendingRequests,
    plan: state.plan,
    diff: state.diff,
    usage: state.usage,
    error: state.error,
    retrying: null,
    finalResponse: state.finalResponse,
    startedAt: state.startedAt,
    completedAt: state.completedAt,
    durationMs: state.durationMs,
  };
}

/** A retry notice is over once the turn moves on. */
function progress(state: TurnState): TurnState {
  return state.retrying === null ? state : { ...state, retrying: null };
}

function addRequest(state: TurnState, request: ServerRequest): TurnState {
  const params = request.params as { turnId?: unknown; itemId?: unknown; callId?: unknown };
  if (state.turnId !== null && typeof params.turnId === 'string' && params.turnId !== state.turnId)
    return state;
  const key = requestKey(request.id);
  if (state.pendingRequests.some((pending) => requestKey(pending.id) === key)) return state;
  const itemId =
    typeof params.itemId === 'string'
      ? params.itemId
      : typeof params.callId === 'string'
        ? params.callId
        : null;
  const pending = { ...request, itemId } as PendingRequest;
  return { ...state, pendingRequests: [...state.pendingRequests, pending] };
}

function removeRequest(state: TurnState, key: string): TurnState {
  const i = state.pendingRequests.findIndex((pending) => requestKey(pending.id) === key);
  if (i === -1) return state;
  return { ...state, pendingRequests: state.pendingRequests.filter((_, j) => j !== i) };
}

/** `parts` with `delta` appended to part `index` (missing parts become ""). */
function grow(parts: readonly string[], index: number, delta: string): string[] {
  const next = parts.slice();
  while (next.length <= index) next.push('');
  next[index] = next[index]! + delta;
  return next;
}

/** The protocol item with the live fields its type has. */
export function liveItem(item: ThreadItem, lifecycle: ItemState['lifecycle']): ItemState {
  switch (item.type) {
    case 'commandExecution':
      return { ...item, output: item.aggregatedOutput ?? '', lifecycle };
    case 'mcpToolCall':
      return { ...item, progress: [], lifecycle };
    default:
      return { ...item, lifecycle };
  }
}

/**
 * Items known only from their deltas so far (a delta can come before `item/started`): the
 * protocol's shape with empty values, replaced field by field when the item starts.
 */
const placeholder = {
  agentMessage: (id: string): ItemState => ({
    type: 'agentMessage',
    id,
    text: '',
    phase: null,
    moderation: null,
    memoryCitation: null,
    delivery: null,
    questions: null,
    lifecycle: 'pending',
  }),
  plan: (id: string): ItemState => ({ type: 'plan', id, text: '', lifecycle: 'pending' }),
  reasoning: (id: string): ItemState => ({
    type: 'reasoning',
    id,
    summary: [],
    content: [],
    lifecycle: 'pending',
  }),
  commandExecution: (id: string): ItemState => ({
    type: 'commandExecution',
    id,
    pluginId: null,
    scriptPath: null,
    command: '',
    cwd: '',
    processId: null,
    source: 'agent',
    status: 'inProgress',
    commandActions: [],
    aggregatedOutput: null,
    exitCode: null,
    durationMs: null,
    output: '',
    lifecycle: 'pending',
  }),
  fileChange: (id: string): ItemState => ({
    type: 'fileChange',
    id,
    changes: [],
    status: 'inProgress',
    lifecycle: 'pending',
  }),
  mcpToolCall: (id: string): ItemState => ({
    type: 'mcpToolCall',
    id,
    server: '',
    environmentId: null,
    tool: '',
    status: 'inProgress',
    arguments: null,
    appContext: null,
    mcpAppUi: null,
    pluginId: null,
    readOnlyHint: null,
    result: null,
    error: null,
    durationMs: null,
    progress: [],
    lifecycle: 'pending',
  }),
};

const isCompleted = (item: ItemState): boolean => item.lifecycle === 'completed';
