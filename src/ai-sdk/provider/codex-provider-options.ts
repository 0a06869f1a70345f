import type { ResumeThreadOptions } from '../../client/codex.js';
import type { CodexOptions, ConnectOptions } from '../../client/codex-options.js';
import { InvalidInputError } from '../../errors/invalid-input-error.js';
import type { ThreadStartParams } from '../../protocol/generated/v2/ThreadStartParams.js';
import type { ServerRequestHandlers } from '../../requests/server-request-handlers.js';
import type { ThreadPresetOptions } from '../../thread/presets.js';
import type { Thread } from '../../thread/thread.js';
import type { ThreadOptions } from '../../thread/thread-options.js';
import type { RemoteOptions } from '../../transport/websocket-transport.js';
import type { Transport } from '../../transport/transport.js';

/**
 * What the provider needs from a client: starting and resuming threads. A `Codex` has these
 * methods, and so has anything that hands out ordinary `Thread`s with the same signatures (a
 * pool of clients, say).
 */
export interface CodexThreadSource {
  startThread(
    params?: ThreadStartParams & ThreadPresetOptions,
    options?: ThreadOptions,
  ): Promise<Thread>;
  resumeThread(
    threadId: string,
    params?: ResumeThreadOptions,
    options?: ThreadOptions,
  ): Promise<Thread>;
}

/** How the provider's threads run: the settings a model takes, and `providerOptions.codex`. */
export interface CodexModelSettings {
  /**
   * Continue this thread: each call sends only what is new in its prompt (the messages after the
   * last assistant or tool message). The provider keeps the threads it ran recently; another
   * thread id is resumed (`thread/resume`).
   */
  threadId?: string;
  /**
   * `'fresh'` (default): each call runs on a new thread, with the prompt's earlier messages
   * rendered as context. `'persistent'`: the calls of one model object (`provider(id, settings)`)
   * all continue one thread, started by the first call.
   */
  session?: 'fresh' | 'persistent';
  /**
   * Whether the threads this provider starts are ephemeral (kept in the server's memory only).
   * Default `true`; `false` stores them, so their id can be resumed later by another process.
   */
  ephemeral?: boolean;
  /** `thread/start` parameters for the threads the provider starts (cwd, sandbox, …). */
  threadParams?: ThreadStartParams & ThreadPresetOptions;
  /** How the threads' server requests (approvals, questions) are answered. */
  handlers?: ServerRequestHandlers;
}

/** The options of {@link createCodexProvider}. */
export type CodexProviderOptions = CodexModelSettings &
  (
    | {
        /** An existing client: the provider uses it and never closes it. */
        client: CodexThreadSource;
      }
    | {
        /** Start a client (`Codex.start(start)`) on the first call; `provider.close()` closes it. */
        start?: CodexOptions;
        client?: undefined;
        connect?: undefined;
      }
    | {
        /** Connect a client (`Codex.connect(...)`) on the first call; `provider.close()` closes it. */
        connect: { target: Transport | RemoteOptions; options?: ConnectOptions };
        client?: undefined;
        start?: undefined;
      }
  ) & {
    /** The provider's name in the AI SDK (`model.provider`); default `'codex'`. */
    name?: string;
    /**
     * How long a turn waits, parked, for the results of the caller's tools (the next call of the
     * model, which the AI SDK makes once it ran them) before the calls fail and the turn is
     * interrupted. Default 600 000 ms.
     */
    toolResultTimeoutMs?: number;
    /** How many recently used threads the provider keeps for pinning (default 32). */
    maxThreads?: number;
  };

const SETTING_KEYS = ['threadId', 'session', 'ephemeral', 'threadParams', 'handlers'] as const;

/** Checks model settings or `providerOptions.codex`, naming the field that is wrong. */
export function checkModelSettings(value: unknown, field: string): CodexModelSettings {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new InvalidInputError(field, 'must be an object');
  const settings = value as Record<string, unknown>;
  for (const key of Object.keys(settings)) {
    if (!(SETTING_KEYS as readonly string[]).includes(key))
      throw new InvalidInputError(
        `${field}.${key}`,
        `is not a Codex setting; expected one of ${SETTING_KEYS.join(', ')}`,
      );
  }
  const { threadId, session, ephemeral, threadParams, handlers } = settings;
  if (threadId !== undefined && (typeof threadId !== 'string' || threadId.trim() === ''))
    throw new InvalidInputError(`${field}.threadId`, 'must be a non-empty string');
  if (session !== undefined && session !== 'fresh' && session !== 'persistent')
    throw new InvalidInputError(`${field}.session`, "must be 'fresh' or 'persistent'");
  if (ephemeral !== undefined && typeof ephemeral !== 'boolean')
    throw new InvalidInputError(`${field}.ephemeral`, 'must be a boolean');
  for (const [key, v] of [
    ['threadParams', threadParams],
    ['handlers', handlers],
  ] as const) {
    if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v)))
      throw new InvalidInputError(`${field}.${key}`, 'must be an object');
  }
  return settings;
}

/** Checks a positive whole number of ms (or a count), naming the option. */
export function checkPositive(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 2 ** 31 - 1)
    throw new InvalidInputError(field, 'must be a whole number from 1 to 2147483647');
  return value;
}
