/**
 * `codex-rx/state`: UI state for a turn or a thread, as immutable plain snapshots. Imports nothing
 * from Node, so a browser bundle can fold the events its server forwards. See docs/ui-state.md.
 */
export { reduceTurnState, turnStateFromTurn } from './reduce-turn-state.js';
export { reduceThreadState, threadStateFrom, INITIAL_THREAD_STATE } from './thread-state.js';
export type { ThreadState } from './thread-state.js';
export { toTurnState } from './to-turn-state.js';
export type { ToTurnStateOptions } from './to-turn-state.js';
export { toThreadState } from './to-thread-state.js';
export type { ToThreadStateOptions } from './to-thread-state.js';
export { INITIAL_TURN_STATE } from './turn-state.js';
export { isServerRequest } from './state-event.js';
export type { StateEvent } from './state-event.js';
export type {
  ItemLifecycle,
  ItemLiveFields,
  ItemState,
  PendingRequest,
  TurnPlan,
  TurnState,
  TurnStateStatus,
} from './turn-state.js';
