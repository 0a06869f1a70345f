import type { ResultPromise } from 'execa';
import { Emitter } from 'vscode-jsonrpc/node';
import type { Disposable } from 'vscode-jsonrpc/node';
import type { CodexError } from '../errors/codex-error.js';
import { CodexProcessError } from '../errors/codex-process-error.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';
import { codexCommand } from './codex-command.js';
import type { CodexCommandOptions } from './codex-command.js';
import { JsonlMessageReader } from './jsonl-message-reader.js';
import { JsonlMessageWriter } from './jsonl-message-writer.js';
import { ManagedProcess } from './managed-process.js';
import type { ManagedExit } from './managed-process.js';
import type { Transport } from './transport.js';

/** How to spawn `codex app-server`. */
export interface StdioTransportOptions extends CodexCommandOptions {
  /** Extra arguments after `app-server` (for example `['--enable', 'feature']`). */
  args?: readonly string[];
  /** Working directory of the server process. */
  cwd?: string;
  /** How many stderr lines to keep for error messages (default 50). */
  stderrLines?: number;
  /** Called with each stderr line. Stderr is never printed by default. */
  onStderr?: (line: string) => void;
  /** How long `close()` waits after SIGTERM before SIGKILL, in ms (default 2000). */
  killGraceMs?: number;
  /**
   * The largest message accepted from the server, in bytes (default 64 MiB). A longer line ends
   * the connection with a `MessageTooLargeError` instead of exhausting memory.
   */
  maxMessageBytes?: number;
}

type StdioChild = ResultPromise<{
  buffer: false;
  reject: false;
  stdin: 'pipe';
  stdout: 'pipe';
  stderr: 'pipe';
}>;

/** Stdout can stay open after exit when a grandchild inherited it; don't wait on it forever. */
const STDOUT_DRAIN_MS = 500;

/**
 * Runs `codex app-server` as a child process and speaks JSONL over its stdin/stdout.
 *
 * The child is spawned with an argument array (never through a shell), in a process group of its
 * own (see {@link ManagedProcess}): closing the transport, the server dying and this process
 * exiting all end the server and every command it was running. Its stderr is kept in a bounded
 * tail for error messages. When it exits on its own, `onClose` fires with a
 * {@link CodexProcessError} carrying the exit code, signal and last stderr lines.
 */
export class StdioTransport implements Transport {
  readonly reader: JsonlMessageReader;
  readonly writer: JsonlMessageWriter;
  private readonly managed: ManagedProcess;
  private readonly child: StdioChild;
  private readonly closeEmitter = new Emitter<CodexError | undefined>();
  private readonly exited: Promise<ManagedExit>;
  private closing = false;
  private closedPromise: Promise<void> | undefined;
  private readonly executable: string;
  // Private fields: the options hold the environment (keys included), and neither they nor the
  // redactor may show in `util.inspect` or `JSON.stringify` of a client.
  readonly #killGraceMs: number;
  readonly #redactor: SecretRedactor;

  /**
   * @param redactor - @internal shared with the client's connection, so credentials it sends
   *   are also removed from the server's stderr.
   */
  constructor(options: StdioTransportOptions = {}, redactor = new SecretRedactor()) {
    this.#killGraceMs = options.killGraceMs ?? 2000;
    this.#redactor = redactor;
    // Whatever the server inherits, it may print: secret-looking variables are redacted by value.
    redactor.collectEnv(process.env);
    if (options.env) redactor.collectEnv(options.env);
    const command = codexCommand(options, ['app-server', ...(options.args ?? [])]);
    this.executable = command.executable;
    const { env, args } = command;
    this.managed = new ManagedProcess({
      executable: this.executable,
      args,
      env,
      cwd: options.cwd,
      stdin: 'pipe',
      stdout: 'pipe',
      stderrLines: options.stderrLines,
      onStderr: options.onStderr,
      redactor,
    });
    this.child = this.managed.child as StdioChild;
    this.reader = new JsonlMessageReader(this.child.stdout, options.maxMessageBytes);
    this.writer = new JsonlMessageWriter(this.child.stdin);
    // A write to a dead child raises EPIPE on stdin; the exit is reported through onClose instead.
    this.child.stdin.on('error', () => undefined);
    this.exited = this.managed.exited;
    void this.exited.then(async (exit) => {
      await this.stdoutDrained();
      let error: CodexError | undefined;
      if (!this.closing) {
        const reason = exit.spawnError
          ? `could not start ${this.executable} (${exit.spawnError.message})`
          : 'the Codex app-server process exited unexpectedly';
        error = new CodexProcessError(this.#redactor.redact(reason), {
          ...exit,
          stderrTail: this.stderrTail(),
        });
      }
      this.closeEmitter.fire(error);
      this.closeEmitter.dispose();
    });
  }

  /** The child's process id, once spawned. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last stderr lines the server wrote, credentials redacted. */
  stderrTail(): string[] {
    return this.managed.stderrTail();
  }

  describe(): string {
    return `codex app-server (${this.executable}${this.pid ? `, pid ${this.pid}` : ''})`;
  }

  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.child.pid !== undefined) return resolve();
      this.child.once('spawn', () => resolve());
      void this.exited.then((exit) => {
        if (this.child.pid !== undefined) return;
        reject(
          new CodexProcessError(
            this.#redactor.redact(
              `could not start ${this.executable}${exit.spawnError ? ` (${exit.spawnError.message})` : ''}`,
            ),
            { ...exit, stderrTail: this.stderrTail() },
          ),
        );
      });
    });
  }

  onClose(listener: (error: CodexError | undefined) => void): Disposable {
    return this.closeEmitter.event(listener);
  }

  close(): Promise<void> {
    this.closedPromise ??= this.terminate();
    return this.closedPromise;
  }

  private async terminate(): Promise<void> {
    this.closing = true;
    this.writer.end();
    await this.managed.terminate(this.#killGraceMs);
    await this.stdoutDrained();
  }

  private stdoutDrained(): Promise<void> {
    const stdout = this.child.stdout;
    if (stdout.readableEnded || stdout.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        stdout.destroy();
        done();
      }, STDOUT_DRAIN_MS);
      const done = (): void => {
        clearTimeout(timer);
        stdout.off('end', done);
        stdout.off('close', done);
        resolve();
      };
      stdout.on('end', done);
      stdout.on('close', done);
    });
  }
}
