import type { Observable, Subscription } from 'rxjs';

/**
 * Iterates an Observable with `for await`. Values are queued while the loop body runs, so none is
 * lost; leaving the loop early (`break`, `return`, a throw) unsubscribes.
 */
export function toAsyncIterator<T>(source: Observable<T>): AsyncIterator<T> {
  // A queue with a moving head: shift() would make a long backlog quadratic.
  let queue: T[] = [];
  let head = 0;
  let done = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  let subscription: Subscription | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const start = (): void => {
    subscription ??= source.subscribe({
      next: (value) => {
        queue.push(value);
        notify();
      },
      error: (error: unknown) => {
        failure = { error };
        done = true;
        notify();
      },
      complete: () => {
        done = true;
        notify();
      },
    });
  };
  return {
    async next(): Promise<IteratorResult<T>> {
      start();
      while (head === queue.length && !done) await new Promise<void>((resolve) => (wake = resolve));
      if (head < queue.length) {
        const value = queue[head++]!;
        if (head === queue.length) {
          queue = [];
          head = 0;
        }
        return { value, done: false };
      }
      if (failure) {
        const { error } = failure;
        failure = undefined;
        throw error;
      }
      return { value: undefined, done: true };
    },
    return(): Promise<IteratorResult<T>> {
      done = true;
      queue = [];
      head = 0;
      subscription?.unsubscribe();
      notify();
      return Promise.resolve({ value: undefined, done: true });
    },
  };
}
