import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { BehaviorSubject, EMPTY, catchError, filter, map, merge, mergeMap } from 'rxjs';
import type { Observable } from 'rxjs';
import { Codex } from '../client/codex.js';
import type { ConnectOptions } from '../client/codex-options.js';
import { CodexError } from '../errors/codex-error.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { JsonRpcError } from '../errors/json-rpc-error.js';
import { silentLogger } from '../logger.js';
import type { FullLogger } from '../logger.js';
import type { Thread } from '../thread/thread.js';
import { assertThreadId } from '../thread/thread.js';
import type { RemoteOptions } from '../transport/websocket-transport.js';
import type { PoolNotification, PoolServerRequest } from './pool-events.js';
import { PoolMember } from './pool-member.js';
import type { OpenMember } from './pool-member.js';
import type {
  PoolConnectOptions,
  PoolLoad,
  PoolMemberLoad,
  PoolOptions,
  PoolPlacement,
  PoolStartOptions,
} from './pool-options.js';

const DEFAULT_RESTART_DELAY_MS = 500;

/** The keys of a member target that say where it listens; the rest are client options. */
const REMOTE_KEYS = [
  'url',
  'socketPath',
  'token',
  'tokenFile',
  'bearer',
  'headers',
  'connectTimeoutMs',
  'heartbeatIntervalMs',
  'heartbeatTimeoutMs',
] as const satisfies readonly (keyof RemoteOptions)[];

/** The fewest active plus queued turns, then the fewest threads, then the first. */
const leastLoaded: PoolPlacement = (members) =>
  members.reduce((best, m) => {
    const load = (x: PoolMemberLoad): number => x.activeTurns + x.queuedTurns;
    if (load(m) !== load(best)) return load(m) < load(best) ? m : best;
    return m.threads < best.threads ? m : best;
  });

/**
 * Several app-servers behind one client: each member is an ordinary {@link Codex} (a server
 * spawned on its own `CODEX_HOME`, or a connection to a listener), and the pool hands out their
 * ordinary `Thread`s. New threads go to the least-loaded ready member; a thread stays on the
 * member that has it (`memberOf`, `resumeThread`); `maxActiveTurnsPerMember` queues turns
 * beyond it. A lost member fails its own running turns and requests with the usual typed
 * errors, is restarted (or redialed), and takes no new thread meanwhile.
 *
 * ```ts
 * await using pool = await CodexPool.start({ size: 2, root: '/var/lib/agents' });
 * const thread = await pool.startThread();
 * console.log(pool.memberOf(thread.id), (await thread.run('Say hello')).finalResponse);
 * ```
 */
export class CodexPool implements AsyncDisposable {
  /** Every member's notifications, each with its member's name; hot, completes at `close()`. */
  readonly notifications$: Observable<PoolNotification>;
  /**
   * Every member's server requests, each with its member's name. Like `codex.serverRequests$`:
   * while someone subscribes, requests no handler answers wait for `respond()`.
   */
  readonly serverRequests$: Observable<PoolServerRequest>;
  /** The members' state and turns now and on every change; completes at `close()`. */
  readonly load$: Observable<PoolLoad>;
  private readonly load: BehaviorSubject<PoolLoad>;
  private readonly members: readonly PoolMember[];
  private readonly affinity = new Map<string, PoolMember>();
  private readonly placement: PoolPlacement;
  private closing: Promise<void> | undefined;

