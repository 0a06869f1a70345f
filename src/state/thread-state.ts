import type { ServerRequest } from '../protocol/generated/ServerRequest.js';
import type { Thread as ThreadInfo } from '../protocol/generated/v2/Thread.js';
import type { ThreadStatus } from '../protocol/generated/v2/ThreadStatus.js';
import type { Turn } from '../protocol/generated/v2/Turn.js';
import { isStoredTurn, reduceTurnState, same, turnStateFromTurn } from './reduce-turn-state.js';
import { INITIAL_TURN_STATE } from './turn-state.js';
import { isServerRequest, requestKey } from './state-event.js';
import type { TurnState } from './turn-state.js';
import type { StateEvent } from './state-event.js';

/**
 * A thread as a UI renders it: its turns, oldest first, each a {@link TurnState}. Immutable and
 * JSON-serializable like `TurnState`: each event makes a new root, untouched turns and items keep
 * their identity.
 */
export interface ThreadState {
  readonly threadId: string | null;
  /** The thread's name, when it has one. */
  readonly name: string | null;
  /** The server's status of the thread (`idle`, `active`, …), when known. */
  readonly status: ThreadStatus | null;
  /** Its turns, oldest first: the history it was seeded with, then the live ones. */
  readonly turns: readonly TurnState[];
  /** The turn in progress, if any. */
  readonly activeTurnId: string | null;
}

/** A thread state with no turns. */
export const INITIAL_THREAD_STATE: ThreadState = Object.freeze({
  threadId: null,
  name: null,
  status: null,
  turns: Object.freeze([]),
  activeTurnId: null,
});

/**
 * The state of a thread the server already has: from `thread/read` with `includeTurns` (its
 * `thread`), from a `Thread` object's `info`, or from turns (`thread.turns({ sortDirection: 'asc',
 * itemsView: 'full' })`), oldest first.
 */
export function threadStateFrom(source: ThreadInfo | readonly Turn[]): ThreadState {
  const info = isTurnList(source) ? undefined : isObject(source) ? source : undefined;
  // Read as defensively as events: a turn that is not one is left out, not thrown on.
  const stored: unknown = isTurnList(source) ? source : info?.turns;
  const turns = Array.isArray(stored) ? stored.filter(isStoredTurn) : [];
  const threadId = typeof info?.id === 'string' ? info.id : null;
  const states = turns.map((turn) => turnStateFromTurn(turn, threadId));
  const active = states.findLast((turn) => turn.status === 'inProgress');
  return {
    threadId,
    name: typeof info?.name === 'string' ? info.name : null,
    status: isObject(info?.status) ? info.status : null,
    turns: states,
    activeTurnId: active?.turnId ?? null,
  };
}

function isTurnList(source: ThreadInfo | readonly Turn[]): source is readonly Turn[] {
  return Array.isArray(source);
}

/**
 * Folds one event into a thread's state: turn events go to their turn (a new turn is appended at
 * its first event), requests to the turn they name, thread events to the thread's fields.
 * Events of other threads leave the state as it is. Pure, like {@link reduceTurnState}.
 */
export function reduceThreadState(
  state: ThreadState = INITIAL_THREAD_STATE,
  event: StateEvent,
): ThreadState {
  if (!isObject(event) || typeof event.method !== 'string') return state;
  if (event.params !== undefined && !isObject(event.params)) return state;
  try {
    const next = fold(state, event);
    // A thread learns its id from an event that changed something, never from one it skipped.
    return next === state || unchanged(state, next) ? state : next;
  } catch {
    return state;
  }
}

