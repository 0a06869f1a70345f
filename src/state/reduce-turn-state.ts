import type { ServerRequest } from '../protocol/generated/ServerRequest.js';
import type { ThreadItem } from '../protocol/generated/v2/ThreadItem.js';
import type { Turn } from '../protocol/generated/v2/Turn.js';
import { finalResponseOf } from './final-response.js';
import { findItem, withItem } from './item-list.js';
import { isTokenUsage, turnUsageAfter } from './turn-usage.js';
import { INITIAL_TURN_STATE } from './turn-state.js';
import { isServerRequest, requestKey } from './state-event.js';
import type { ItemState, PendingRequest, TurnState } from './turn-state.js';
import type { StateEvent } from './state-event.js';

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
  if (!isObject(event) || typeof event.method !== 'string') return state;
  // Params are checked field by field below; anything the checks missed (a hostile value deep in
  // an item) must still not escape a reducer a UI calls from its render loop.
  try {
    const next = fold(state, event);
    return next === state || unchanged(state, next) ? state : next;
  } catch {
    return state;
  }
}

function fold(state: TurnState, event: StateEvent): TurnState {
  if (event.params !== undefined && !isObject(event.params)) return state;
  if (isServerRequest(event)) return addRequest(state, event);
  if (!belongs(state, event)) return state;
  const p = (event.params ?? {}) as Record<string, unknown>;
  switch (event.method) {
    case 'turn/started': {
      if (!isTurn(p.turn) || !sameThread(state, p.threadId)) return state;
      const { turn, threadId } = event.params;
      return { ...state, turnId: turn.id, threadId, startedAt: turn.startedAt ?? state.startedAt };
    }
    case 'turn/completed':
      if (!isTurn(p.turn) || !sameThread(state, p.threadId)) return state;
      return completeTurn(state, event);
    case 'item/started':
      if (!ids(p) || !isItem(p.item)) return state;
      return startItem(named(state, event.params), event.params.item);
    case 'item/completed':
      if (!ids(p) || !isItem(p.item)) return state;
      return completeItem(named(state, event.params), event.params.item);
    case 'item/agentMessage/delta':
      if (!delta(p)) return state;
      return updateItem(state, event.params, placeholder.agentMessage, (item) =>
        item.type === 'agentMessage' ? { ...item, text: item.text + event.params.delta } : item,
      );
    case 'item/plan/delta':
      if (!delta(p)) return state;
      return updateItem(state, event.params, placeholder.plan, (item) =>
        item.type === 'plan' ? { ...item, text: item.text + event.params.delta } : item,
      );
    case 'item/reasoning/summaryPartAdded':
      if (!itemIds(p)) return state;
      return updateItem(state, event.params, placeholder.reasoning, (item) =>
        item.type === 'reasoning'
          ? withPart(item, 'summary', grow(item.summary, p.summaryIndex, ''))
          : item,
      );
    case 'item/reasoning/summaryTextDelta':
      if (!delta(p)) return state;
      return updateItem(state, event.params, placeholder.reasoning, (item) =>
        item.type === 'reasoning'
          ? withPart(item, 'summary', grow(item.summary, p.summaryIndex, event.params.delta))
          : item,
      );
    case 'item/reasoning/textDelta':
      if (!delta(p)) return state;
      return updateItem(state, event.params, placeholder.reasoning, (item) =>
        item.type === 'reasoning'
          ? withPart(item, 'content', grow(item.content, p.contentIndex, event.params.delta))
          : item,
      );
    case 'item/commandExecution/outputDelta':
      if (!delta(p)) return state;
      return updateItem(state, event.params, placeholder.commandExecution, (item) =>
        item.type === 'commandExecution'
          ? { ...item, output: item.output + event.params.delta }
          : item,
      );
    case 'item/fileChange/patchUpdated':
      if (!itemIds(p) || !Array.isArray(p.changes)) return state;
      return updateItem(state, event.params, placeholder.fileChange, (item) =>
        item.type === 'fileChange' && !same(item.changes, event.params.changes)
          ? { ...item, changes: event.params.changes }
          : item,
      );
    case 'item/mcpToolCall/progress':
      if (!itemIds(p) || typeof p.message !== 'string') return state;
      return updateItem(state, event.params, placeholder.mcpToolCall, (item) =>
        item.type === 'mcpToolCall'
          ? { ...item, progress: [...item.progress, event.params.message] }
          : item,
      );
    case 'turn/plan/updated': {
      if (!ids(p) || !Array.isArray(p.plan)) return state;
      const explanation = typeof p.explanation === 'string' ? p.explanation : null;
      const plan = { explanation, steps: event.params.plan };
      return same(plan, state.plan) ? state : { ...named(state, event.params), plan };
    }
    case 'turn/diff/updated':
      if (!ids(p) || typeof p.diff !== 'string' || p.diff === state.diff) return state;
      return { ...named(state, event.params), diff: event.params.diff };
    case 'thread/tokenUsage/updated':
      if (!ids(p) || !isTokenUsage(p.tokenUsage) || same(p.tokenUsage, state.usage)) return state;
      return {
        ...named(state, event.params),
        usage: event.params.tokenUsage,
        turnUsage: turnUsageAfter(state, event.params.tokenUsage),
      };
    case 'error': {
      if (!ids(p) || !isObject(p.error) || typeof p.error.message !== 'string') return state;
      const { error, willRetry } = event.params;
      if (willRetry === true)
        return same(error, state.retrying)
          ? state
          : { ...named(state, event.params), retrying: error };
      return same(error, state.error) && state.retrying === null
        ? state
        : { ...named(state, event.params), error, retrying: null };
    }
    case 'serverRequest/resolved':
      if (!isRequestId(p.requestId)) return state;
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
  // Read as defensively as events: an item the fold could not use is left out, not thrown on.
  const stored: unknown = turn.items;
  for (const item of Array.isArray(stored) ? stored : [])
    if (isItem(item)) items = withItem(items, -1, liveItem(item, 'completed'));
  const ended = turn.status !== 'inProgress';
  return {
    ...INITIAL_TURN_STATE,
    turnId: turn.id,
    threadId,
    status: turn.status,
    items,
    error: isObject(turn.error) ? turn.error : null,
    finalResponse: finalResponseOf(items, isCompleted),
    startedAt: typeof turn.startedAt === 'number' ? turn.startedAt : null,
    completedAt: ended && typeof turn.completedAt === 'number' ? turn.completedAt : null,
    durationMs: ended && typeof turn.durationMs === 'number' ? turn.durationMs : null,
  };
}

/** Whether a stored turn (of `thread/read`, `thread/turns/list`) has what a state is made of. */
export function isStoredTurn(value: unknown): value is Turn {
  return isObject(value) && typeof value.id === 'string' && typeof value.status === 'string';
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
    // A status newer than the pinned protocol still ends the turn.
    status: turn.status === 'failed' || turn.status === 'interrupted' ? turn.status : 'completed',
    error: isObject(turn.error) ? turn.error : state.error,
    retrying: null,
    // The server clears what is still waiting when a turn ends.
    pendingRequests: state.pendingRequests.length > 0 ? [] : state.pendingRequests,
    startedAt: turn.startedAt ?? state.startedAt,
    completedAt: typeof turn.completedAt === 'number' ? turn.completedAt : null,
    durationMs: typeof turn.durationMs === 'number' ? turn.durationMs : null,
  };
}

