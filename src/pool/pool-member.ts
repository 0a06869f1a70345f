import { BehaviorSubject } from 'rxjs';
import type { Subscription } from 'rxjs';
import type { Codex } from '../client/codex.js';
import type { ConnectionState } from '../client/client-connection.js';
import type { FullLogger } from '../logger.js';
import { AdmissionGate } from './admission-gate.js';
import type { PoolMemberLoad, PoolMemberState } from './pool-options.js';

/** Opens a member's client (a new server, or a new connection) with the pool's admission hook. */
export type OpenMember = (admitTurn: (threadId: string) => Promise<() => void>) => Promise<Codex>;

/** Longest wait between two restarts of a lost member. */
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * One member of a pool across its lives: its current `Codex` (a restarted server or a fresh
 * connection is a new one), its turn slots, and the restart after a loss.
 */
export class PoolMember {
  readonly gate: AdmissionGate;
  /** The member's current client, once it has one; completes when the member closes. */
  readonly codex$ = new BehaviorSubject<Codex | undefined>(undefined);
  /** Ids of the threads the pool placed or resumed here. */
  readonly threads = new Set<string>();
  /** Threads being started here: counted as the member's so that concurrent placements spread. */
  placing = 0;
  private status: PoolMemberState = 'starting';
  private closing = false;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private launching: Promise<void> | undefined;
  private watching: Subscription | undefined;

  constructor(
    readonly name: string,
    private readonly open: OpenMember,
    maxActiveTurns: number,
    private readonly restartDelayMs: number,
    private readonly logger: FullLogger,
    private readonly changed: () => void,
  ) {
    this.gate = new AdmissionGate(maxActiveTurns, changed);
  }

  get state(): PoolMemberState {
    return this.status;
  }

  /** The client while the member is ready. */
  get ready(): Codex | undefined {
    return this.status === 'ready' ? this.codex$.value : undefined;
  }

  load(): PoolMemberLoad {
    return {
      name: this.name,
      state: this.status,
      activeTurns: this.gate.activeTurns,
      queuedTurns: this.gate.queuedTurns,
      threads: this.threads.size + this.placing,
    };
  }

  /** The first start: fails when the member cannot be opened. */
  start(): Promise<void> {
    this.launching = this.launch();
    return this.launching;
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    await this.launching?.catch(() => undefined);
    this.gate.shut();
    this.watching?.unsubscribe();
    await this.codex$.value?.close();
    this.setState('closed');
    this.codex$.complete();
  }

  private async launch(): Promise<void> {
    const codex = await this.open(() => this.gate.admit());
    if (this.closing) {
      await codex.close();
      return;
    }
    this.restarts = 0;
    this.watching?.unsubscribe();
    this.codex$.next(codex);
    this.watching = codex.connectionState$.subscribe((state) => this.follow(codex, state));
  }

  private follow(codex: Codex, state: ConnectionState): void {
    if (codex !== this.codex$.value || this.closing) return;
    if (state === 'ready') {
      this.gate.open();
      this.setState('ready');
      return;
    }
    // Lost: what ran there has failed with the loss; nothing new is let in until it is back.
    this.gate.shut();
    this.setState(state === 'closed' ? 'unavailable' : 'starting');
    if (state === 'closed') this.scheduleRestart();
  }

  private scheduleRestart(): void {
    if (this.closing) return;
    const delay = Math.min(MAX_RESTART_DELAY_MS, this.restartDelayMs * 2 ** this.restarts++);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.closing) return;
      this.setState('starting');
      this.launching = this.launch().catch((error: unknown) => {
        this.logger.warn(
          `codex-rx: pool member ${this.name} could not be restarted: ${(error as Error).message}`,
        );
        this.setState('unavailable');
        this.scheduleRestart();
      });
    }, delay);
  }

  private setState(state: PoolMemberState): void {
    if (this.status === state) return;
    this.status = state;
    this.changed();
  }
}
