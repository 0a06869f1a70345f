import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import path from 'node:path';
import { inspect } from 'node:util';
import type { InspectOptionsStylized } from 'node:util';
import { CodexError } from '../errors/codex-error.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';
import { codexCommand } from './codex-command.js';
import type { CodexCommandOptions } from './codex-command.js';
import { freePort } from './free-port.js';
import { ManagedProcess } from './managed-process.js';
import { ownedTempFolder } from './owned-temp-folder.js';
import type { RemoteOptions } from './websocket-transport.js';

/** Options of {@link startListener}. */
export interface ListenerOptions extends CodexCommandOptions {
  /** `'ws'` (default): `ws://127.0.0.1:PORT` with a fresh capability token; `'unix'`: a socket. */
  listen?: 'ws' | 'unix';
  /** The port for `'ws'` (default: a free one). Loopback only: without TLS, stay on this host. */
  port?: number;
  /**
   * The capability token for `'ws'` (default: a fresh random one). Give a restarted server the
   * token (and port) of the one before, and clients that reconnect get back in.
   */
  token?: string;
  /**
   * How `'ws'` clients authenticate: a fresh capability token (default), or signed JWTs from a
   * shared secret (`--ws-auth signed-bearer-token`); connect with `bearer: signedBearer(…)`.
   */
  auth?: 'capability-token' | { sharedSecret: string; issuer?: string; audience?: string };
  /** The socket path for `'unix'` (default: in a fresh temporary folder). */
  socketPath?: string;
  /** Working directory of the server. */
  cwd?: string;
  /** Extra arguments after `app-server`. */
  args?: readonly string[];
  /** How long to wait for `/readyz`, in ms (default 20000). */
  readyTimeoutMs?: number;
}

/**
 * Where a WebSocket listener is: its `ws://127.0.0.1:PORT` URL and, with the default
 * capability-token auth, the token (absent with signed bearer tokens: give `bearer` instead).
 */
export interface WebSocketListenerConnectOptions extends RemoteOptions {
  readonly url: string;
  readonly token?: string;
  readonly socketPath?: undefined;
}

/** Where a unix-socket listener is. */
export interface UnixListenerConnectOptions extends RemoteOptions {
  readonly socketPath: string;
  readonly url?: undefined;
  readonly token?: undefined;
}

/**
 * `listener.connectOptions`: for a listener started with a known `listen`, the one shape it has
 * (`const { url, token } = listener.connectOptions` gives `url` a `string`); otherwise either,
 * told apart by `url` or `socketPath`. Either is a {@link RemoteOptions} for `Codex.connect()`.
 */
export type ListenerConnectOptions<Listen extends 'ws' | 'unix' = 'ws' | 'unix'> =
  Listen extends 'unix' ? UnixListenerConnectOptions : WebSocketListenerConnectOptions;

/** A running listener. `close()` (or `await using`) stops it and removes its token file. */
export interface AppServerListener<
  Listen extends 'ws' | 'unix' = 'ws' | 'unix',
> extends AsyncDisposable {
  /** What {@link Codex.connect} needs: `{ url, token }` or `{ socketPath }`. */
  readonly connectOptions: ListenerConnectOptions<Listen>;
  /** The server's process id. */
  readonly pid: number | undefined;
  /**
   * Stops the server and everything it runs: SIGTERM to its process group, SIGKILL after 2 s.
   * The same happens when this process exits without calling it.
   */
  close(): Promise<void>;
}

/**
 * Starts `codex app-server --listen …` as a managed child, for tests and single-host deployments:
 * on `ws://127.0.0.1:PORT` with a capability token written to a private file, or on a unix
 * socket; resolves once the server answers `/readyz`. Connect with
 * `Codex.connect(listener.connectOptions)`, from as many clients as you like.
 */