function startItem(state: TurnState, item: ThreadItem): TurnState {
  const i = findItem(state.items, item.id);
  const early = i === -1 ? undefined : state.items[i]!;
  // A late or replayed start does not reopen an item the server has completed.
  if (early?.lifecycle === 'completed') return state;
  // Deltas that came first are kept: the started item does not carry them yet.
  let next = liveItem(item, 'started');
  if (early && early.type === next.type)
    next = { ...next, ...streamedFields(early, next) } as ItemState;
  if (early && same(early, next)) return state;
  return progress({ ...state, items: withItem(state.items, i, next) });
}

function completeItem(state: TurnState, item: ThreadItem): TurnState {
  const i = findItem(state.items, item.id);
  const before = i === -1 ? undefined : state.items[i]!;
  let next = liveItem(item, 'completed');
  if (before && before.type === next.type)
    next = { ...next, ...streamedFields(before, next) } as ItemState;
  if (before && same(before, next)) return state;
  const items = withItem(state.items, i, next);
  // (Also when an agent message's id comes back as another type: it is no longer the answer.)
  const finalResponse =
    next.type === 'agentMessage' || before?.type === 'agentMessage'
      ? finalResponseOf(items, isCompleted)
      : state.finalResponse;
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
  const before = i === -1 ? make(params.itemId) : named_.items[i]!;
  // A completed item is exactly the server's: a late or replayed delta changes nothing.
  if (before.lifecycle === 'completed') return state;
  const item = change(before);
  // A delta for another kind of item, an empty delta, a bad index: nothing to show.
  if (item === before) return state;
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
    turnUsage: state.turnUsage,
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
  if (!isRequestId(request.id) || !isObject(request.params)) return state;
  const params = request.params as {
    threadId?: unknown;
    turnId?: unknown;
    itemId?: unknown;
    callId?: unknown;
  };
  if (state.turnId !== null && typeof params.turnId === 'string' && params.turnId !== state.turnId)
    return state;
  if (params.threadId !== undefined && !sameThread(state, params.threadId)) return state;
  const key = requestKey(request.id);
  // Bounded: a turn waits on a handful of requests; a flood of them must not grow the state
  // (nor make each event cost as much as every request before it).
  if (state.pendingRequests.length >= MAX_PENDING_REQUESTS) return state;
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

/** The most requests a turn state shows waiting at once; later ones are left out of it. */
export const MAX_PENDING_REQUESTS = 256;

/**
 * How far past the parts it has an index may point. The server adds parts one at a time; a gap
 * this small is tolerated (a lost `summaryPartAdded`), anything beyond is malformed: one event
 * with `summaryIndex: 1e8` must not allocate a hundred million parts.
 */
export const MAX_PART_GAP = 16;

/**
 * `parts` with `delta` appended to part `index` (missing parts become ""), or `parts` itself when
 * the index is not a usable one (negative, fractional, NaN, or too far past the end) or nothing
 * changes.
 */
function grow(parts: readonly string[], index: unknown, delta: string): readonly string[] {
  if (!isPartIndex(index, parts.length)) return parts;
  if (delta === '' && index < parts.length) return parts;
  const next = parts.slice();
  while (next.length <= index) next.push('');
  next[index] = next[index]! + delta;
  return next;
}

/** Whether `index` may address a part of a list of `length` parts (see {@link MAX_PART_GAP}). */
export function isPartIndex(index: unknown, length: number): index is number {
  return (
    Number.isInteger(index) && (index as number) >= 0 && (index as number) <= length + MAX_PART_GAP
  );
}

/** The reasoning item with new parts, or itself when they are the same list. */
function withPart(
  item: Extract<ItemState, { type: 'reasoning' }>,
  key: 'summary' | 'content',
  parts: readonly string[],
): ItemState {
  return parts === item[key] ? item : { ...item, [key]: parts };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const isRequestId = (value: unknown): value is string | number =>
  typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));

