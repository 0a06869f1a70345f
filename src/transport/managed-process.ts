import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { execa } from 'execa';
import type { ResultPromise } from 'execa';
import { CodexProcessError } from '../errors/codex-process-error.js';
import type { SecretRedactor } from '../secrets/secret-redactor.js';
import { ExitCleanup } from './exit-cleanup.js';
import { LineTail } from './line-tail.js';
import { underParentDeathSignal } from './parent-death.js';

/**
 * The variable every process of a managed child's tree inherits, with a value unique to that
 * child. Commands the server runs may leave its process group and session (the sandbox helper
 * and PTY commands call `setsid`), and after the server dies they are re-parented, so neither the
 * group nor the parent links find them: the inherited environment still does.
 */
export const PROCESS_TREE_VARIABLE = 'CODEX_RX_PROCESS_TREE';

/** How a managed child is spawned. */
export interface ManagedProcessOptions {
  readonly executable: string;
  readonly args: readonly string[];
  /** Added to (or, when `undefined`, removed from) the inherited environment. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string | undefined;
  readonly stdin: 'pipe' | 'ignore';
  readonly stdout: 'pipe' | 'ignore';
  /** How many stderr lines to keep (default 50). */
  readonly stderrLines?: number | undefined;
  /** Called with each stderr line, redacted; a throwing callback is contained. */
  readonly onStderr?: ((line: string) => void) | undefined;
  /** Redacts the stderr tail and the lines given to `onStderr`. */
  readonly redactor: SecretRedactor;
}

/** How a managed child ended. */
export interface ManagedExit {
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** Set when the executable could not be started at all. */
  readonly spawnError?: Error;
}

type Child = ResultPromise<{
  buffer: false;
  reject: false;
  stdin: 'pipe' | 'ignore';
  stdout: 'pipe' | 'ignore';
  stderr: 'pipe';
}>;

/**
 * Every managed child still running, ended synchronously if this process exits first. A detached
 * child no longer gets the terminal's ctrl-C itself: this is what ends it then.
 */
const live = new ExitCleanup<ManagedProcess>((managed) => managed.killTreeSync());

/**
 * One `codex` child process (the stdio app-server, a listener, an exec-server) and everything it
 * starts: spawned in a process group of its own, its stderr kept in a bounded, redacted tail, and
 * its whole tree ended when it is closed, when it exits or is killed, and when this process
 * exits. The transports and the listener/exec-server handles share it.
 */
export class ManagedProcess {
  /** The execa child; its stdin/stdout are pipes when asked for. */
  readonly child: Child;
  /** Resolves when the child has exited (never rejects), after its tree was ended. */
  readonly exited: Promise<ManagedExit>;
  readonly #tag = randomBytes(12).toString('hex');
  readonly #stderr: LineTail;
  readonly #redactor: SecretRedactor;
  #exited = false;
  #terminating: Promise<void> | undefined;

  constructor(options: ManagedProcessOptions) {
    this.#redactor = options.redactor;
    this.#stderr = new LineTail(options.stderrLines ?? 50);
    // Ended by the kernel when this process dies without running its exit hook (SIGKILL).
    const command = underParentDeathSignal(options.executable, options.args);
    this.child = execa(command.file, command.args, {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env: { ...options.env, [PROCESS_TREE_VARIABLE]: this.#tag },
      extendEnv: true,
      stdin: options.stdin,
      stdout: options.stdout,
      stderr: 'pipe',
      buffer: false,
      reject: false,
      // A group of its own, so that ending it ends what it runs; our own exit hook replaces
      // execa's cleanup, which would signal the leader alone.
      detached: true,
      cleanup: false,
      forceKillAfterDelay: false,
    });
    const onStderr = options.onStderr;
    const redactor = this.#redactor;
    this.child.stderr.on('data', (chunk: Buffer) =>
      this.#stderr.push(
        chunk,
        onStderr &&
          ((line) => {
            try {
              onStderr(redactor.redact(line));
            } catch {
              // A throwing callback must not take the stderr pipe (and the child) down with it.
            }
          }),
      ),
    );
    if (this.child.pid !== undefined) live.add(this);
    this.exited = this.child.then(async (result) => {
      this.#exited = true;
      live.delete(this);
      // The leader is gone; whatever it started and left behind goes with it.
      await this.killLeftovers();
      return {
        exitCode: result.exitCode ?? null,
        signal: result.signal ?? null,
        ...(result.failed && result.exitCode === undefined && result.signal === undefined
          ? { spawnError: (result.cause as Error | undefined) ?? new Error(result.message) }
          : {}),
      };
    });
  }

