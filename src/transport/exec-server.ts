import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { inspect } from 'node:util';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';
import { codexCommand } from './codex-command.js';
import type { CodexCommandOptions } from './codex-command.js';
import { ManagedProcess } from './managed-process.js';
import { ownedTempFolder } from './owned-temp-folder.js';
import type { ManagedExit } from './managed-process.js';

/** A command line: what {@link ExecServerOptions.wrap} receives and returns. */
export interface CommandLine {
  readonly executable: string;
  readonly args: readonly string[];
}

/** Options of {@link startExecServer}. */
export interface ExecServerOptions extends CodexCommandOptions {
  /**
   * The port on 127.0.0.1 (default 0: the OS picks a free one, read back from what the server
   * prints). Give a restarted executor the port (and token) of the one before to keep its URL.
   * Loopback only: without TLS in front, an executor must not be reachable from elsewhere.
   */
  port?: number;
  /**
   * How app-servers authenticate to it: a capability token (default; `token` or a fresh random
   * one, written to a 0600 file), or signed JWTs from a shared secret
   * (`--ws-auth signed-bearer-token`): register it with `bearer: signedBearer({ secret, ttlSeconds })`.
   */
  auth?: 'capability-token' | { sharedSecret: string; issuer?: string; audience?: string };
  /** The capability token (default: 32 random bytes, hex). */
  token?: string;
  /** Working directory of the executor (its commands' default cwd). */
  cwd?: string;
  /** Extra arguments after `exec-server`. */
  args?: readonly string[];
  /**
   * Rewrites the command before it is spawned: to run the executor in a namespace, a container
   * or under another user. The result runs without a shell unless you put one in, and must
   * `exec` the command it was given so that the executor's output and exit reach this handle:
   *
   * ```ts
   * wrap: ({ executable, args }) => ({
   *   executable: 'unshare',
   *   args: ['--uts', 'sh', '-c', 'hostname exec-a && exec "$0" "$@"', executable, ...args],
   * })
   * ```
   */
  wrap?: (command: CommandLine) => CommandLine;
  /** How long to wait until it accepts connections, in ms (default 20000). */
  readyTimeoutMs?: number;
  /** How long `close()` waits after SIGTERM before SIGKILL, in ms (default 2000). */
  killGraceMs?: number;
  /** Called with each stderr line, credentials redacted. Stderr is never printed by default. */
  onStderr?: (line: string) => void;
}

/**
 * A running `codex exec-server`: a remote executor that app-servers run threads' commands in
 * (register it with `codex.addEnvironment({ environmentId, ...executor.environment })`).
 * `close()` (or `await using`) ends it and every command it runs, and removes its token file; so
 * does this process exiting. Its token shows as `[redacted]` in `util.inspect` and `JSON.stringify`.
 */
export interface ExecServer extends AsyncDisposable {
  /** Where it listens: `ws://127.0.0.1:PORT`. */
  readonly url: string;
  /** The capability token app-servers present; undefined with signed-bearer auth. */
  readonly token: string | undefined;
  /** What `codex.addEnvironment()` needs besides the id: `{ url, token }`, or `{ url }` with signed bearer. */
  readonly environment: { readonly url: string; readonly token?: string };
  /** The executor's process id (the wrapper's, when `wrap` is used). */
  readonly pid: number | undefined;
  /** Resolves when the executor has exited, for whatever reason, after its tree was ended. */
  readonly exited: Promise<{ exitCode: number | null; signal: string | null }>;
  /** The last lines it wrote to stderr, credentials redacted. */
  stderrTail(): string[];
  /** Ends it and its commands (SIGTERM to its process group, SIGKILL after the grace). Idempotent. */
  close(): Promise<void>;
}

class ExecServerHandle implements ExecServer {
  readonly #token: string | undefined;
  readonly #child: ManagedProcess;
  readonly #close: () => Promise<void>;
  readonly url: string;
  readonly exited: Promise<{ exitCode: number | null; signal: string | null }>;

  constructor(
    url: string,
    token: string | undefined,
    child: ManagedProcess,
    close: () => Promise<void>,
  ) {
    this.url = url;
    this.#token = token;
    this.#child = child;
    this.#close = close;
    this.exited = child.exited.then((exit: ManagedExit) => ({
      exitCode: exit.exitCode,
      signal: exit.signal,
    }));
  }

  get token(): string | undefined {
    return this.#token;
  }

