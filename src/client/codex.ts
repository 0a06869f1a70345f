import { filter, last } from 'rxjs';
import type { Observable } from 'rxjs';
import { EnvironmentUnavailableError } from '../errors/environment-unavailable-error.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import type { HotNotifications } from '../observables/hot-notifications.js';
import type { NotificationRouter } from '../observables/notification-router.js';
import type { GetAccountResponse } from '../protocol/generated/v2/GetAccountResponse.js';
import type { InitializeResponse } from '../protocol/generated/InitializeResponse.js';
import type { ModelListParams } from '../protocol/generated/v2/ModelListParams.js';
import type { ModelListResponse } from '../protocol/generated/v2/ModelListResponse.js';
import type { Thread as ThreadInfo } from '../protocol/generated/v2/Thread.js';
import type { ThreadForkParams } from '../protocol/generated/v2/ThreadForkParams.js';
import type { ThreadListParams } from '../protocol/generated/v2/ThreadListParams.js';
import type { ThreadListResponse } from '../protocol/generated/v2/ThreadListResponse.js';
import type { ThreadReadResponse } from '../protocol/generated/v2/ThreadReadResponse.js';
import type { ThreadResumeParams } from '../protocol/generated/v2/ThreadResumeParams.js';
import type { ThreadStartParams } from '../protocol/generated/v2/ThreadStartParams.js';
import type { TurnEnvironmentParams } from '../protocol/generated/v2/TurnEnvironmentParams.js';
import type { TurnStartParams } from '../protocol/generated/v2/TurnStartParams.js';
import type {
  ClientRequestMethod,
  ClientRequestParams,
  ClientRequestResult,
  CodexNotification,
  NotificationMethod,
  NotificationOf,
} from '../protocol/methods.js';
import { toolSpecs } from '../requests/dynamic-tool.js';
import type { AnyServerRequest } from '../requests/server-request-handle.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';
import type { RequestOptions } from '../rpc/rpc-connection.js';
import { pagedEntries } from '../thread/pages.js';
import { Thread, assertThreadId } from '../thread/thread.js';
import type { ThreadOptions } from '../thread/thread-options.js';
import { applyThreadPresets } from '../thread/presets.js';
import type { ThreadPresetOptions } from '../thread/presets.js';
import { StdioTransport } from '../transport/stdio-transport.js';
import type { Transport } from '../transport/transport.js';
import { WebSocketTransport } from '../transport/websocket-transport.js';
import type { RemoteOptions } from '../transport/websocket-transport.js';
import type { ClientContext } from '../client-context.js';
import { ClientConnection } from './client-connection.js';
import type { ConnectionState, Redial } from './client-connection.js';
import type { CodexOptions, ConnectOptions } from './codex-options.js';
import {
  Environments,
  assertEnvironmentId,
  assertPolicy,
  environmentAddParams,
} from './environments.js';
import type { AddEnvironmentOptions, EnvironmentStatus } from './environments.js';
import { startLogin } from './login-handle.js';
import { searchThreads$ } from './search-threads.js';
import type { SearchThreadsOptions, ThreadSearchEvent } from './search-threads.js';
import type { ChatgptLoginHandle, DeviceCodeLoginHandle } from './login-handle.js';

/** The notifications {@link Codex.threads$} carries. */
const THREAD_LIFECYCLE_METHODS = [
  'thread/started',
  'thread/status/changed',
  'thread/name/updated',
  'thread/archived',
  'thread/unarchived',
  'thread/deleted',
  'thread/closed',
] as const satisfies readonly NotificationMethod[];
const isThreadLifecycle: ReadonlySet<string> = new Set(THREAD_LIFECYCLE_METHODS);

/** A thread lifecycle notification: what {@link Codex.threads$} emits. */
export type ThreadLifecycleNotification = NotificationOf<(typeof THREAD_LIFECYCLE_METHODS)[number]>;

function isTransport(target: Transport | RemoteOptions): target is Transport {
  return typeof (target as Transport).start === 'function' && 'describe' in target;
}

