import { credentialReadFailure, readCredentialFile } from '../transport/read-credential-file.js';
import {
  ReplaySubject,
  catchError,
  distinctUntilChanged,
  EMPTY,
  exhaustMap,
  filter,
  from,
  map,
  merge,
  of,
  share,
  takeUntil,
  timer,
} from 'rxjs';
import type { Subscription, Observable } from 'rxjs';
import { EnvironmentLostError } from '../errors/environment-lost-error.js';
import type { EnvironmentLostPolicy } from '../errors/environment-lost-error.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { JsonRpcError } from '../errors/json-rpc-error.js';
import type { FullLogger } from '../logger.js';
import type { NotificationRouter } from '../observables/notification-router.js';
import type { EnvironmentStatusKind } from '../protocol/generated/v2/EnvironmentStatusKind.js';
import type { EnvironmentStatusResponse } from '../protocol/generated/v2/EnvironmentStatusResponse.js';
import type { ThreadItem } from '../protocol/generated/v2/ThreadItem.js';
import type { TurnEnvironmentParams } from '../protocol/generated/v2/TurnEnvironmentParams.js';
import type { CodexNotification } from '../protocol/methods.js';

/** How often {@link Codex.environmentStatus$} asks `environment/status` while subscribed, in ms. */
export const ENVIRONMENT_POLL_MS = 1000;

/** An environment's connection as the app-server reports it. */
export interface EnvironmentStatus {
  readonly environmentId: string;
  /** `ready`, `pending`, `disconnected` or `unknown`. */
  readonly status: EnvironmentStatusKind;
  /** The server's detail for `disconnected` and `unknown` (e.g. `exec-server environment is recovering`). */
  readonly error?: string;
}

/** Options of {@link Codex.addEnvironment}: where the executor is and how to authenticate. */
export interface AddEnvironmentOptions {
  /** The id threads and turns select it by (`environments: [{ environmentId, cwd }]`). */
  environmentId: string;
  /** The executor's WebSocket URL (`ws://…` on loopback, `wss://…` elsewhere). */
  url: string;
  /** Its capability token. */
  token?: string;
  /** A file holding its token (one line; read when you call). */
  tokenFile?: string;
  /** A bearer token, or a function giving one (e.g. `signedBearer({ secret, ttlSeconds })`). */
  bearer?: string | (() => string | Promise<string>);
  /** The server's WebSocket connect timeout for this executor, in ms. */
  connectTimeoutMs?: number;
  /**
   * Wait until the server reports the executor `ready` (default `true`), and throw an
   * `EnvironmentUnavailableError` when it reports it `disconnected` (a refused credential, nothing
   * listening) or is not ready within `readyTimeoutMs`. `false`: register it and return (for an
   * executor that is not up yet; watch `environmentStatus$`).
   */
  waitUntilReady?: boolean;
  /** How long to wait for `ready`, in ms (default 15000). */
  readyTimeoutMs?: number;
}

const CREDENTIAL_TIMEOUT_MS = 10_000;

