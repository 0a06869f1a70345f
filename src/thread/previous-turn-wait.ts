import { TimeoutError } from '../errors/timeout-error.js';

/**
 * Stop then send: the thread's turn before this one is being ended by this client, so the new
 * turn waits for that end instead of failing with the thread busy — within `ms`, after which it
 * rejects with a `TimeoutError` (code `previous_turn_not_ended`) and the new turn is not started.
 */
export function waitForEndingTurn(
  ending: Promise<void>,
  ms: number,
  threadId: string,
  method: string,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new TimeoutError(method, ms, {
            message: `thread ${threadId}: the turn this client is ending did not end within ${ms} ms; the new turn was not started`,
            code: 'previous_turn_not_ended',
            data: { threadId },
          }),
        ),
      ms,
    );
  });
  return Promise.race([ending, timeout]).finally(() => clearTimeout(timer));
}
