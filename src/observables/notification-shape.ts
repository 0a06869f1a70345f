/**
 * Checks, for the notifications whose fields the SDK itself reads, that those fields have the
 * shape the generated types promise. A notification that parses as JSON but lacks them (a buggy
 * or newer server, a proxy) would otherwise throw from deep inside a reducer, or leave a turn
 * waiting for an end that can never be read. Unknown methods and extra fields pass.
 */

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

// Checks run on every notification (200,000 deltas a turn is not unusual): no allocation on the
// good path, and fixed field names.

function objectWithIdAnd(
  params: Record<string, unknown>,
  key: 'turn' | 'item',
  second: 'status' | 'type',
): string | undefined {
  const value = params[key];
  if (!isObject(value)) return `params.${key} is not an object`;
  if (typeof value.id !== 'string') return `params.${key}.id is not a string`;
  if (typeof value[second] !== 'string') return `params.${key}.${second} is not a string`;
  return undefined;
}

/**
 * The highest part index a reasoning notification may name. The reducers also bound an index by
 * the parts an item has (see `MAX_PART_GAP`); this absolute bound is where the client can log
 * it: a reasoning item has a handful of parts, and `summaryIndex: 1e8` would otherwise be the
 * size of an array.
 */
const MAX_PART_INDEX = 1024;

function partIndexAndDelta(
  params: Record<string, unknown>,
  key: 'summaryIndex' | 'contentIndex',
  withDelta: boolean,
): string | undefined {
  const index = params[key];
  if (!Number.isInteger(index) || (index as number) < 0 || (index as number) > MAX_PART_INDEX)
    return `params.${key} is not an integer from 0 to ${MAX_PART_INDEX}`;
  if (withDelta && typeof params.delta !== 'string') return 'params.delta is not a string';
  return undefined;
}

/**
 * The check for `method`'s fields, or `undefined` when the SDK reads none of them (`null`: the
 * method is checked, its params are fine). A `switch` with the commonest method first, not a
 * `Map`: the method is a fresh string per message, and a lookup hashes all of it every time.
 */
function methodProblem(method: string, params: Record<string, unknown>): string | null | undefined {
  switch (method) {
    case 'item/agentMessage/delta':
      return typeof params.delta === 'string' ? null : 'params.delta is not a string';
    case 'turn/started':
    case 'turn/completed':
      return objectWithIdAnd(params, 'turn', 'status') ?? null;
    case 'item/started':
    case 'item/completed':
      return objectWithIdAnd(params, 'item', 'type') ?? null;
    case 'item/reasoning/summaryTextDelta':
      return partIndexAndDelta(params, 'summaryIndex', true) ?? null;
    case 'item/reasoning/summaryPartAdded':
      return partIndexAndDelta(params, 'summaryIndex', false) ?? null;
    case 'item/reasoning/textDelta':
      return partIndexAndDelta(params, 'contentIndex', true) ?? null;
    case 'thread/tokenUsage/updated':
      return isObject(params.tokenUsage) ? null : 'params.tokenUsage is not an object';
    case 'account/login/completed':
      return typeof params.success !== 'boolean'
        ? 'params.success is not a boolean'
        : params.loginId !== null && typeof params.loginId !== 'string'
          ? 'params.loginId is not a string or null'
          : null;
    case 'serverRequest/resolved':
      return typeof params.threadId !== 'string'
        ? 'params.threadId is not a string'
        : typeof params.requestId !== 'string' && typeof params.requestId !== 'number'
          ? 'params.requestId is not a string or number'
          : null;
    default:
      return undefined;
  }
}

/**
 * What is wrong with a notification the SDK would read, or `undefined` when it can be used.
 * Every notification must at least carry an object (or nothing) as `params`.
 */
export function notificationProblem(notification: {
  readonly method: string;
  readonly params?: unknown;
}): string | undefined {
  const { method, params } = notification;
  // (Only a method that is checked needs params; every check finds fault with none.)
  if (params === undefined)
    return methodProblem(method, {}) === undefined ? undefined : 'params is missing';
  if (!isObject(params)) return 'params is not an object';
  return methodProblem(method, params) ?? undefined;
}