  /** The child's process id, once spawned. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the child has exited. */
  get hasExited(): boolean {
    return this.#exited || this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** The last stderr lines, credentials redacted. */
  stderrTail(): string[] {
    return this.#stderr.snapshot().map((line) => this.#redactor.redact(line));
  }

  /**
   * Ends the child and its tree: SIGTERM to its process group, SIGKILL to the group after
   * `graceMs`, then SIGKILL to any process of its tree still left. Idempotent.
   */
  terminate(graceMs: number): Promise<void> {
    this.#terminating ??= (async () => {
      if (this.hasExited || this.pid === undefined) {
        await this.exited;
        return;
      }
      signalGroup(this.pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (this.pid !== undefined) signalGroup(this.pid, 'SIGKILL');
      }, graceMs);
      try {
        await this.exited;
      } finally {
        clearTimeout(timer);
      }
    })();
    return this.#terminating;
  }

  /**
   * Polls `ready` every 50 ms until it answers true. When the child exits first or `timeoutMs`
   * passes, ends the child and throws a {@link CodexProcessError} quoting its stderr tail.
   */
  async waitUntilReady(
    ready: () => Promise<boolean>,
    timeoutMs: number,
    what: { executable: string; readyWhen: string },
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await ready())) {
      if (this.hasExited || Date.now() > deadline) {
        const exitedFirst = this.hasExited;
        await this.terminate(2000);
        const exit = await this.exited;
        throw new CodexProcessError(
          this.#redactor.redact(
            exitedFirst
              ? `${what.executable} exited before ${what.readyWhen}`
              : `${what.executable} was not ${what.readyWhen} within ${timeoutMs} ms`,
          ),
          { exitCode: exit.exitCode, signal: exit.signal, stderrTail: this.stderrTail() },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** @internal Synchronous, for the exit hook: SIGKILL to the group and every tagged process. */
  killTreeSync(): void {
    if (this.pid !== undefined && !this.hasExited) signalGroup(this.pid, 'SIGKILL');
    for (const pid of taggedSync(this.#tag)) signal(pid, 'SIGKILL');
  }

  private async killLeftovers(): Promise<void> {
    if (this.pid !== undefined) signalGroup(this.pid, 'SIGKILL');
    // Two passes: a process forking while the first pass runs is caught by the second.
    for (let pass = 0; pass < 2; pass++) {
      const pids = await tagged(this.#tag);
      if (pids.length === 0) return;
      for (const pid of pids) signal(pid, 'SIGKILL');
    }
  }
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  signal(-pid, sig);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone already (ESRCH), or not ours to signal (EPERM): nothing to end.
  }
}

/** Processes whose environment carries `tag` (Linux `/proc`; elsewhere, none are found). */
async function tagged(tag: string): Promise<number[]> {
  const needle = `${PROCESS_TREE_VARIABLE}=${tag}`;
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
      .map(async (entry) => {
        try {
          const environ = await readFile(`/proc/${entry}/environ`, 'latin1');
          if (environ.split('\0').includes(needle)) found.push(Number(entry));
        } catch {
          // Exited meanwhile, or not readable by this user.
        }
      }),
  );
  return found;
}

function taggedSync(tag: string): number[] {
  const needle = `${PROCESS_TREE_VARIABLE}=${tag}`;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(needle))
        found.push(Number(entry));
    } catch {
      // Exited meanwhile, or not readable by this user.
    }
  }
  return found;
}
