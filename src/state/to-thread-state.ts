import type { OperatorFunction } from 'rxjs';
import { foldChanges } from './fold-changes.js';
import { INITIAL_THREAD_STATE, reduceThreadState } from './thread-state.js';
import type { ThreadState } from './thread-state.js';
import type { StateEvent } from './state-event.js';

/** Options of {@link toThreadState}. */
export interface ToThreadStateOptions {
  /**
   * The state to fold onto: `threadStateFrom((await thread.read({ includeTurns: true })).thread)`
   * shows a resumed thread's history with live turns appended (`thread.state$({ history: true })`
   * does this for you). Default: a thread with no turns.
   */
  initial?: ThreadState;
}

/**
 * Folds a thread's events into {@link ThreadState} snapshots, one per event that changed
 * something: `thread.stateEvents$.pipe(toThreadState())` (its notifications and server
 * requests), or any source of events (a recording, events sent to a browser).
 */
export function toThreadState(
  options: ToThreadStateOptions = {},
): OperatorFunction<StateEvent, ThreadState> {
  return foldChanges(reduceThreadState, options.initial ?? INITIAL_THREAD_STATE);
}
