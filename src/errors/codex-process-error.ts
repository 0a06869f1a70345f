import { CodexError } from './codex-error.js';

/** How the app-server process ended. */
export interface ProcessExit {
  /** Exit code, or null when it was killed by a signal or never started. */
  readonly exitCode: number | null;
  /** Terminating signal, or null. */
  readonly signal: string | null;
  /** The last lines it wrote to stderr (kept in memory, never printed by default). */
  readonly stderrTail: readonly string[];
}

/** The app-server process could not start, or exited while the client was using it. */
export class CodexProcessError extends CodexError implements ProcessExit {
  override name = 'CodexProcessError';
  /** What failed, without the exit details (e.g. `initialize failed`). */
  readonly reason: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stderrTail: readonly string[];

  constructor(
    reason: string,
    exit: ProcessExit,
    options: { method?: string; cause?: unknown } = {},
  ) {
    const how =
      exit.signal !== null
        ? `killed by ${exit.signal}`
        : exit.exitCode !== null
          ? `exited with code ${exit.exitCode}`
          : 'ended';
    const tail = exit.stderrTail.length
      ? `\nlast stderr lines:\n  ${exit.stderrTail.join('\n  ')}`
      : '';
    super(`${reason}: codex app-server ${how}${tail}`, {
      ...options,
      code: 'process_exit',
      data: { exitCode: exit.exitCode, signal: exit.signal, stderrTail: exit.stderrTail },
    });
    this.reason = reason;
    this.exitCode = exit.exitCode;
    this.signal = exit.signal;
    this.stderrTail = exit.stderrTail;
  }
}
