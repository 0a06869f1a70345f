import { InvalidInputError } from './errors/invalid-input-error.js';

/** The longest delay a Node timer can wait; a longer one fires at once (TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A timeout option: undefined, or a whole number of ms from 1 to {@link MAX_TIMER_MS}.
 *
 * @throws {@link InvalidInputError} naming `field` and `method` for anything else.
 */
export function checkTimerMs(
  field: string,
  value: number | undefined,
  method: string,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > MAX_TIMER_MS)
    throw new InvalidInputError(
      field,
      `must be a whole number of ms from 1 to ${MAX_TIMER_MS}, got ${String(value)}`,
      method,
    );
  return value;
}

/**
 * A request's timeout: undefined, or a number of ms above 0 and at most {@link MAX_TIMER_MS}
 * (fractions allowed: internal callers pass what is left of a deadline).
 *
 * @throws {@link InvalidInputError} naming `field` and `method` for anything else.
 */
export function checkRequestTimeoutMs(
  field: string,
  value: number | undefined,
  method: string,
): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !(value > 0) || value > MAX_TIMER_MS)
    throw new InvalidInputError(
      field,
      `must be a number of ms above 0 and at most ${MAX_TIMER_MS}, got ${String(value)}`,
      method,
    );
}
