import { InvalidInputError } from '../errors/invalid-input-error.js';

/** A high surrogate with no low one after it, or a low one with no high one before it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks that `value` survives JSON unchanged, so a bad value fails here with its path instead
 * of being dropped or mangled silently by `JSON.stringify` (functions, `undefined` in arrays,
 * NaN) or failing deep inside the writer (bigint, cycles).
 *
 * @throws {@link InvalidInputError} naming the first offending path.
 */
export function assertSerializable(value: unknown, method: string, path = 'params'): void {
  walk(value, path, method, new Set());
}

function walk(value: unknown, path: string, method: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
      // The server drops a line that is not valid UTF-8 without an answer: a lone surrogate would
      // leave the request waiting for its timeout (or forever).
      if (LONE_SURROGATE.test(value))
        throw new InvalidInputError(
          path,
          'contains a lone UTF-16 surrogate, which is not valid Unicode and cannot be sent as UTF-8',
          method,
        );
      return;
    case 'boolean':
    case 'undefined':
      return;
    case 'number':
      if (!Number.isFinite(value))
        throw new InvalidInputError(path, `is ${value}, which JSON cannot carry`, method);
      return;
    case 'object': {
      if (value === null) return;
      if (ancestors.has(value))
        throw new InvalidInputError(path, 'refers back to itself (a cycle)', method);
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return;
      ancestors.add(value);
      if (Array.isArray(value)) {
        value.forEach((v, i) => {
          if (v === undefined)
            throw new InvalidInputError(
              `${path}[${i}]`,
              'is undefined (JSON would send null)',
              method,
            );
          walk(v, `${path}[${i}]`, method, ancestors);
        });
      } else {
        for (const key of Object.keys(value))
          walk((value as Record<string, unknown>)[key], `${path}.${key}`, method, ancestors);
      }
      ancestors.delete(value);
      return;
    }
    default:
      throw new InvalidInputError(path, `is a ${typeof value}, which JSON cannot carry`, method);
  }
}
