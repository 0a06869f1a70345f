/**
 * Where codex-rx reports what it skips or survives (malformed lines, failing user callbacks,
 * unknown server requests). Nothing is printed unless a logger is given; `console` fits.
 */
export interface Logger {
  error(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  info?(message: string, ...details: unknown[]): void;
  debug?(message: string, ...details: unknown[]): void;
}

/** The default: says nothing. */
export const silentLogger: Logger = {
  error: () => undefined,
  warn: () => undefined,
};
