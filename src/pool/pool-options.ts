import type { CodexOptions, ConnectOptions } from '../client/codex-options.js';
import type { ThreadStartParams } from '../protocol/generated/v2/ThreadStartParams.js';
import type { RemoteOptions } from '../transport/websocket-transport.js';

/** Where a member is: `starting` (first start, restart or redial), `ready`, `unavailable` (lost), `closed`. */
export type PoolMemberState = 'starting' | 'ready' | 'unavailable' | 'closed';

/** One member's load, as {@link CodexPool.load$} and a placement function see it. */
export interface PoolMemberLoad {
  /** The member's name: `member-0` … for `CodexPool.start`, or the name given to `connect`. */
  readonly name: string;
  readonly state: PoolMemberState;
  /** Turns admitted and not yet ended. */
  readonly activeTurns: number;
  /** Turns waiting for a slot (`maxActiveTurnsPerMember`). */
  readonly queuedTurns: number;
  /** Threads this pool has placed on or resumed on the member. */
  readonly threads: number;
}

/** The pool's load: every member's, and the totals. */
export interface PoolLoad {
  readonly members: readonly PoolMemberLoad[];
  readonly activeTurns: number;
  /** Turns waiting for a slot, over all members. */
  readonly queuedTurns: number;
}

/**
 * Chooses the member for a new thread among the ready ones (never empty) and returns one of
 * them. The default takes the fewest active plus queued turns, then the fewest threads.
 */
export type PoolPlacement = (
  members: readonly PoolMemberLoad[],
  params: ThreadStartParams,
) => PoolMemberLoad;

/** What both kinds of pool take. */
export interface PoolOptions {
  /** Turns a member runs at once; more wait in a FIFO queue. Default: no limit. */
  maxActiveTurnsPerMember?: number;
  /** Where new threads go (default: the ready member with the fewest active turns). */
  placement?: PoolPlacement;
}

/** Options of {@link CodexPool.start}: `size` app-servers, each on its own home under `root`. */
export interface PoolStartOptions extends PoolOptions, Omit<CodexOptions, 'codexHome'> {
  /** How many app-servers (a whole number ≥ 1). */
  size: number;
  /**
   * The folder under which each member gets its own `CODEX_HOME`: `root/member-0`, … (created,
   * mode 0700, when missing). A pool started again over the same root finds its threads there.
   */
  root: string;
  /** How long to wait before restarting a lost member, in ms (default 500; doubles to 30 s). */
  restartDelayMs?: number;
}

/** One remote member of {@link CodexPool.connect}: where it listens, and its client options. */
export type PoolMemberTarget = RemoteOptions & ConnectOptions & { name?: string };

/** Options of {@link CodexPool.connect}: the members, and client options for all of them. */
export interface PoolConnectOptions extends PoolOptions, ConnectOptions {
  /** The listeners (`codex app-server --listen …`); a member's own options override the pool's. */
  members: readonly PoolMemberTarget[];
  /** How long to wait before dialing a member again once its own `reconnect` gave up, in ms (default 500; doubles to 30 s). */
  restartDelayMs?: number;
}