/** The arguments of {@link Codex.request} for method `M`: params may be left out when the method takes none. */
export type RequestArgs<M extends ClientRequestMethod> =
  undefined extends ClientRequestParams<M>
    ? [params?: ClientRequestParams<M>, options?: RequestOptions]
    : [params: ClientRequestParams<M>, options?: RequestOptions];

/** What the server said about itself at `initialize`, with its name and version. */
export type CodexMetadata = InitializeResponse & {
  /** From the user agent (`originator/version (os; arch) …`); null where it does not say. */
  readonly serverInfo: { readonly name: string | null; readonly version: string | null };
};

/** `codex_rx/0.169.0 (Debian 12.0.0; x86_64) xterm (codex_rx; 0.1.0)` → name and version. */
function serverInfoOf(userAgent: string): CodexMetadata['serverInfo'] {
  const match = /^\s*([^/\s]+)(?:\/(\S+))?/.exec(userAgent ?? '');
  return { name: match?.[1] ?? null, version: match?.[2] ?? null };
}

/**
 * Options of {@link Codex.resumeThread}: every `thread/resume` parameter but the id, the presets,
 * and `environments`: `thread/resume` takes none, so they go with the thread's next `turn/start`
 * (turn environments are sticky: the thread keeps them).
 */
export type ResumeThreadOptions = Omit<ThreadResumeParams, 'threadId'> &
  ThreadPresetOptions & { environments?: TurnEnvironmentParams[] };
/** Options of {@link Codex.forkThread}: every `thread/fork` parameter but the id, and the presets. */
export type ForkThreadOptions = Omit<ThreadForkParams, 'threadId'> & ThreadPresetOptions;

/**
 * A connection to one Codex app-server: threads, turns, account, and every protocol request.
 *
 * ```ts
 * await using codex = await Codex.start();
 * const thread = await codex.startThread();
 * const result = await thread.run('Say hello');
 * console.log(result.finalResponse);
 * ```
 */
export class Codex implements AsyncDisposable {
  /** Every notification from the server: one hot, multicast Observable. */
  readonly notifications$: Observable<CodexNotification>;
  /**
   * Every request the server sends the client (approvals, questions, tool calls), each with
   * `respond()` / `reject()`: a UI can show a prompt and answer later. Requests with a handler are
   * answered by it; requests with no handler wait for a `respond()` while someone subscribes here,
   * up to `serverRequestTimeoutMs`, then get the safe default.
   */
  readonly serverRequests$: Observable<AnyServerRequest>;
  /**
   * The lifecycle of every thread this client hears about, for UIs that list threads: started,
   * status changes, renames, archive and unarchive, deletion and close. Hot, like `notifications$`.
   */
  readonly threads$: Observable<ThreadLifecycleNotification>;
  /**
   * What the server answered to `initialize` (`userAgent`, `codexHome`, `platformFamily`,
   * `platformOs`), and the server's name and version read from its user agent.
   */
  readonly metadata: CodexMetadata;
  /**
   * The connection's state (`ready`, then `reconnecting` / `connecting` while a lost remote
   * connection is dialed again with `reconnect` on, `closed` at the end), now and on every
   * change: for a UI's connection indicator. Completes after `closed`.
   */
  readonly connectionState$: Observable<ConnectionState>;
  private readonly ctx: ClientContext;
  /** What threads get: the client's context, with `turn/start` passing through the environment guard. */
  readonly #threadCtx: ClientContext;
  readonly #environments: Environments;
  private readonly hot: HotNotifications;
  private closing: Promise<void> | undefined;