  private constructor(
    members: Array<{ name: string; open: OpenMember }>,
    options: PoolOptions & { restartDelayMs?: number | undefined; logger?: FullLogger },
  ) {
    const max = options.maxActiveTurnsPerMember ?? Infinity;
    const delay = options.restartDelayMs ?? DEFAULT_RESTART_DELAY_MS;
    this.placement = options.placement ?? leastLoaded;
    this.load = new BehaviorSubject<PoolLoad>({ members: [], activeTurns: 0, queuedTurns: 0 });
    this.members = members.map(
      ({ name, open }) =>
        new PoolMember(name, open, max, delay, options.logger ?? silentLogger, () =>
          this.publish(),
        ),
    );
    this.publish();
    this.load$ = this.load.asObservable();
    this.notifications$ = this.fromMembers((codex, member) =>
      codex.notifications$.pipe(map((notification) => ({ member, notification }))),
    );
    this.serverRequests$ = this.fromMembers((codex, member) =>
      codex.serverRequests$.pipe(map((request) => ({ member, request }))),
    );
  }

  /**
   * Spawns `size` app-servers (each `Codex.start(options)` with `codexHome: root/member-<i>`) and
   * resolves once all are ready; if one cannot start, the others are closed and the error thrown.
   *
   * @throws {@link InvalidInputError} for a bad `size`, `root` or limit, before anything starts.
   */
  static async start(options: PoolStartOptions): Promise<CodexPool> {
    if (options === null || typeof options !== 'object')
      throw new InvalidInputError('options', 'must be an object with size and root');
    const { size, root, maxActiveTurnsPerMember, placement, restartDelayMs, ...codexOptions } =
      options;
    if (!(typeof size === 'number' && Number.isInteger(size) && size >= 1))
      throw new InvalidInputError('size', `must be a whole number ≥ 1, got ${shown(size)}`);
    if (typeof root !== 'string' || root.trim() === '')
      throw new InvalidInputError(
        'root',
        `must be a folder path for the members' homes, got ${JSON.stringify(root)}`,
      );
    if ((codexOptions as { codexHome?: unknown }).codexHome !== undefined)
      throw new InvalidInputError(
        'codexHome',
        'conflicts with root: each member has its own home, root/member-<i>',
      );
    checkPoolOptions({ maxActiveTurnsPerMember, placement, restartDelayMs });
    const homes = Array.from({ length: size }, (_, i) => path.resolve(root, `member-${i}`));
    for (const home of homes) await mkdir(home, { recursive: true, mode: 0o700 });
    return CodexPool.open(
      homes.map((home, i) => ({
        name: `member-${i}`,
        open: (admitTurn) => Codex.start({ ...codexOptions, codexHome: home, admitTurn }),
      })),
      { maxActiveTurnsPerMember, placement, restartDelayMs, logger: fullLogger(codexOptions) },
    );
  }

  /**
   * Connects to running listeners (`codex app-server --listen …`), one member each, with
   * `reconnect` on unless a member says otherwise; resolves once all are connected.
   *
   * @throws {@link InvalidInputError} for an empty or malformed member list; the first
   *   member's connect error (`AuthenticationError`, `CodexError` `connect_failed`) otherwise.
   */
  static async connect(options: PoolConnectOptions): Promise<CodexPool> {
    if (options === null || typeof options !== 'object' || !Array.isArray(options.members))
      throw new InvalidInputError('members', 'must be an array of listener addresses');
    const { members, maxActiveTurnsPerMember, placement, restartDelayMs, ...shared } = options;
    if (members.length === 0)
      throw new InvalidInputError('members', 'must name at least one listener');
    checkPoolOptions({ maxActiveTurnsPerMember, placement, restartDelayMs });
    const names = new Set<string>();
    const opens = members.map((member, i) => {
      if (member === null || typeof member !== 'object')
        throw new InvalidInputError(`members[${i}]`, 'must be { url | socketPath, … }');
      const { name: given, ...rest } = member as { name?: unknown } & Record<string, unknown>;
      const name = given ?? `member-${i}`;
      if (typeof name !== 'string' || name.trim() === '' || names.has(name))
        throw new InvalidInputError(
          `members[${i}].name`,
          `must be a unique non-empty string, got ${JSON.stringify(name)}`,
        );
      names.add(name);
      const target: Record<string, unknown> = {};
      const client: Record<string, unknown> = { reconnect: true, ...shared };
      for (const [key, value] of Object.entries(rest))
        ((REMOTE_KEYS as readonly string[]).includes(key) ? target : client)[key] = value;
      const open: OpenMember = (admitTurn) =>
        Codex.connect(target, { ...(client as ConnectOptions), admitTurn });
      return { name, open };
    });
    return CodexPool.open(opens, {
      maxActiveTurnsPerMember,
      placement,
      restartDelayMs,
      logger: fullLogger(shared),
    });
  }

