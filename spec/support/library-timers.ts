/** Timers codex-rx's own code leaves behind, for tests that nothing outlives `close()`. */

/** Records the timers created from codex-rx's own code (src/) and which are still pending. */
export function trackLibraryTimers() {
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const pending = new Map<unknown, string>();
  let created = 0;
  const ours = (stack: string): boolean =>
    stack
      .split('\n')
      .slice(2)
      .some((line) => line.includes('/src/') && !line.includes('node_modules'));
  globalThis.setTimeout = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const stack = new Error().stack ?? '';
    const timer = realSet(
      (...a: unknown[]) => {
        pending.delete(timer);
        fn(...a);
      },
      ms,
      ...args,
    );
    if (ours(stack)) {
      created++;
      pending.set(timer, stack.split('\n')[2]?.trim() ?? '');
    }
    return timer;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((timer: NodeJS.Timeout | undefined) => {
    pending.delete(timer);
    realClear(timer);
  }) as typeof clearTimeout;
  return {
    created: () => created,
    pending: () => [...pending.values()],
    restore: () => {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
    },
  };
}
