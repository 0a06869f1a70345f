/**
 * Where codex-rx reports what it skips or survives (malformed lines, failing user callbacks,
 * unknown server requests). Nothing is printed unless a logger is given; `console` fits.
 */
export interface Logger {
  error?(message: string, ...details: unknown[]): void;
  warn?(message: string, ...details: unknown[]): void;
  info?(message: string, ...details: unknown[]): void;
  debug?(message: string, ...details: unknown[]): void;
}

/** A logger with every level: what codex-rx uses inside, made from a user's partial one. */
export type FullLogger = Required<Logger>;

/** The default: says nothing. */
export const silentLogger: FullLogger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};
