/**
 * The base of every error codex-rx raises, so `catch (e) { if (e instanceof CodexError) … }`
 * separates SDK failures from the rest.
 */
export class CodexError extends Error {
  override name = 'CodexError';
  /** The JSON-RPC method involved, when there is one. */
  readonly method: string | undefined;
  /** A code: the JSON-RPC error code or a stable string such as `'closed'`. */
  readonly code: number | string | undefined;
  /** Extra detail: the server's error `data`, or SDK-specific context. */
  readonly data: unknown;

  constructor(
    message: string,
    options: { method?: string; code?: number | string; data?: unknown; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.method = options.method;
    this.code = options.code;
    this.data = options.data;
  }
}
