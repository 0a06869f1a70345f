/**
 * Reads routing ids from a notification without trusting its shape: a server newer than the
 * generated types may send anything, and nothing may be dropped or thrown for that.
 */

type Loose = { readonly params?: unknown };

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object'
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/** `params.threadId`, or `params.thread.id` (`thread/started`), when it is a string. */
export function threadIdOf(notification: Loose): string | undefined {
  const params = notification.params;
  const direct = field(params, 'threadId');
  if (typeof direct === 'string') return direct;
  const nested = field(field(params, 'thread'), 'id');
  return typeof nested === 'string' ? nested : undefined;
}

/** `params.turnId`, or `params.turn.id` (`turn/started`, `turn/completed`), when it is a string. */
export function turnIdOf(notification: Loose): string | undefined {
  const params = notification.params;
  const direct = field(params, 'turnId');
  if (typeof direct === 'string') return direct;
  const nested = field(field(params, 'turn'), 'id');
  return typeof nested === 'string' ? nested : undefined;
}