/** Checks the options and reads the credential; errors name the field, never the value. */
export async function environmentAddParams(options: AddEnvironmentOptions): Promise<{
  environmentId: string;
  execServerUrl: string;
  authBearerToken?: string;
  connectTimeoutMs?: number;
}> {
  const method = 'environment/add';
  if (options === null || typeof options !== 'object')
    throw new InvalidInputError('options', 'must be an object', method);
  const { environmentId, url, token, tokenFile, bearer, connectTimeoutMs, readyTimeoutMs } =
    options;
  if (
    readyTimeoutMs !== undefined &&
    !(Number.isFinite(readyTimeoutMs) && readyTimeoutMs > 0 && readyTimeoutMs <= 3_600_000)
  )
    throw new InvalidInputError(
      'readyTimeoutMs',
      `must be a number of ms in 1..3600000, got ${String(readyTimeoutMs)}`,
      method,
    );
  assertEnvironmentId(environmentId, method);
  if (typeof url !== 'string' || !isWebSocketUrl(url))
    throw new InvalidInputError(
      'url',
      `must be a ws:// or wss:// URL, got ${JSON.stringify(typeof url === 'string' ? url.slice(0, 200) : url)}`,
      method,
    );
  const given = (['token', 'tokenFile', 'bearer'] as const).filter((k) => options[k] !== undefined);
  if (given.length > 1)
    throw new InvalidInputError(
      given[1]!,
      `cannot be combined with ${given[0]!}: give one`,
      method,
    );
  if (
    connectTimeoutMs !== undefined &&
    !(Number.isInteger(connectTimeoutMs) && connectTimeoutMs > 0 && connectTimeoutMs <= 3_600_000)
  )
    throw new InvalidInputError(
      'connectTimeoutMs',
      `must be a whole number of ms in 1..3600000, got ${String(connectTimeoutMs)}`,
      method,
    );
  let credential: string | undefined;
  if (token !== undefined) credential = checkToken(token, 'token', method);
  else if (tokenFile !== undefined) {
    if (typeof tokenFile !== 'string' || tokenFile === '')
      throw new InvalidInputError('tokenFile', 'must be a file path', method);
    let text: string;
    try {
      text = await readCredentialFile(tokenFile);
    } catch (error) {
      throw new InvalidInputError(
        'tokenFile',
        `cannot be read: ${tokenFile} (${credentialReadFailure(error)})`,
        method,
      );
    }
    const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
    if (lines.length !== 1)
      throw new InvalidInputError(
        'tokenFile',
        `must hold one line (the token), ${tokenFile} holds ${lines.length}`,
        method,
      );
    credential = checkToken(lines[0]!.trim(), 'tokenFile', method);
  } else if (bearer !== undefined) {
    if (typeof bearer === 'string') credential = checkToken(bearer, 'bearer', method);
    else if (typeof bearer === 'function') {
      let timeout: NodeJS.Timeout | undefined;
      try {
        const value = await Promise.race([
          Promise.resolve().then(bearer),
          new Promise<never>((_, reject) => {
            timeout = setTimeout(
              () => reject(new Error(`did not answer within ${CREDENTIAL_TIMEOUT_MS} ms`)),
              CREDENTIAL_TIMEOUT_MS,
            );
          }),
        ]);
        credential = checkToken(value, 'bearer', method);
      } catch (error) {
        if (error instanceof InvalidInputError) throw error;
        // The function's own message could quote what it read: name only what kind of failure.
        const what =
          error instanceof Error && error.message.startsWith('did not answer')
            ? error.message
            : `threw ${error instanceof Error ? error.name : typeof error}`;
        throw new InvalidInputError('bearer', `(the credential function) ${what}`, method);
      } finally {
        clearTimeout(timeout);
      }
    } else throw new InvalidInputError('bearer', 'must be a string or a function', method);
  }
  return {
    environmentId,
    execServerUrl: url,
    ...(credential !== undefined ? { authBearerToken: credential } : {}),
    ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
  };
}

/** Throws {@link InvalidInputError} unless `value` is a policy (or undefined). */
export function assertPolicy(value: unknown, method: string): void {
  if (value !== undefined && !isPolicy(value))
    throw new InvalidInputError(
      'options.onEnvironmentLost',
      `must be 'fail', 'interrupt' or 'ignore', got ${JSON.stringify(value)}`,
      method,
    );
}

function isPolicy(value: unknown): value is EnvironmentLostPolicy {
  return value === 'fail' || value === 'interrupt' || value === 'ignore';
}

function checkToken(value: unknown, field: string, method: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new InvalidInputError(field, 'must give a non-empty token', method);
  if (/\s/.test(value))
    throw new InvalidInputError(field, 'must give one token without whitespace', method);
  return value;
}

function isWebSocketUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'ws:' || parsed.protocol === 'wss:') && parsed.hostname !== '';
  } catch {
    return false;
  }
}

/** Throws {@link InvalidInputError} unless `id` is a non-empty string. */
export function assertEnvironmentId(
  id: unknown,
  method: string,
  field = 'environmentId',
): asserts id is string {
  if (typeof id !== 'string' || id.trim() === '')
    throw new InvalidInputError(
      field,
      `must be a non-empty string, got ${JSON.stringify(id)}`,
      method,
    );
}

/** What {@link Environments} needs from its client. */
export interface EnvironmentHost {
  readonly notifications$: Observable<CodexNotification>;
  readonly router: NotificationRouter;
  readonly logger: FullLogger;
  status(environmentId: string): Promise<EnvironmentStatusResponse>;
  interrupt(threadId: string, turnId: string): Promise<unknown>;
  /** Emits once when the client closes. */
  readonly closed$: Observable<unknown>;
}

interface RunningTurn {
  readonly threadId: string;
  readonly turnId: string;
  readonly environmentIds: readonly string[];
  readonly policy: EnvironmentLostPolicy;
  /** Command items started and not completed, by id. */
  readonly open: Map<string, ThreadItem>;
}

/**
 * The client's environments: the status watch (polled, since the server announces no executor's
 * death) and the guard that applies each running turn's {@link EnvironmentLostPolicy} when its
 * environment is lost. Internal; `Codex` exposes it.
 */