  private static async open(
    members: Array<{ name: string; open: OpenMember }>,
    options: PoolOptions & { restartDelayMs?: number | undefined; logger: FullLogger },
  ): Promise<CodexPool> {
    const pool = new CodexPool(members, options);
    const started = await Promise.allSettled(pool.members.map((member) => member.start()));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await pool.close();
      throw failed.reason;
    }
    return pool;
  }

  /** The members' names, in order. */
  get memberNames(): readonly string[] {
    return this.members.map((member) => member.name);
  }

  /** A member's current client, while it is ready (for requests the pool has no method for). */
  member(name: string): Codex | undefined {
    return this.members.find((member) => member.name === name)?.ready;
  }

  /** The name of the member a thread lives on, if this pool has placed, resumed or found it. */
  memberOf(threadId: string): string | undefined {
    return this.affinity.get(threadId)?.name;
  }

  /**
   * Starts a thread on the member the placement chooses among the ready ones (default: the
   * fewest active turns), as `codex.startThread` does there.
   *
   * @throws `CodexError` (`pool_unavailable`) when no member is ready; `ClosedError` after close.
   */
  async startThread(...args: Parameters<Codex['startThread']>): Promise<Thread> {
    const [params = {}] = args;
    this.assertOpen('thread/start');
    const ready = this.members.filter((member) => member.ready);
    if (ready.length === 0)
      throw new CodexError(
        `no pool member is ready (${this.describeMembers()}); try again when load$ shows one`,
        { code: 'pool_unavailable', method: 'thread/start' },
      );
    const loads = ready.map((member) => member.load());
    const chosen = this.placement(loads, params);
    const member = ready[loads.indexOf(chosen)];
    if (!member)
      throw new InvalidInputError(
        'placement',
        'must return one of the member loads it was given',
        'thread/start',
      );
    member.placing++;
    let thread: Thread;
    try {
      thread = await member.ready!.startThread(...args);
    } finally {
      member.placing--;
    }
    this.remember(thread.id, member);
    return thread;
  }

  /**
   * Resumes a thread on the member that has it: the one this pool placed it on, or else the
   * one whose store holds it (each ready member is asked, `thread/read`), as after a restart of
   * the pool over the same homes.
   *
   * @throws `CodexError` `member_unavailable` when its member is not ready, `thread_not_found`
   *   when no ready member has it; {@link InvalidInputError} for a bad id.
   */
  async resumeThread(...args: Parameters<Codex['resumeThread']>): Promise<Thread> {
    // The client's own parameters, so the two cannot drift apart; it checks them all again.
    const [threadId] = args;
    assertThreadId(threadId, 'thread/resume');
    this.assertOpen('thread/resume');
    const member = this.affinity.get(threadId) ?? (await this.locate(threadId));
    const codex = member.ready;
    if (!codex)
      throw new CodexError(
        `thread ${threadId} lives on pool member ${member.name}, which is ${member.state}`,
        { code: 'member_unavailable', method: 'thread/resume', data: { member: member.name } },
      );
    const thread = await codex.resumeThread(...args);
    this.remember(threadId, member);
    return thread;
  }

  /**
   * Ends every member (each client closed and, for `start`, its server stopped), fails what was
   * running with `ClosedError`, and completes the streams. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all(this.members.map((member) => member.close()));
      this.load.complete();
    })();
    return this.closing;
  }

  /** `await using pool = await CodexPool.start(…)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async locate(threadId: string): Promise<PoolMember> {
    const ready = this.members.filter((member) => member.ready);
    const found = await Promise.all(
      ready.map((member) =>
        member.ready!.readThread(threadId).then(
          () => true,
          (error: unknown) => {
            if (error instanceof JsonRpcError) return false;
            throw error;
          },
        ),
      ),
    );
    const owner = ready[found.indexOf(true)];
    if (owner) return owner;
    const down = this.members.length - ready.length;
    throw new CodexError(
      `thread ${threadId} is on none of the ready pool members` +
        (down > 0 ? ` (${down} not ready: it may be on one of them)` : ''),
      { code: 'thread_not_found', method: 'thread/resume' },
    );
  }

  private remember(threadId: string, member: PoolMember): void {
    this.affinity.get(threadId)?.threads.delete(threadId);
    this.affinity.set(threadId, member);
    member.threads.add(threadId);
    this.publish();
  }

  private assertOpen(method: string): void {
    if (this.closing)
      throw new CodexError(`${method}: the pool is closed`, { code: 'closed', method });
  }

  private describeMembers(): string {
    return this.members.map((member) => `${member.name} ${member.state}`).join(', ');
  }

  private publish(): void {
    // Members are made in the constructor, which publishes once they all exist.
    if (!this.members || this.load.closed) return;
    const members = this.members.map((member) => member.load());
    // One change can be reported twice (a member's gate shuts as its state changes): a
    // snapshot equal to the last one is no change, and is not emitted. (Plain data, a few members.)
    if (JSON.stringify(members) === JSON.stringify(this.load.value.members)) return;
    this.load.next({
      members,
      activeTurns: members.reduce((sum, m) => sum + m.activeTurns, 0),
      queuedTurns: members.reduce((sum, m) => sum + m.queuedTurns, 0),
    });
  }

  /** One stream over every member's current client; a lost client's stream ends quietly. */
  private fromMembers<T>(pick: (codex: Codex, member: string) => Observable<T>): Observable<T> {
    return merge(
      ...this.members.map((member) =>
        member.codex$.pipe(
          filter((codex): codex is Codex => codex !== undefined),
          mergeMap((codex) => pick(codex, member.name).pipe(catchError(() => EMPTY))),
        ),
      ),
    );
  }
}

