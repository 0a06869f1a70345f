/**
 * Checks, for the notifications whose fields the SDK itself reads, that those fields have the
 * shape the generated types promise. A notification that parses as JSON but lacks them (a buggy
 * or newer server, a proxy) would otherwise throw from deep inside a reducer, or leave a turn
 * waiting for an end that can never be read. Unknown methods and extra fields pass.
 */

type Check = (params: Record<string, unknown>) => string | undefined;

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

// Checks run on every notification (200,000 deltas a turn is not unusual): no allocation on the
// good path, so each is a plain function over fixed field names.

function objectWithIdAnd(key: string, second: string): Check {
  return (params) => {
    const value = params[key];
    if (!isObject(value)) return `params.${key} is not an object`;
    if (typeof value.id !== 'string') return `params.${key}.id is not a string`;
    if (typeof value[second] !== 'string') return `params.${key}.${second} is not a string`;
    return undefined;
  };
}

function stringField(key: string): Check {
  return (params) =>
    typeof params[key] === 'string' ? undefined : `params.${key} is not a string`;
}

function objectField(key: string): Check {
  return (params) => (isObject(params[key]) ? undefined : `params.${key} is not an object`);
}

/**
 * The highest part index a reasoning notification may name. The reducers also bound an index by
 * the parts an item has (see `MAX_PART_GAP`); this absolute bound is where the client can log
 * it: a reasoning item has a handful of parts, and `summaryIndex: 1e8` would otherwise be the
 * size of an array.
 */
const MAX_PART_INDEX = 1024;

function partIndexAndDelta(key: string, withDelta: boolean): Check {
  return (params) => {
    const index = params[key];
    if (!Number.isInteger(index) || (index as number) < 0 || (index as number) > MAX_PART_INDEX)
      return `params.${key} is not an integer from 0 to ${MAX_PART_INDEX}`;
    if (withDelta && typeof params.delta !== 'string') return 'params.delta is not a string';
    return undefined;
  };
}

const turn = objectWithIdAnd('turn', 'status');
const item = objectWithIdAnd('item', 'type');

const CHECKS: ReadonlyMap<string, Check> = new Map<string, Check>([
  ['turn/started', turn],
  ['turn/completed', turn],
  ['item/started', item],
  ['item/completed', item],
  ['item/agentMessage/delta', stringField('delta')],
  ['item/reasoning/summaryTextDelta', partIndexAndDelta('summaryIndex', true)],
  ['item/reasoning/summaryPartAdded', partIndexAndDelta('summaryIndex', false)],
  ['item/reasoning/textDelta', partIndexAndDelta('contentIndex', true)],
  ['thread/tokenUsage/updated', objectField('tokenUsage')],
  [
    'account/login/completed',
    (params) =>
      typeof params.success !== 'boolean'
        ? 'params.success is not a boolean'
        : params.loginId !== null && typeof params.loginId !== 'string'
          ? 'params.loginId is not a string or null'
          : undefined,
  ],
  [
    'serverRequest/resolved',
    (params) =>
      typeof params.threadId !== 'string'
        ? 'params.threadId is not a string'
        : typeof params.requestId !== 'string' && typeof params.requestId !== 'number'
          ? 'params.requestId is not a string or number'
          : undefined,
  ],
]);

/**
 * What is wrong with a notification the SDK would read, or `undefined` when it can be used.
 * Every notification must at least carry an object (or nothing) as `params`.
 */
export function notificationProblem(notification: {
  readonly method: string;
  readonly params?: unknown;
}): string | undefined {
  const { method, params } = notification;
  const check = CHECKS.get(method);
  if (params === undefined) return check ? 'params is missing' : undefined;
  if (!isObject(params)) return 'params is not an object';
  return check?.(params);
}
