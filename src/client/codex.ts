import type { Observable } from 'rxjs';
import type { InitializeResponse } from '../protocol/generated/InitializeResponse.js';
import type {
  ClientRequestMethod,
  ClientRequestParams,
  ClientRequestResult,
  CodexNotification,
} from '../protocol/methods.js';
import { hotNotifications } from '../observables/hot-notifications.js';
import { RpcConnection } from '../rpc/rpc-connection.js';
import type { RequestOptions } from '../rpc/rpc-connection.js';
import { StdioTransport } from '../transport/stdio-transport.js';
import type { Transport } from '../transport/transport.js';
import { VERSION } from '../version.js';
import type { CodexOptions, ConnectOptions } from './codex-options.js';

/** The arguments of {@link Codex.request} for method `M`: params may be left out when the method takes none. */
export type RequestArgs<M extends ClientRequestMethod> =
  undefined extends ClientRequestParams<M>
    ? [params?: ClientRequestParams<M>, options?: RequestOptions]
    : [params: ClientRequestParams<M>, options?: RequestOptions];

/**
 * A connection to one Codex app-server.
 *
 * ```ts
 * await using codex = await Codex.start();
 * codex.notifications$.subscribe((n) => console.log(n.method));
 * const { thread } = await codex.request('thread/start', {});
 * ```
 */
export class Codex implements AsyncDisposable {
  /** Every notification from the server: one hot, multicast Observable. */
  readonly notifications$: Observable<CodexNotification>;
  private closing: Promise<void> | undefined;

  private constructor(
    /** The transport underneath (a {@link StdioTransport} for {@link Codex.start}). */
    readonly transport: Transport,
    /** @internal */
    protected readonly rpc: RpcConnection,
    /** What the server answered to `initialize`. */
    readonly metadata: InitializeResponse,
    notifications$: Observable<CodexNotification>,
  ) {
    this.notifications$ = notifications$;
  }

  /**
   * Spawns `codex app-server` (the bundled, pinned binary unless `codexPath` is given), sends
   * `initialize` and `initialized`, and resolves once the server is ready.
   *
   * @throws {@link CodexProcessError} when the binary is missing or the process exits before it is
   *   ready (the message names the path and quotes its last stderr lines); {@link JsonRpcError}
   *   when the server refuses `initialize`.
   */
  static async start(options: CodexOptions = {}): Promise<Codex> {
    const transport = new StdioTransport(options);
    try {
      await transport.start();
    } catch (error) {
      await transport.close();
      throw error;
    }
    return Codex.connect(transport, options);
  }

  /**
   * Runs the handshake over a transport you provide (WebSocket, in-memory, a custom spawner) and
   * returns a client that owns it: `close()` closes the transport.
   */
  static async connect(transport: Transport, options: ConnectOptions = {}): Promise<Codex> {
    const rpc = new RpcConnection(transport, options.logger ? { logger: options.logger } : {});
    const notifications$ = hotNotifications(rpc);
    rpc.listen();
    try {
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
      return new Codex(transport, rpc, metadata, notifications$);
    } catch (error) {
      await rpc.close();
      throw error;
    }
  }

  /** The server process id, for stdio transports. */
  get pid(): number | undefined {
    return this.transport instanceof StdioTransport ? this.transport.pid : undefined;
  }

  /** Whether the client is closed or its connection lost. */
  get isClosed(): boolean {
    return this.rpc.isClosed;
  }

  /**
   * Sends any client request, typed from the generated protocol: the method picks the params
   * and result types.
   *
   * @throws {@link JsonRpcError} when the server answers with an error; {@link TimeoutError},
   *   {@link ClosedError} or {@link CodexProcessError} when no answer can come.
   */
  request<M extends ClientRequestMethod>(
    method: M,
    ...args: RequestArgs<M>
  ): Promise<ClientRequestResult<M>> {
    const [params, options] = args;
    return this.rpc.request(method, params, options) as Promise<ClientRequestResult<M>>;
  }

  /**
   * Ends the connection and stops the server (stdin closed and SIGTERM, SIGKILL after a grace
   * period). Pending requests reject with {@link ClosedError}; `notifications$` completes.
   * Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.rpc.close();
    return this.closing;
  }

  /** `await using codex = await Codex.start()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
