import { onExit } from 'signal-exit';

/**
 * Things to end synchronously if this process exits first: at exit and on SIGINT/SIGTERM/SIGHUP
 * (signal-exit runs the hook, then lets the signal do what it would have done). The hook is held
 * only while something is tracked, so a long run that cleans up after itself leaves no listeners.
 * One failing `end` does not keep the others from being ended.
 */
export class ExitCleanup<T> {
  readonly #live = new Set<T>();
  #removeHook: (() => void) | undefined;

  readonly #end: (item: T) => void;

  constructor(end: (item: T) => void) {
    this.#end = end;
  }

  add(item: T): void {
    this.#live.add(item);
    this.#removeHook ??= onExit(() => {
      for (const live of this.#live) {
        try {
          this.#end(live);
        } catch {
          // Exiting anyway: what could not be ended is left to its own net (a later sweep).
        }
      }
    });
  }

  delete(item: T): void {
    this.#live.delete(item);
    if (this.#live.size === 0 && this.#removeHook) {
      this.#removeHook();
      this.#removeHook = undefined;
    }
  }
}