function checkPoolOptions(options: {
  maxActiveTurnsPerMember: unknown;
  placement: unknown;
  restartDelayMs: unknown;
}): void {
  const max = options.maxActiveTurnsPerMember;
  if (
    max !== undefined &&
    !(typeof max === 'number' && max >= 1 && (Number.isInteger(max) || max === Infinity))
  )
    throw new InvalidInputError(
      'maxActiveTurnsPerMember',
      `must be a whole number ≥ 1 (or Infinity), got ${shown(max)}`,
    );
  if (options.placement !== undefined && typeof options.placement !== 'function')
    throw new InvalidInputError('placement', 'must be a function (members, params) => member');
  const delay = options.restartDelayMs;
  if (delay !== undefined && !(typeof delay === 'number' && Number.isFinite(delay) && delay >= 0))
    throw new InvalidInputError(
      'restartDelayMs',
      `must be a number of ms ≥ 0, got ${shown(delay)}`,
    );
}

function fullLogger(options: ConnectOptions): FullLogger {
  const logger = options.logger;
  if (!logger) return silentLogger;
  return {
    error: (m, ...d) => logger.error?.(m, ...d),
    warn: (m, ...d) => logger.warn?.(m, ...d),
    info: (m, ...d) => logger.info?.(m, ...d),
    debug: (m, ...d) => logger.debug?.(m, ...d),
  };
}

/** A bad value as a message shows it: numbers as numbers (NaN too), the rest as JSON. */
function shown(value: unknown): string {
  return typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? typeof value);
}