function fold(state: ThreadState, event: StateEvent): ThreadState {
  const params = event.params as
    { threadId?: unknown; turnId?: unknown; turn?: { id?: unknown } } | undefined;
  // A thread id that is there but no string names no thread this state can be sure of.
  if (params?.threadId !== undefined && typeof params.threadId !== 'string') return state;
  const threadId = params?.threadId;
  if (state.threadId !== null && threadId !== undefined && threadId !== state.threadId)
    return state;
  const own = state.threadId === null && threadId !== undefined ? { ...state, threadId } : state;
  if (isServerRequest(event)) {
    const next = onRequest(own, event);
    return next === own ? state : next;
  }
  switch (event.method) {
    case 'thread/name/updated': {
      const name = (event.params as { threadName?: unknown }).threadName;
      if (name !== undefined && name !== null && typeof name !== 'string') return state;
      return (name ?? null) === state.name ? state : { ...own, name: name ?? null };
    }
    case 'thread/status/changed': {
      const status = (event.params as { status?: unknown }).status;
      if (!isObject(status) || typeof status.type !== 'string' || same(status, state.status))
        return state;
      return { ...own, status: event.params.status };
    }
    case 'serverRequest/resolved': {
      const requestId = (event.params as { requestId?: unknown }).requestId;
      if (typeof requestId !== 'string' && typeof requestId !== 'number') return state;
      const key = requestKey(requestId);
      const i = own.turns.findLastIndex((turn) =>
        turn.pendingRequests.some((pending) => requestKey(pending.id) === key),
      );
      if (i === -1) return state;
      const after = reduceTurnState(own.turns[i], event);
      return after === own.turns[i] ? state : replaceTurn(own, i, after);
    }
  }
  const turnId = params?.turnId ?? params?.turn?.id;
  if (typeof turnId !== 'string') return state;
  const i = findTurn(own.turns, turnId);
  // A new turn folds its first event from nothing: a turn exists once an event shows it.
  const before = i === -1 ? { ...INITIAL_TURN_STATE, threadId: own.threadId } : own.turns[i]!;
  const after = reduceTurnState(before, event);
  if (after === before || after.turnId !== turnId) return state;
  const next = i === -1 ? { ...own, turns: [...own.turns, after] } : replaceTurn(own, i, after);
  const activeTurnId =
    after.status === 'inProgress'
      ? after.turnId
      : next.activeTurnId === after.turnId
        ? null
        : next.activeTurnId;
  return activeTurnId === next.activeTurnId ? next : { ...next, activeTurnId };
}

function unchanged(state: ThreadState, next: ThreadState): boolean {
  return (
    next.threadId === state.threadId &&
    next.name === state.name &&
    next.status === state.status &&
    next.turns === state.turns &&
    next.activeTurnId === state.activeTurnId
  );
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function onRequest(state: ThreadState, request: ServerRequest): ThreadState {
  if (!isObject(request.params)) return state;
  const params = request.params as { turnId?: unknown };
  const turnId = typeof params.turnId === 'string' ? params.turnId : undefined;
  const i =
    turnId !== undefined
      ? findTurn(state.turns, turnId)
      : state.turns.findLastIndex((turn) => turn.status === 'inProgress');
  if (i === -1) {
    if (turnId === undefined) return state;
    // A request before its turn's first event (a state that joins while an approval waits is
    // handed the open request first): the turn exists from it, as from any event of it.
    const turn = reduceTurnState(
      { ...INITIAL_TURN_STATE, threadId: state.threadId, turnId },
      request,
    );
    if (turn.pendingRequests.length === 0) return state;
    return { ...state, turns: [...state.turns, turn], activeTurnId: turnId };
  }
  const after = reduceTurnState(state.turns[i], request);
  return after === state.turns[i] ? state : replaceTurn(state, i, after);
}

/** The newest turn with this id: turns are few and the live one is last, so search backwards. */
function findTurn(turns: readonly TurnState[], turnId: string): number {
  for (let i = turns.length - 1; i >= 0; i--) if (turns[i]!.turnId === turnId) return i;
  return -1;
}

function replaceTurn(state: ThreadState, i: number, turn: TurnState): ThreadState {
  const turns = state.turns.slice();
  turns[i] = turn;
  return { ...state, turns };
}