/** The ids every item event names. */
const ids = (p: Record<string, unknown>): boolean =>
  typeof p.threadId === 'string' && typeof p.turnId === 'string';

const itemIds = (p: Record<string, unknown>): boolean => ids(p) && typeof p.itemId === 'string';

const delta = (p: Record<string, unknown>): boolean =>
  itemIds(p) && typeof p.delta === 'string' && p.delta !== '';

/** A turn object with what the fold reads, each of its type (a time is a number or null). */
const isTurn = (value: unknown): boolean =>
  isStoredTurn(value) &&
  isTime(value.startedAt) &&
  isTime(value.completedAt) &&
  isTime(value.durationMs) &&
  (value.error === undefined ||
    value.error === null ||
    (isObject(value.error) && typeof value.error.message === 'string'));

const isTime = (value: unknown): boolean =>
  value === undefined || value === null || (typeof value === 'number' && Number.isFinite(value));

/** Whether `threadId` is a thread id, and this turn's thread if it has one already. */
const sameThread = (state: TurnState, threadId: unknown): threadId is string =>
  typeof threadId === 'string' && (state.threadId === null || threadId === state.threadId);

/**
 * Whether an item has what the fold reads of its type: a known type whose fields are missing or
 * of another type would otherwise turn into `"undefined…"` text or a throw in a later event.
 */
function isItem(value: unknown): value is ThreadItem {
  if (!isObject(value) || typeof value.id !== 'string' || typeof value.type !== 'string')
    return false;
  switch (value.type) {
    case 'agentMessage':
    case 'plan':
      return typeof value.text === 'string';
    case 'reasoning':
      return isStrings(value.summary) && isStrings(value.content);
    case 'commandExecution':
      return (
        value.aggregatedOutput === null ||
        value.aggregatedOutput === undefined ||
        typeof value.aggregatedOutput === 'string'
      );
    case 'fileChange':
      return Array.isArray(value.changes);
    case 'userMessage':
      return Array.isArray(value.content);
    default:
      return true;
  }
}

const isStrings = (value: unknown): boolean =>
  Array.isArray(value) && value.every((part) => typeof part === 'string');

/** Whether `next` shows nothing `state` did not: then the reducer returns `state` itself. */
function unchanged(state: TurnState, next: TurnState): boolean {
  return (
    next.turnId === state.turnId &&
    next.threadId === state.threadId &&
    next.status === state.status &&
    next.items === state.items &&
    next.pendingRequests === state.pendingRequests &&
    next.plan === state.plan &&
    next.diff === state.diff &&
    next.usage === state.usage &&
    next.turnUsage === state.turnUsage &&
    next.error === state.error &&
    next.retrying === state.retrying &&
    next.finalResponse === state.finalResponse &&
    next.startedAt === state.startedAt &&
    next.completedAt === state.completedAt &&
    next.durationMs === state.durationMs
  );
}

/** Structural equality of plain JSON data (what events and snapshots are made of). */
export function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka)
    if (!same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
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