  private constructor(
    /** The transport underneath (a {@link StdioTransport} for {@link Codex.start}); the first one, after a reconnect. */
    readonly transport: Transport,
    private readonly connection: ClientConnection,
    initialized: InitializeResponse,
  ) {
    this.ctx = connection.ctx;
    this.hot = connection.hot;
    this.metadata = { ...initialized, serverInfo: serverInfoOf(initialized.userAgent) };
    this.notifications$ = this.ctx.notifications$;
    this.threads$ = this.ctx.notifications$.pipe(
      filter((n): n is ThreadLifecycleNotification => isThreadLifecycle.has(n.method)),
    );
    this.serverRequests$ = this.ctx.serverRequests.client.requests$;
    this.connectionState$ = connection.state$;
    this.#environments = new Environments({
      notifications$: this.ctx.notifications$,
      router: this.ctx.router,
      logger: this.ctx.logger,
      status: (environmentId) => this.control('environment/status', { environmentId }),
      interrupt: (threadId, turnId) => this.control('turn/interrupt', { threadId, turnId }),
      closed$: connection.state$.pipe(last(null, null)),
    });
    const ctx = this.ctx;
    const environments = this.#environments;
    this.#threadCtx = Object.create(ctx, {
      request: {
        value: <M extends ClientRequestMethod>(
          method: M,
          params: ClientRequestParams<M> | undefined,
          options?: RequestOptions,
        ): Promise<ClientRequestResult<M>> =>
          method === 'turn/start'
            ? (environments.startTurn(params as Record<string, unknown>, (wire) =>
                ctx.request('turn/start', wire as unknown as TurnStartParams, options),
              ) as Promise<ClientRequestResult<M>>)
            : ctx.request(method, params, options),
      },
    }) as ClientContext;
  }

  /**
   * Spawns `codex app-server` (the bundled, pinned binary unless `codexPath` is given), sends
   * `initialize` and `initialized`, and resolves once the server is ready.
   *
   * @throws `CodexBinaryNotFoundError` when no bundled binary exists for this platform (and no
   *   `codexPath` is given); `CodexProcessError` when the binary cannot be started or exits before
   *   it is ready (the message names the path and quotes its last stderr lines); `JsonRpcError`
   *   when the server refuses `initialize`. All are `CodexError`s.
   */
  static async start(options: CodexOptions = {}): Promise<Codex> {
    const redactor = new SecretRedactor();
    const { apiKey, baseUrl, ...rest } = options;
    if (apiKey !== undefined) {
      if (typeof apiKey !== 'string' || apiKey.trim() === '')
        throw new InvalidInputError('apiKey', 'must be a non-empty string', 'account/login/start');
      redactor.add(apiKey);
    }
    if (baseUrl !== undefined) {
      if (typeof baseUrl !== 'string' || !/^https?:\/\/\S+$/.test(baseUrl))
        throw new InvalidInputError(
          'baseUrl',
          `must be an http(s) URL, got ${JSON.stringify(baseUrl)}`,
        );
      if (rest.config?.openai_base_url !== undefined)
        throw new InvalidInputError(
          'baseUrl',
          'conflicts with config.openai_base_url: give one or the other',
        );
      rest.config = { ...rest.config, openai_base_url: baseUrl };
    }
    // The transport redacts the environment's credentials from stderr, its errors and onStderr.
    const transport = new StdioTransport(rest, redactor);
    try {
      await transport.start();
    } catch (error) {
      await transport.close();
      throw error;
    }
    const codex = await Codex.connectWith(transport, rest, redactor);
    if (apiKey !== undefined) {
      try {
        await codex.loginApiKey(apiKey);
      } catch (error) {
        await codex.close();
        throw error;
      }
    }
    return codex;
  }

  /**
   * Connects to an app-server that is already running: over a transport you provide (in-memory,
   * a custom spawner), or to a listening server by `{ url, token | tokenFile | bearer }`
   * (`codex app-server --listen ws://…`) or `{ socketPath }` (`--listen unix://…`). Runs the
   * handshake and returns a client that owns the connection: `close()` closes it.
   *
   * @throws `AuthenticationError` when the server refuses the credentials (HTTP 401);
   *   `CodexError` (`connect_failed`) when nothing answers there.
   */
  static async connect(
    target: Transport | RemoteOptions,
    options: ConnectOptions = {},
  ): Promise<Codex> {
    const redactor = new SecretRedactor();
    if (isTransport(target)) return Codex.connectWith(target, options, redactor);
    // Each connect makes a new transport: a token file or a bearer() is read afresh each time.
    const dial = async (signal?: AbortSignal): Promise<Transport> => {
      const transport = new WebSocketTransport(target);
      try {
        await transport.start(signal);
      } catch (error) {
        await transport.close();
        throw error;
      }
      for (const secret of transport.secrets()) redactor.add(secret);
      return transport;
    };
    return Codex.connectWith(await dial(), options, redactor, dial);
  }

  private static async connectWith(
    transport: Transport,
    options: ConnectOptions,
    redactor: SecretRedactor,
    redial?: Redial,
  ): Promise<Codex> {
    const { connection, metadata } = await ClientConnection.open(
      transport,
      options,
      redactor,
      redial,
    );
    return new Codex(transport, connection, metadata);
  }

  /** The server process id, for stdio transports. */
  get pid(): number | undefined {
    return this.transport instanceof StdioTransport ? this.transport.pid : undefined;
  }

  /** Whether the client is closed or its connection lost. */
  get isClosed(): boolean {
    return this.ctx.rpc.isClosed;
  }

  /**
   * Sends any client request, typed from the generated protocol: the method picks the params
   * and result types.
   *
   * @throws {@link JsonRpcError} when the server answers with an error; {@link TimeoutError},
   *   {@link ClosedError} or {@link CodexProcessError} when no answer can come;
   *   {@link InvalidInputError} for params JSON cannot carry.
   */
  request<M extends ClientRequestMethod>(
    method: M,
    ...args: RequestArgs<M>
  ): Promise<ClientRequestResult<M>> {
    const [params, options] = args;
    return this.ctx.request(method, params, options);
  }

  // ── threads ────────────────────────────────────────────────────────────────

  /**
   * Starts a thread (`thread/start`); every server option (model, cwd, sandbox, …) is a param.
   * `options` adds this thread's request handlers and the tools it may call.
   */
  async startThread(
    params: ThreadStartParams & ThreadPresetOptions = {},
    options: ThreadOptions = {},
  ): Promise<Thread> {
    assertPolicy(options.onEnvironmentLost, 'thread/start');
    const wire = applyThreadPresets(params, 'thread/start');
    const specs = options.tools?.length ? toolSpecs(options.tools) : undefined;
    const response = await this.control(
      'thread/start',
      specs ? { ...wire, dynamicTools: [...(wire.dynamicTools ?? []), ...specs] } : wire,
    );
    this.#environments.openThread(
      response.thread.id,
      response.thread.environments,
      options.onEnvironmentLost,
    );
    return this.thread(response.thread, options);
  }

  /**
   * Resumes a stored thread (`thread/resume`), possibly one started by another client. With
   * `environments`, its next turn runs there (and the ones after it).
   */
  async resumeThread(
    threadId: string,
    params: ResumeThreadOptions = {},
    options: ThreadOptions = {},
  ): Promise<Thread> {
    assertThreadId(threadId, 'thread/resume');
    assertPolicy(options.onEnvironmentLost, 'thread/resume');
    const { environments, ...rest } = params;
    if (environments !== undefined) {
      if (!Array.isArray(environments))
        throw new InvalidInputError('params.environments', 'must be an array', 'thread/resume');
      environments.forEach((e, i) =>
        assertEnvironmentId(
          (e as Partial<TurnEnvironmentParams> | null)?.environmentId,
          'thread/resume',
          `params.environments[${i}].environmentId`,
        ),
      );
    }
    const response = await this.control('thread/resume', {
      ...applyThreadPresets(rest, 'thread/resume'),
      threadId,
    });
    this.#environments.openThread(
      response.thread.id,
      response.thread.environments,
      options.onEnvironmentLost,
      environments,
    );
    return this.thread(response.thread, options);
  }

  /** Forks a thread into a new one (`thread/fork`). */
  async forkThread(
    threadId: string,
    params: ForkThreadOptions = {},
    options: ThreadOptions = {},
  ): Promise<Thread> {
    assertThreadId(threadId, 'thread/fork');
    const response = await this.control('thread/fork', {
      ...applyThreadPresets(params, 'thread/fork'),
      threadId,
    });
    this.#environments.openThread(
      response.thread.id,
      response.thread.environments,
      options.onEnvironmentLost,
    );
    return this.thread(response.thread, options);
  }

  /** One page of stored threads (`thread/list`); pass `nextCursor` as `cursor` for the next. */
  listThreads(params: ThreadListParams = {}): Promise<ThreadListResponse> {
    return this.control('thread/list', params);
  }

  /**
   * Every stored thread matching `params`, across all pages, fetched page by page as you iterate:
   * `for await (const t of codex.allThreads())`, or `from(codex.allThreads())` for an Observable.
   */
  allThreads(
    params: Omit<ThreadListParams, 'cursor'> = {},
  ): AsyncGenerator<ThreadInfo, void, undefined> {
    return pagedEntries((cursor) => this.listThreads({ ...params, ...(cursor ? { cursor } : {}) }));
  }

  /**
   * Searches stored threads (`thread/search/stream`, 0.171.0 and later): emits each batch of
   * early matches the server streams for this request (`thread/search/partial`, matched by request
   * id) as `{ type: 'partial' }`, then the final page as `{ type: 'final' }`, then completes.
   * Cold: each subscription sends its own request. Unsubscribing before the end cancels the search
   * on the server (`thread/search/stream/cancel`).
   *
   * ```ts
   * codex.searchThreads$('flaky test').subscribe((event) => {
   *   if (event.type === 'final') console.log(event.response.data.map((r) => r.snippet));
   * });
   * ```
   *
   * @throws {@link InvalidInputError} at once for an empty query or bad options. The Observable
   *   errors with {@link JsonRpcError} when the server refuses the search (a server before 0.171.0
   *   does not know the method), {@link TimeoutError} past `timeoutMs`, {@link ClosedError} when the
   *   client closes first.
   */
  searchThreads$(query: string, options?: SearchThreadsOptions): Observable<ThreadSearchEvent> {
    return searchThreads$(this.ctx, query, options);
  }

  /** Reads a stored thread (`thread/read`); with `includeTurns`, its turns too. */
  async readThread(
    threadId: string,
    options: { includeTurns?: boolean } = {},
  ): Promise<ThreadReadResponse> {
    assertThreadId(threadId, 'thread/read');
    return this.control('thread/read', { threadId, ...options });
  }

  /** Archives a thread (`thread/archive`). */
  async archiveThread(threadId: string): Promise<void> {
    assertThreadId(threadId, 'thread/archive');
    await this.control('thread/archive', { threadId });
  }

  /** Restores an archived thread (`thread/unarchive`) and returns its description. */
  async unarchiveThread(threadId: string): Promise<ThreadInfo> {
    assertThreadId(threadId, 'thread/unarchive');
    return (await this.control('thread/unarchive', { threadId })).thread;
  }

  /** The models the server offers (`model/list`). */
  listModels(params: ModelListParams = {}): Promise<ModelListResponse> {
    return this.control('model/list', params);
  }

  // ── environments (executors) ───────────────────────────────────────────────

  /**
   * Registers an executor (`environment/add`): a `codex exec-server` this app-server runs the
   * commands of threads and turns that select it (`environments: [{ environmentId, cwd }]`). The
   * credential (`token`, `tokenFile`, or `bearer`, a string or a function such as
   * `signedBearer(…)`) is read now; the server keeps it for its reconnects. Adding the same id
   * again (say, after the executor restarted) points it at the new one.
   *
   * @throws {@link InvalidInputError} naming the field for a bad id, URL or credential source (a
   *   missing or multi-line token file, a throwing or hanging `bearer()`), never the credential;
   *   {@link EnvironmentUnavailableError} when the executor does not become ready (code
   *   `authentication_failed` when it refused the credential); {@link JsonRpcError} when the
   *   server refuses the request.
   */
  async addEnvironment(options: AddEnvironmentOptions): Promise<void> {
    const params = await environmentAddParams(options);
    await this.control('environment/add', params);
    if (options.waitUntilReady === false) return;
    const timeoutMs = options.readyTimeoutMs ?? 15_000;
    const deadline = Date.now() + timeoutMs;
    let status = await this.environmentStatus(params.environmentId);
    // `pending` while the server dials it; bounded, 100 ms apart.
    while (status.status === 'pending' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await this.environmentStatus(params.environmentId);
    }
    if (status.status !== 'ready')
      throw new EnvironmentUnavailableError(
        params.environmentId,
        params.execServerUrl,
        status.status,
        status.error ??
          (status.status === 'pending' ? `not ready within ${timeoutMs} ms` : undefined),
      );
  }

  /**
   * The environment's connection as the server sees it now (`environment/status`): `ready`,
   * `pending`, `disconnected` (with the server's reason) or `unknown`.
   */
  async environmentStatus(environmentId: string): Promise<EnvironmentStatus> {
    assertEnvironmentId(environmentId, 'environment/status');
    const response = await this.control('environment/status', { environmentId });
    return {
      environmentId,
      status: response.status,
      ...(response.error !== undefined ? { error: response.error } : {}),
    };
  }

  /**
   * The environment's status now and on every change. The server announces no executor's death,
   * so while someone subscribes it asks `environment/status` every second
   * ({@link ENVIRONMENT_POLL_MS}; one poll shared by all subscribers), and at once when a
   * `thread/environment/*` notification names it. Completes when the client closes; polling
   * stops when the last subscriber leaves.
   */
  environmentStatus$(environmentId: string): Observable<EnvironmentStatus> {
    return this.#environments.status$(environmentId);
  }

  // ── account ────────────────────────────────────────────────────────────────

  /** The signed-in account, if any (`account/read`). */
  account(options: { refreshToken?: boolean } = {}): Promise<GetAccountResponse> {
    return this.control('account/read', options);
  }

  /** Signs in with an OpenAI API key (`account/login/start` type `apiKey`). The key is never logged. */
  async loginApiKey(apiKey: string): Promise<void> {
    if (typeof apiKey !== 'string' || apiKey.trim() === '') {
      throw new InvalidInputError('apiKey', 'must be a non-empty string', 'account/login/start');
    }
    await this.control('account/login/start', { type: 'apiKey', apiKey });
  }

  /** Starts a browser login; open `authUrl`, then await `completed`. */
  loginChatgpt(): Promise<ChatgptLoginHandle> {
    return startLogin(this.ctx, 'chatgpt') as Promise<ChatgptLoginHandle>;
  }

  /** Starts a device-code login; show `verificationUrl` and `userCode`, then await `completed`. */
  loginChatgptDeviceCode(): Promise<DeviceCodeLoginHandle> {
    return startLogin(this.ctx, 'chatgptDeviceCode') as Promise<DeviceCodeLoginHandle>;
  }

  /** Signs out (`account/logout`). */
  async logout(): Promise<void> {
    await this.control('account/logout', undefined);
  }

  // ── lifecycle ──────────────────────────────────────────────────────────────

  /**
   * Ends the connection and stops the server (stdin closed and SIGTERM, SIGKILL after a grace
   * period). Pending requests reject with {@link ClosedError}, running turns error with it, and
   * `notifications$` completes. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.connection.close();
    return this.closing;
  }

  /** `await using codex = await Codex.start()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** @internal Counts of live routing state, for leak checks. */
  routingStats(): ReturnType<NotificationRouter['stats']> & {
    pendingRequests: number;
    pendingMethods: string[];
    queuedRequests: number;
    notificationSubscribers: number;
    openServerRequests: number;
    awaitingResolved: number;
    turnScopes: number;
    threadScopes: number;
  } {
    return {
      ...this.ctx.router.stats(),
      ...this.ctx.serverRequests.stats(),
      notificationSubscribers: this.hot.subscriberCount(),
      pendingRequests: this.ctx.rpc.pendingCount,
      pendingMethods: this.ctx.rpc.pendingMethods,
      queuedRequests: this.ctx.rpc.queuedCount,
    };
  }

  private thread(info: ThreadInfo, options: ThreadOptions = {}): Thread {
    return new Thread(this.#threadCtx, info, options);
  }

  private control<M extends ClientRequestMethod>(
    method: M,
    params: ClientRequestParams<M>,
  ): Promise<ClientRequestResult<M>> {
    return this.ctx.control(method, params);
  }
}