export class Environments {
  private readonly watches = new Map<string, Observable<EnvironmentStatus>>();
  /** Sticky environments of the threads this client opened, from the server's thread info. */
  private readonly threadEnvironments = new Map<string, readonly string[]>();
  private readonly threadPolicies = new Map<string, EnvironmentLostPolicy>();
  /** Environments to send with a resumed thread's next turn/start (thread/resume takes none). */
  private readonly pendingEnvironments = new Map<string, TurnEnvironmentParams[]>();
  private readonly running = new Map<string, RunningTurn>();
  private readonly guards = new Map<string, Subscription>();
  /** Listens to the notifications only while some thread of this client uses environments. */
  private events: Subscription | undefined;

  constructor(
    private readonly host: EnvironmentHost,
    private readonly pollMs = ENVIRONMENT_POLL_MS,
  ) {}

  private listen(): void {
    if (this.events && !this.events.closed) return;
    this.events = this.host.notifications$.subscribe({
      next: (n) => this.onNotification(n),
      error: () => this.stop(),
      complete: () => this.stop(),
    });
  }

  /** A client whose threads use no environment pays nothing per notification. */
  private quiet(): void {
    if (this.running.size || this.threadEnvironments.size || this.pendingEnvironments.size) return;
    this.events?.unsubscribe();
    this.events = undefined;
  }

  /** The environment's status now and on every change, polled every `pollMs` while subscribed. */
  status$(environmentId: string): Observable<EnvironmentStatus> {
    assertEnvironmentId(environmentId, 'environment/status');
    let watch = this.watches.get(environmentId);
    if (!watch) {
      // The server's thread/environment/* notifications, when it sends them, ask at once.
      const nudges = this.host.notifications$.pipe(
        filter(
          (n) =>
            (n.method === 'thread/environment/connected' ||
              n.method === 'thread/environment/disconnected') &&
            n.params.environmentId === environmentId,
        ),
      );
      watch = merge(timer(0, this.pollMs), nudges).pipe(
        exhaustMap(() =>
          from(this.host.status(environmentId)).pipe(
            map((r): EnvironmentStatus => ({
              environmentId,
              status: r.status,
              ...(r.error !== undefined ? { error: r.error } : {}),
            })),
            catchError((error: unknown) =>
              // The server refusing the question is a status; a closed connection ends the watch.
              error instanceof JsonRpcError
                ? of<EnvironmentStatus>({ environmentId, status: 'unknown', error: error.message })
                : EMPTY,
            ),
          ),
        ),
        distinctUntilChanged((a, b) => a.status === b.status && a.error === b.error),
        takeUntil(this.host.closed$),
        // A late subscriber gets the status now, not at the next change.
        share({
          connector: () => new ReplaySubject<EnvironmentStatus>(1),
          resetOnRefCountZero: true,
          resetOnComplete: true,
          resetOnError: true,
        }),
      );
      this.watches.set(environmentId, watch);
    }
    return watch;
  }

  /** Records a thread's environments and policy, from its `thread/start` / `thread/resume` answer. */
  openThread(
    threadId: string,
    environments: readonly { environmentId: string }[] | null | undefined,
    policy: EnvironmentLostPolicy | undefined,
    pending?: TurnEnvironmentParams[],
  ): void {
    if (environments?.length) {
      this.listen();
      this.threadEnvironments.set(
        threadId,
        environments.map((e) => e.environmentId),
      );
    }
    if (policy) this.threadPolicies.set(threadId, policy);
    if (pending) {
      this.listen();
      this.pendingEnvironments.set(threadId, pending);
      this.threadEnvironments.set(
        threadId,
        pending.map((e) => e.environmentId),
      );
    }
  }