export async function startListener<Listen extends 'ws' | 'unix' = 'ws'>(
  options: ListenerOptions & { listen?: Listen } = {},
): Promise<AppServerListener<Listen>> {
  // A missing binary fails here, before a folder with a token file exists to be left behind.
  codexCommand(options, []);
  // Removed on close, at exit, or (after a SIGKILL) by the next one started on the machine.
  const owned = await ownedTempFolder('codex-rx-listener-');
  const folder = owned.path;
  const listen = options.listen ?? 'ws';
  const args = ['app-server'];
  let connectOptions: ListenerConnectOptions;
  let ready: () => Promise<boolean>;
  let readyWhen: string;
  /** Whether the server has said, on stderr, that it listens where we asked. */
  let announced = false;
  let announcement: string | undefined;
  if (listen === 'unix') {
    const socketPath = options.socketPath ?? path.join(folder, 'app-server.sock');
    args.push('--listen', `unix://${socketPath}`);
    connectOptions = { socketPath };
    // Another server on that path would accept for it: refuse at once rather than report
    // success for a process that is about to exit with "already in use".
    if (options.socketPath !== undefined && (await accepts(socketPath))) {
      await owned.remove();
      throw new CodexError(`socket ${socketPath} is already in use by another server`, {
        code: 'address_in_use',
        data: { socketPath },
      });
    }
    // The control socket answers WebSocket upgrades only (no /readyz): it is ready once it accepts.
    ready = () => accepts(socketPath);
    readyWhen = `listening on ${socketPath}`;
  } else {
    const port = options.port ?? (await freePort());
    args.push('--listen', `ws://127.0.0.1:${port}`);
    const auth = options.auth ?? 'capability-token';
    if (auth === 'capability-token') {
      const token = options.token ?? randomBytes(32).toString('hex');
      const tokenFile = path.join(folder, 'token');
      await writeFile(tokenFile, token, { mode: 0o600 });
      args.push('--ws-auth', 'capability-token', '--ws-token-file', tokenFile);
      connectOptions = withTokenHidden({ url: `ws://127.0.0.1:${port}`, token });
    } else {
      const secretFile = path.join(folder, 'shared-secret');
      await writeFile(secretFile, auth.sharedSecret, { mode: 0o600 });
      args.push('--ws-auth', 'signed-bearer-token', '--ws-shared-secret-file', secretFile);
      if (auth.issuer) args.push('--ws-issuer', auth.issuer);
      if (auth.audience) args.push('--ws-audience', auth.audience);
      connectOptions = { url: `ws://127.0.0.1:${port}` };
    }
    // /readyz alone is not enough: another server on a port given in the options answers it
    // while ours fails to bind and exits. Ours says on stderr where it listens, once it does.
    announcement = `ws://127.0.0.1:${port}`;
    ready = async () => announced && (await readyz({ port }));
    readyWhen = `listening on ws://127.0.0.1:${port}`;
  }
  args.push(...(options.args ?? []));
  const command = codexCommand(options, args);
  const redactor = new SecretRedactor();
  if (connectOptions.token) redactor.add(connectOptions.token);
  if (typeof options.auth === 'object') redactor.add(options.auth.sharedSecret);
  redactor.collectEnv(process.env);
  if (options.env) redactor.collectEnv(options.env);
  const child = new ManagedProcess({
    executable: command.executable,
    args: command.args,
    env: command.env,
    cwd: options.cwd,
    stdin: 'ignore',
    stdout: 'ignore',
    redactor,
    onStderr: (line) => {
      if (announcement !== undefined && /listening/i.test(line) && line.includes(announcement))
        announced = true;
    },
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await child.terminate(2000);
      await owned.remove();
    })());
  try {
    await child.waitUntilReady(ready, options.readyTimeoutMs ?? 20_000, {
      executable: command.executable,
      readyWhen,
    });
  } catch (error) {
    await close();
    throw error;
  }
  // Which of the two shapes was built follows from `listen`, which the type cannot track.
  return {
    connectOptions: connectOptions as ListenerConnectOptions<Listen>,
    pid: child.pid,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * `options` with its `token` left readable (and copied by a spread) but shown as `[redacted]` by
 * `util.inspect` and `JSON.stringify`, of the options and of the handle holding them, as the
 * client keeps its own credentials out of both.
 */
function withTokenHidden<T extends RemoteOptions>(options: T): T {
  const shown = (): T => ({ ...options, token: '[redacted]' });
  // Not enumerable: a spread of the options copies the token, not these.
  Object.defineProperty(options, 'toJSON', { value: shown });
  Object.defineProperty(options, inspect.custom, {
    value: (_depth: number, inspectOptions: InspectOptionsStylized, show: typeof inspect) =>
      show(shown(), inspectOptions),
  });
  return options;
}

function accepts(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function readyz(where: { port?: number; socketPath?: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      {
        ...(where.socketPath
          ? { socketPath: where.socketPath }
          : { host: '127.0.0.1', port: where.port }),
        path: '/readyz',
        timeout: 1000,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}
