import { BehaviorSubject } from 'rxjs';
import type { Observable } from 'rxjs';
import { ClosedError } from '../errors/closed-error.js';
import type { CodexError } from '../errors/codex-error.js';
import { checkRequestTimeoutMs } from '../timer-ms.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { JsonRpcError, JsonRpcErrorCode } from '../errors/json-rpc-error.js';
import { NotSignedInError } from '../errors/not-signed-in-error.js';
import { ProtocolError } from '../errors/protocol-error.js';
import type { FullLogger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { hotNotifications } from '../observables/hot-notifications.js';
import type { HotNotifications } from '../observables/hot-notifications.js';
import { NotificationRouter } from '../observables/notification-router.js';
import type { InitializeResponse } from '../protocol/generated/InitializeResponse.js';
import type {
  ClientRequestMethod,
  ClientRequestParams,
  ClientRequestResult,
} from '../protocol/methods.js';
import type { GetAccountResponse } from '../protocol/generated/v2/GetAccountResponse.js';
import { ServerRequestDispatcher } from '../requests/server-request-dispatcher.js';
import { RpcConnection } from '../rpc/rpc-connection.js';
import type { RequestOptions } from '../rpc/rpc-connection.js';
import { redactingLogger } from '../secrets/secret-redactor.js';
import type { SecretRedactor } from '../secrets/secret-redactor.js';
import type { Transport } from '../transport/transport.js';
import { VERSION } from '../version.js';
import type { ClientContext } from '../client-context.js';
import type { ConnectOptions, ReconnectOptions } from './codex-options.js';
import { TurnAdmissions } from './turn-admissions.js';

/** How long a server request may wait for an answer by default, in ms. */
const DEFAULT_SERVER_REQUEST_TIMEOUT_MS = 600_000;
/** Default bound on control requests: long enough for a slow thread/resume, short enough that nothing waits forever. */
const DEFAULT_CONTROL_TIMEOUT_MS = 120_000;

/**
 * Whether `error` says the server has no such method: -32601, or the app-server's -32600
 * "unknown variant" (its request enum has no entry for the method).
 */
function isUnsupportedMethod(error: unknown): boolean {
  if (!(error instanceof JsonRpcError)) return false;
  if (error.code === JsonRpcErrorCode.MethodNotFound) return true;
  return (
    error.code === JsonRpcErrorCode.InvalidRequest && /unknown variant/i.test(error.serverMessage)
  );
}

/**
 * Where the client's connection is: `connecting` while a reconnect dials, `ready` to take
 * requests, `reconnecting` between a loss and the next attempt, `closed` for good.
 */
export type ConnectionState = 'connecting' | 'ready' | 'reconnecting' | 'closed';

/**
 * Makes a new, started transport to the same server (for a reconnect). `signal` aborts the dial:
 * the transport being dialed is closed at once and the promise rejects.
 */
export type Redial = (signal: AbortSignal) => Promise<Transport>;

/**
 * The client's connection to its app-server, across reconnects. It owns what outlives one
 * transport (the routing table, the server-request dispatcher, the hot stream) and the current
 * {@link RpcConnection}. On a loss with `reconnect` on, it fails what was in flight (requests,
 * running turns) with the loss, keeps thread streams and subscribers, dials again with backoff,
 * and re-initializes; threads are re-subscribed by their owners (`thread.reconnect()`).
 */
export class ClientConnection {
  readonly ctx: ClientContext;
  readonly hot: HotNotifications;
  private rpc: RpcConnection;
  private readonly state = new BehaviorSubject<ConnectionState>('connecting');
  private closing = false;
  private dialing: Transport | undefined;
  /** Ends a reconnect dial in progress (close() meanwhile): its socket must not outlive close(). */
  private readonly dialAbort = new AbortController();
  private backoff: { timer: NodeJS.Timeout; wake: () => void } | undefined;
  private signedIn: Promise<void> | undefined;
  /** The server answered account/read as a method it does not know: no sign-in check. */
  private signInUnsupported = false;
  private readonly logger: FullLogger;
  private readonly router = new NotificationRouter();
  private readonly serverRequests: ServerRequestDispatcher;
  private readonly admissions: TurnAdmissions | undefined;

  // ES private: neither `JSON.stringify` nor `util.inspect` of a client may show the options
  // (their `env` holds credentials) or the redactor (it holds them all).
  readonly #options: ConnectOptions;
  readonly #redactor: SecretRedactor;
  readonly #redial: Redial | undefined;

  private constructor(
    transport: Transport,
    options: ConnectOptions,
    redactor: SecretRedactor,
    redial: Redial | undefined,
  ) {
    this.#options = options;
    this.#redactor = redactor;
    this.#redial = redial;
    this.logger = redactingLogger(options.logger ?? silentLogger, redactor);
    this.serverRequests = new ServerRequestDispatcher(
      this.logger,
      options.serverRequestTimeoutMs ?? DEFAULT_SERVER_REQUEST_TIMEOUT_MS,
      options.handlers,
    );
    const admissions = options.admitTurn ? new TurnAdmissions(options.admitTurn) : undefined;
    this.admissions = admissions;
    this.hot = hotNotifications(
      (n, wire) => {
        if (n.method === 'account/updated') this.signedIn = undefined;
        this.router.route(n, wire);
        admissions?.observe(n);
        if (n.method === 'serverRequest/resolved')
          this.serverRequests.resolved(n.params.threadId, n.params.requestId);
      },
      this.logger,
      (n, problem) => this.router.fail(n, new ProtocolError(n.method, problem)),
    );
    this.rpc = this.attach(transport);
    const controlTimeout = options.requestTimeoutMs ?? DEFAULT_CONTROL_TIMEOUT_MS;
    const controlOptions = controlTimeout === false ? {} : { timeoutMs: controlTimeout };
    // Reads the current connection at each call: a reconnect swaps it underneath.
    const current = (): RpcConnection => this.rpc;
    this.ctx = {
      get rpc() {
        return current();
      },
      router: this.router,
      notifications$: this.hot.notifications$,
      logger: this.logger,
      serverRequests: this.serverRequests,
      turnStallTimeoutMs: options.turnStallTimeoutMs,
      controlTimeoutMs: controlTimeout === false ? undefined : controlTimeout,
      request: <M extends ClientRequestMethod>(
        method: M,
        params: ClientRequestParams<M> | undefined,
        requestOptions?: RequestOptions,
      ) => {
        const send = () =>
          this.rpc.request(method, params, requestOptions) as Promise<ClientRequestResult<M>>;
        return admissions && method === 'turn/start'
          ? (admissions.start((params as { threadId: string }).threadId, send) as Promise<
              ClientRequestResult<M>
            >)
          : send();
      },
      // The one place the wire's untyped answer meets the protocol's types.
      control: <M extends ClientRequestMethod>(method: M, params: ClientRequestParams<M>) =>
        this.rpc.request(method, params, controlOptions) as Promise<ClientRequestResult<M>>,
      ensureSignedIn: (forMethod) => {
        if (options.checkSignIn === false) return Promise.resolve();
        if (this.signInUnsupported) return Promise.resolve();
        this.signedIn ??= (
          this.rpc.request('account/read', {}, controlOptions) as Promise<GetAccountResponse>
        ).then(
          (account) => {
            if (account.requiresOpenaiAuth && account.account === null)
              throw new NotSignedInError(account);
          },
          (error: unknown) => {
            // A server without account/read (older, minimal, a test's fake) can still run turns:
            // the check is a courtesy, never a reason to fail one.
            if (!isUnsupportedMethod(error)) throw error;
            this.signInUnsupported = true;
            this.logger.debug(
              `codex-rx: the server does not implement account/read (${(error as Error).message}); the sign-in check before turns is skipped`,
            );
          },
        );
        // A failed check is asked again next time: the user may sign in meanwhile.
        this.signedIn.catch(() => (this.signedIn = undefined));
        return this.signedIn.catch((error: unknown) => {
          // Ended meanwhile: the user's call failed, not a check they never made.
          if (error instanceof NotSignedInError) throw error;
          throw this.rpc.endedErrorFor(forMethod) ?? error;
        });
      },
    };
  }

  /**
   * Connects over `transport` (already started), runs the handshake, and returns the
   * connection and what the server said. With `redial`, a lost connection is dialed again as
   * `options.reconnect` says.
   */
  static async open(
    transport: Transport,
    options: ConnectOptions,
    redactor: SecretRedactor,
    redial?: Redial,
  ): Promise<{ connection: ClientConnection; metadata: InitializeResponse }> {
    try {
      checkReconnect(options, redial);
    } catch (error) {
      await transport.close();
      throw error;
    }
    const connection = new ClientConnection(transport, options, redactor, redial);
    try {
      const metadata = await connection.initialize(connection.rpc);
      connection.state.next('ready');
      return { connection, metadata };
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  /** The connection's state, now and on every change; completes after `closed`. */
  get state$(): Observable<ConnectionState> {
    return this.state.asObservable();
  }

  /** Closes for good: no reconnect, pending requests fail with `ClosedError`. Idempotent. */
  async close(): Promise<void> {
    this.closing = true;
    // A backoff wait in progress ends now: no timer of ours outlives close().
    clearTimeout(this.backoff?.timer);
    this.backoff?.wake();
    this.dialAbort.abort();
    await this.dialing?.close();
    await this.rpc.close();
    // A loss being reconnected from has no close event left to end the rest.
    this.finish(undefined);
  }

  private attach(transport: Transport): RpcConnection {
    // RpcConnection wraps the logger it is given in the same redaction itself.
    const rpc = new RpcConnection(transport, {
      ...(this.#options.logger ? { logger: this.#options.logger } : {}),
      redactor: this.#redactor,
      ...(this.#options.retry !== undefined ? { retry: this.#options.retry } : {}),
      ...(this.#options.maxInFlightRequests !== undefined
        ? { maxInFlightRequests: this.#options.maxInFlightRequests }
        : {}),
    });
    rpc.setRequestHandler((request) => this.serverRequests.dispatch(request));
    this.hot.attach(rpc);
    rpc.onClose((error) => this.onClose(rpc, error));
    rpc.listen();
    return rpc;
  }

  private async initialize(rpc: RpcConnection): Promise<InitializeResponse> {
    const options = this.#options;
    const clientInfo = options.clientInfo ?? { name: 'codex_rx', title: 'codex-rx' };
    const metadata = (await rpc.request(
      'initialize',
      {
        clientInfo: {
          name: clientInfo.name,
          title: clientInfo.title ?? null,
          version: clientInfo.version ?? VERSION,
        },
        capabilities: {
          ...options.capabilities,
          experimentalApi: options.experimentalApi ?? true,
          requestAttestation: options.capabilities?.requestAttestation ?? false,
        },
      },
      { timeoutMs: options.initializeTimeoutMs ?? 30_000 },
    )) as InitializeResponse;
    await rpc.notify('initialized');
    return metadata;
  }

  private onClose(rpc: RpcConnection, error: CodexError | undefined): void {
    if (rpc !== this.rpc) return;
    if (!error || this.closing || !this.#redial || !this.#options.reconnect) {
      this.finish(error);
      return;
    }
    // What was in flight may have run: it fails with the loss, nothing is sent again.
    this.router.failTurns(error);
    this.admissions?.releaseAll();
    this.serverRequests.connectionLost();
    this.signedIn = undefined;
    this.signInUnsupported = false;
    this.state.next('reconnecting');
    void this.reconnect(this.#options.reconnect, error);
  }

  private async reconnect(policy: ReconnectOptions | true, lost: CodexError): Promise<void> {
    const { retries = 5, backoff = {} } = policy === true ? {} : policy;
    const initialMs = backoff.initialMs ?? 250;
    const maxMs = backoff.maxMs ?? 5_000;
    for (let attempt = 0; attempt < retries && !this.closing; attempt++) {
      const delay = Math.min(maxMs, initialMs * 2 ** attempt);
      // Full jitter: many clients of one restarted server do not dial in step.
      await new Promise<void>((wake) => {
        this.backoff = {
          timer: setTimeout(wake, delay / 2 + Math.random() * (delay / 2)),
          wake,
        };
      });
      this.backoff = undefined;
      if (this.closing) return;
      this.state.next('connecting');
      let rpc: RpcConnection | undefined;
      try {
        this.dialing = await this.#redial!(this.dialAbort.signal);
        if (this.closing) {
          await this.dialing.close();
          return;
        }
        // Not current until initialized: a close meanwhile is this attempt's failure, not a loss.
        rpc = this.attach(this.dialing);
        await this.initialize(rpc);
        this.dialing = undefined;
        if (rpc.isClosed) throw new ClosedError('initialize');
        this.rpc = rpc;
        this.logger.warn(`codex-rx: reconnected after ${attempt + 1} attempt(s)`);
        this.state.next('ready');
        return;
      } catch (error) {
        this.dialing = undefined;
        this.logger.warn(
          `codex-rx: reconnect attempt ${attempt + 1} of ${retries} failed: ${(error as Error).message}`,
        );
        if (rpc) await rpc.close().catch(() => undefined);
        if (this.closing) return;
        this.state.next('reconnecting');
      }
    }
    this.finish(lost);
  }

  /** The end, for good: turns, thread streams, the hot stream and the state complete or error. */
  private finish(error: CodexError | undefined): void {
    if (this.state.value === 'closed') return;
    this.hot.end(error);
    this.router.end(error, error ?? new ClosedError('turn', 'turn/start'));
    this.serverRequests.end(error);
    this.admissions?.releaseAll();
    this.state.next('closed');
    this.state.complete();
  }
}

/** Refuses reconnect options that cannot be followed, before anything is sent. */
function checkReconnect(options: ConnectOptions, redial: Redial | undefined): void {
  if (options.reconnect && !redial)
    throw new InvalidInputError(
      'reconnect',
      'needs a server to dial again: Codex.connect({ url | socketPath }, { reconnect })',
      'initialize',
    );
  if (typeof options.reconnect === 'object') {
    const { retries, backoff } = options.reconnect;
    if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0))
      throw new InvalidInputError(
        'reconnect.retries',
        `must be a whole number ≥ 0, got ${String(retries)}`,
      );
    // Bounded by the longest Node timer: a longer wait fires at once, and with `maxMs: Infinity`
    // every later attempt would be dialed without any wait.
    checkRequestTimeoutMs('reconnect.backoff.initialMs', backoff?.initialMs, 'Codex.connect');
    checkRequestTimeoutMs('reconnect.backoff.maxMs', backoff?.maxMs, 'Codex.connect');
  }
}