  /**
   * Wraps a `turn/start` request: strips the SDK's `onEnvironmentLost`, adds a resumed thread's
   * pending environments, and once the turn has an id, guards it.
   */
  async startTurn(
    params: Record<string, unknown>,
    send: (params: Record<string, unknown>) => Promise<unknown>,
  ): Promise<unknown> {
    const { onEnvironmentLost, ...wire } = params as Record<string, unknown> & {
      onEnvironmentLost?: unknown;
      environments?: unknown;
    };
    const threadId = String(wire.threadId);
    if (onEnvironmentLost !== undefined && !isPolicy(onEnvironmentLost))
      throw new InvalidInputError(
        'options.onEnvironmentLost',
        `must be 'fail', 'interrupt' or 'ignore', got ${JSON.stringify(onEnvironmentLost)}`,
        'turn/start',
      );
    const pending = this.pendingEnvironments.get(threadId);
    if (wire.environments === undefined && pending) wire.environments = pending;
    const response = (await send(wire)) as { turn?: { id?: unknown } };
    this.pendingEnvironments.delete(threadId);
    const given = wire.environments as readonly { environmentId: string }[] | null | undefined;
    // Turn environments are sticky: they are the thread's from now on.
    if (given) {
      this.listen();
      this.threadEnvironments.set(
        threadId,
        given.map((e) => String(e?.environmentId)),
      );
      this.quiet();
    }
    const environmentIds = this.threadEnvironments.get(threadId) ?? [];
    const turnId = response?.turn?.id;
    if (typeof turnId === 'string' && environmentIds.length > 0) {
      const policy = onEnvironmentLost ?? this.threadPolicies.get(threadId) ?? 'fail';
      this.running.set(turnId, { threadId, turnId, environmentIds, policy, open: new Map() });
      for (const id of environmentIds) this.guard(id);
    }
    return response;
  }

  /** Forgets a thread (closed, archived). */
  forgetThread(threadId: string): void {
    this.threadEnvironments.delete(threadId);
    this.threadPolicies.delete(threadId);
    this.pendingEnvironments.delete(threadId);
    this.quiet();
  }

  /** Counts of live state, for leak checks. */
  stats(): { runningTurns: number; guards: number } {
    return { runningTurns: this.running.size, guards: this.guards.size };
  }

  private guard(environmentId: string): void {
    if (this.guards.has(environmentId)) return;
    const subscription = this.status$(environmentId).subscribe({
      next: (status) => {
        if (status.status === 'disconnected') this.lost(status);
      },
      error: () => undefined,
    });
    if (!subscription.closed) this.guards.set(environmentId, subscription);
  }

  private lost(status: EnvironmentStatus): void {
    for (const turn of [...this.running.values()]) {
      if (!turn.environmentIds.includes(status.environmentId)) continue;
      if (turn.policy === 'ignore') continue;
      this.running.delete(turn.turnId);
      const interrupt = (): void => {
        this.host.interrupt(turn.threadId, turn.turnId).catch((error: unknown) => {
          this.host.logger.debug(
            `codex-rx: interrupting turn ${turn.turnId} after its environment was lost failed: ${(error as Error).message}`,
          );
        });
      };
      if (turn.policy === 'interrupt') {
        this.host.logger.warn(
          `codex-rx: environment ${status.environmentId} was lost; interrupting turn ${turn.turnId}`,
        );
        interrupt();
        continue;
      }
      const failedItems = [...turn.open.values()].map(
        (item) => ({ ...item, status: 'failed' }) as ThreadItem,
      );
      const error = new EnvironmentLostError(
        status.environmentId,
        status.error,
        turn.threadId,
        turn.turnId,
        failedItems,
      );
      this.host.logger.warn(`codex-rx: ${error.message}`);
      this.host.router.thread(turn.threadId).fail(turn.turnId, error);
      // The server would otherwise go on with the turn (and end it `completed`) by itself.
      interrupt();
    }
    this.release();
  }

  private onNotification(n: CodexNotification): void {
    switch (n.method) {
      case 'item/started':
      case 'item/completed': {
        const turn = this.running.get(n.params.turnId);
        const item = n.params.item as ThreadItem | null | undefined;
        if (!turn || !item || item.type !== 'commandExecution' || typeof item.id !== 'string')
          return;
        if (n.method === 'item/started') {
          if (turn.open.size < 1000) turn.open.set(item.id, item);
        } else turn.open.delete(item.id);
        return;
      }
      case 'turn/completed': {
        const turnId = (n.params.turn as { id?: unknown } | undefined)?.id;
        if (typeof turnId === 'string' && this.running.delete(turnId)) this.release();
        return;
      }
      case 'thread/closed':
        for (const turn of [...this.running.values()])
          if (turn.threadId === n.params.threadId) this.running.delete(turn.turnId);
        this.forgetThread(n.params.threadId);
        this.release();
        return;
    }
  }

  /** Ends the status watches no running turn needs any more. */
  private release(): void {
    for (const [id, subscription] of this.guards) {
      if ([...this.running.values()].some((t) => t.environmentIds.includes(id))) continue;
      subscription.unsubscribe();
      this.guards.delete(id);
    }
    this.quiet();
  }

  private stop(): void {
    this.running.clear();
    for (const subscription of this.guards.values()) subscription.unsubscribe();
    this.guards.clear();
    this.events?.unsubscribe();
  }
}