  get environment(): { readonly url: string; readonly token?: string } {
    return this.#token === undefined ? { url: this.url } : { url: this.url, token: this.#token };
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  stderrTail(): string[] {
    return this.#child.stderrTail();
  }

  close(): Promise<void> {
    return this.#close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.#close();
  }

  toJSON(): Record<string, unknown> {
    return {
      url: this.url,
      pid: this.pid,
      ...(this.#token === undefined ? {} : { token: '[redacted]' }),
    };
  }

  [inspect.custom](): string {
    return `ExecServer ${inspect(this.toJSON())}`;
  }
}

/**
 * Starts `codex exec-server --listen ws://127.0.0.1:PORT` as a managed child, in a process group
 * of its own: a remote executor for app-servers on this host (for tests, or for a host whose
 * commands should run apart from the orchestrator). Resolves once it accepts connections.
 *
 * ```ts
 * await using executor = await startExecServer();
 * await codex.addEnvironment({ environmentId: 'builder', ...executor.environment });
 * const thread = await codex.startThread({ environments: [{ environmentId: 'builder', cwd: '/tmp' }] });
 * ```
 *
 * @throws {@link InvalidInputError} for a bad port, token or secret; `CodexProcessError` when it
 *   exits before it listens or does not listen within `readyTimeoutMs`.
 */
export async function startExecServer(options: ExecServerOptions = {}): Promise<ExecServer> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidInputError('port', `must be a whole number 0..65535, got ${String(port)}`);
  const auth = options.auth ?? 'capability-token';
  if (
    options.token !== undefined &&
    (typeof options.token !== 'string' || !/^\S+$/.test(options.token))
  )
    throw new InvalidInputError('token', 'must be a non-empty string without whitespace');
  if (auth !== 'capability-token') {
    if (typeof auth.sharedSecret !== 'string' || auth.sharedSecret.trim() === '')
      throw new InvalidInputError('auth.sharedSecret', 'must be a non-empty string');
    if (options.token !== undefined)
      throw new InvalidInputError('token', 'applies to capability-token auth, not signed bearer');
  }
  const redactor = new SecretRedactor();
  redactor.collectEnv(process.env);
  if (options.env) redactor.collectEnv(options.env);
  // Removed on close, at exit, or (after a SIGKILL) by the next one started on the machine.
  const owned = await ownedTempFolder('codex-rx-exec-server-');
  const folder = owned.path;
  const args = ['exec-server', '--listen', `ws://127.0.0.1:${port}`];
  let token: string | undefined;
  try {
    if (auth === 'capability-token') {
      token = options.token ?? randomBytes(32).toString('hex');
      redactor.add(token);
      const tokenFile = path.join(folder, 'token');
      await writeFile(tokenFile, token, { mode: 0o600 });
      args.push('--ws-auth', 'capability-token', '--ws-token-file', tokenFile);
    } else {
      redactor.add(auth.sharedSecret);
      const secretFile = path.join(folder, 'shared-secret');
      await writeFile(secretFile, auth.sharedSecret, { mode: 0o600 });
      args.push('--ws-auth', 'signed-bearer-token', '--ws-shared-secret-file', secretFile);
      if (auth.issuer) args.push('--ws-issuer', auth.issuer);
      if (auth.audience) args.push('--ws-audience', auth.audience);
    }
  } catch (error) {
    await owned.remove();
    throw error;
  }
  // (`--exit-on-stdin-close` would be the net under a SIGKILL of this process, but 0.169 accepts
  // it in `--remote` registration mode only.)
  args.push(...(options.args ?? []));
  const command = codexCommand(options, args);
  const line = options.wrap
    ? options.wrap({ executable: command.executable, args: command.args })
    : { executable: command.executable, args: command.args };
  const child = new ManagedProcess({
    executable: line.executable,
    args: line.args,
    env: command.env,
    cwd: options.cwd,
    stdin: 'ignore',
    stdout: 'pipe',
    onStderr: options.onStderr,
    redactor,
  });
  let url: string | undefined;
  let stdoutText = '';
  child.child.stdout?.on('data', (chunk: Buffer) => {
    if (url !== undefined || stdoutText.length > 4096) return;
    stdoutText += chunk.toString();
    const match = /ws:\/\/127\.0\.0\.1:(\d+)/.exec(stdoutText);
    if (match) url = `ws://127.0.0.1:${match[1]!}`;
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await child.terminate(options.killGraceMs ?? 2000);
      await owned.remove();
    })());
  // Once it has exited there is nothing left to serve: the folder goes too.
  void child.exited.then(() => close());
  try {
    await child.waitUntilReady(
      async () => url !== undefined && (await accepts(Number(new URL(url).port))),
      options.readyTimeoutMs ?? 20_000,
      { executable: line.executable, readyWhen: 'listening' },
    );
  } catch (error) {
    await close();
    throw error;
  }
  return new ExecServerHandle(url!, token, child, close);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
