/**
 * Checks, for the notifications whose fields the SDK itself reads, that those fields have the
 * shape the generated types promise. A notification that parses as JSON but lacks them (a buggy
 * or newer server, a proxy) would otherwise throw from deep inside a reducer, or leave a turn
 * waiting for an end that can never be read. Unknown methods and extra fields pass.
 */

type Check = (params: Record<string, unknown>) => string | undefined;

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function objectWith(key: string, fields: Record<string, 'string' | 'object'>): Check {
  return (params) => {
    const value = params[key];
    if (!isObject(value)) return `params.${key} is not an object`;
    for (const [field, type] of Object.entries(fields)) {
      const ok = type === 'object' ? isObject(value[field]) : typeof value[field] === type;
      if (!ok) return `params.${key}.${field} is not a${type === 'object' ? 'n' : ''} ${type}`;
    }
    return undefined;
  };
}

function fields(spec: Record<string, 'string' | 'boolean' | 'object'>): Check {
  return (params) => {
    for (const [field, type] of Object.entries(spec)) {
      const ok = type === 'object' ? isObject(params[field]) : typeof params[field] === type;
      if (!ok) return `params.${field} is not a${type === 'object' ? 'n' : ''} ${type}`;
    }
    return undefined;
  };
}

const turn = objectWith('turn', { id: 'string', status: 'string' });
const item = objectWith('item', { id: 'string', type: 'string' });

const CHECKS: Readonly<Record<string, Check>> = {
  'turn/started': turn,
  'turn/completed': turn,
  'item/started': item,
  'item/completed': item,
  'item/agentMessage/delta': fields({ delta: 'string' }),
  'thread/tokenUsage/updated': fields({ tokenUsage: 'object' }),
  'account/login/completed': (params) =>
    typeof params.success !== 'boolean'
      ? 'params.success is not a boolean'
      : params.loginId !== null && typeof params.loginId !== 'string'
        ? 'params.loginId is not a string or null'
        : undefined,
  'serverRequest/resolved': (params) =>
    typeof params.threadId !== 'string'
      ? 'params.threadId is not a string'
      : typeof params.requestId !== 'string' && typeof params.requestId !== 'number'
        ? 'params.requestId is not a string or number'
        : undefined,
};

/**
 * What is wrong with a notification the SDK would read, or `undefined` when it can be used.
 * Every notification must at least carry an object (or nothing) as `params`.
 */
export function notificationProblem(notification: {
  readonly method: string;
  readonly params?: unknown;
}): string | undefined {
  const { method, params } = notification;
  const check = CHECKS[method];
  if (params === undefined) return check ? 'params is missing' : undefined;
  if (!isObject(params)) return 'params is not an object';
  return check?.(params);
}
