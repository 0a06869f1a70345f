import { JsonRpcError, JsonRpcErrorCode } from '../errors/json-rpc-error.js';

/** How requests answered with `-32001` (server overloaded) are retried. */
export interface RetryOptions {
  /** Total sends, the first included (default 5). 1 disables retrying. */
  maxAttempts?: number;
  /** Delay before the first retry, in ms (default 100); it doubles each time. */
  initialDelayMs?: number;
  /** Upper bound of one delay, in ms (default 2000). */
  maxDelayMs?: number;
  /** Random spread of each delay, as a fraction (default 0.2: ±20 %). */
  jitter?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = {
  maxAttempts: 5,
  initialDelayMs: 100,
  maxDelayMs: 2000,
  jitter: 0.2,
};

/** The delay before retry number `retry` (1 for the first retry): exponential, capped, jittered. */
export function backoffDelay(
  retry: number,
  options: Required<RetryOptions>,
  random: () => number = Math.random,
): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (retry - 1));
  const spread = base * options.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(base + spread));
}

/**
 * Whether an error means "the server did not take the request, try again later": a JSON-RPC
 * `-32001` reply (the real server sends it with no `data`, so the code decides).
 */
export function isRetryable(error: unknown): boolean {
  return error instanceof JsonRpcError && error.code === JsonRpcErrorCode.ServerOverloaded;
}
