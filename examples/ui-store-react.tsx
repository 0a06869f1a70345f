/**
 * A React hook over a thread's state, in a few lines: `useSyncExternalStore` on an Observable of
 * snapshots. The snapshots are immutable and keep untouched items by identity, so `memo`
 * components re-render only the item that changed. Type-checked by the suite; render it in your
 * app (in the browser the snapshots come from your server, see docs/web.md).
 *
 * ```tsx
 * const state$ = thread.state$({ history: true }).pipe(auditTime(16)); // one render per frame at most
 * <Transcript state$={state$} />
 * ```
 */
import { memo, useMemo, useSyncExternalStore } from 'react';
import type { Observable } from 'rxjs';
import { INITIAL_THREAD_STATE } from 'codex-rx/state';
import type { ItemState, ThreadState } from 'codex-rx/state';

/** The latest snapshot of `state$`; subscribes while the component is mounted. */
export function useThreadState(state$: Observable<ThreadState>): ThreadState {
  const store = useMemo(() => {
    let snapshot = INITIAL_THREAD_STATE;
    return {
      subscribe: (onChange: () => void) => {
        const subscription = state$.subscribe((next) => {
          snapshot = next;
          onChange();
        });
        return () => subscription.unsubscribe();
      },
      getSnapshot: () => snapshot,
    };
  }, [state$]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** One item; `memo` skips it while its snapshot object is the same. */
const Item = memo(function Item({ item }: { item: ItemState }) {
  switch (item.type) {
    case 'userMessage':
      return (
        <p className="you">{item.content.map((c) => (c.type === 'text' ? c.text : '')).join('')}</p>
      );
    case 'agentMessage':
      return (
        <p className={item.lifecycle === 'completed' ? 'agent' : 'agent streaming'}>{item.text}</p>
      );
    case 'reasoning':
      return (
        <details>
          <summary>Thinking</summary>
          {item.summary.join('\n')}
        </details>
      );
    case 'commandExecution':
      return (
        <details open={item.lifecycle !== 'completed'}>
          <summary>
            $ {item.command} {item.exitCode === null ? '' : `(exit ${item.exitCode})`}
          </summary>
          <pre>{item.output}</pre>
        </details>
      );
    case 'fileChange':
      return <pre>{item.changes.map((change) => `${change.path}\n${change.diff}`).join('\n')}</pre>;
    default:
      return null;
  }
});

/** The whole thread: each turn's items, and what waits for the user. */
export function Transcript({ state$ }: { state$: Observable<ThreadState> }) {
  const state = useThreadState(state$);
  return (
    <section>
      {state.turns.map((turn, index) => (
        <article key={turn.turnId ?? index}>
          {turn.items.map((item) => (
            <Item key={item.id} item={item} />
          ))}
          {turn.pendingRequests.map((request) => (
            <p key={String(request.id)} className="pending">
              Waiting for you: {request.method}
            </p>
          ))}
          {turn.status === 'interrupted' && <p className="status">interrupted</p>}
          {turn.error && <p className="error">{turn.error.message}</p>}
        </article>
      ))}
    </section>
  );
}
