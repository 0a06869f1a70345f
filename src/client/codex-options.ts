import type { InitializeCapabilities } from '../protocol/generated/InitializeCapabilities.js';
import type { Logger } from '../logger.js';
import type { ServerRequestHandlers } from '../requests/server-request-handlers.js';
import type { RetryOptions } from '../rpc/retry-policy.js';
import type { StdioTransportOptions } from '../transport/stdio-transport.js';

/** How the client introduces itself in `initialize`. */
export interface ClientInfoOption {
  /** Sent as the `originator`; must be a valid HTTP header value. Default `codex_rx`. */
  name: string;
  /** Default `codex-rx` when `name` is not given, else null. */
  title?: string | null;
  /** Default: this package's version. */
  version?: string;
}

/** How {@link Codex.connect} dials a remote server again after losing it. */
export interface ReconnectOptions {
  /** Attempts before giving up (default 5); then the client closes with the loss. */
  retries?: number;
  /** Wait before attempt n: `initialMs × 2ⁿ` capped at `maxMs`, half of it random (defaults 250 and 5000). */
  backoff?: { initialMs?: number; maxMs?: number };
}

/** Options for {@link Codex.connect}: everything but how to spawn the server. */
export interface ConnectOptions {
  /** Defaults to `{ name: 'codex_rx', title: 'codex-rx', version: <package version> }`. */
  clientInfo?: ClientInfoOption;
  /**
   * Opt in to the server's experimental API (default `true`, as the reference SDK does). The
   * generated types include experimental methods and fields; with `false` the server rejects them.
   */
  experimentalApi?: boolean;
  /** Further `initialize` capabilities, e.g. `optOutNotificationMethods`. */
  capabilities?: Partial<Omit<InitializeCapabilities, 'experimentalApi'>>;
  /** Receives what the client skips or survives. Silent by default. */
  logger?: Logger;
  /** How long `initialize` may take, in ms (default 30000). */
  initializeTimeoutMs?: number;
  /**
   * Timeout for the control requests the SDK's methods make (thread start/resume/read/list,
   * steer, interrupt, account, …), in ms; `false` for none. Default 120000. Turns themselves never
   * time out, and `request()` only when given `timeoutMs`.
   */
  requestTimeoutMs?: number | false;
  /**
   * Retrying of requests the server refuses as overloaded (`-32001`): exponential backoff with
   * jitter, then {@link OverloadedError}. Default: 5 attempts from 100 ms up to 2 s. `false`: none.
   */
  retry?: RetryOptions | false;
  /**
   * How the client answers the server's requests (approvals, questions, tool calls) on every
   * thread, unless a thread or turn sets its own. Without one, approvals are declined.
   */
  handlers?: ServerRequestHandlers;
  /**
   * How long a server request may wait for an answer (a handler, or `respond()` from a
   * `serverRequests$` subscriber) before the safe default goes out, in ms. Default 600000.
   */
  serverRequestTimeoutMs?: number;
  /**
   * Requests on the wire at once (default 64); more wait in the client. The server queues 128
   * messages at most and, past that, refuses requests and can even drop the refusal.
   */
  maxInFlightRequests?: number;
  /**
   * Before the first turn, ask the server (`account/read`, once) whether its model provider
   * needs a login it does not have, and fail the turn at once with `NotSignedInError` instead of
   * letting it retry forever. Default `true`.
   */
  checkSignIn?: boolean;
  /**
   * Default for every turn's `turnStallTimeoutMs`: a turn that sends no event for this many ms is
   * interrupted and fails with a `TimeoutError`. Off by default (a model may think for minutes).
   */
  turnStallTimeoutMs?: number;
  /**
   * Remote servers only (`Codex.connect({ url | socketPath })`): dial again when the connection
   * is lost (`true` for the defaults). What was in flight fails with `ConnectionLostError` and is
   * never sent again (a `turn/start` may have run); the client then re-initializes, and
   * `thread.reconnect()` re-subscribes a thread. Off by default.
   */
  reconnect?: ReconnectOptions | boolean;
  /**
   * Gates every `turn/start` this client sends (admission control, as `CodexPool` does): called
   * with the thread id before the request goes out, which waits for it. It resolves with a
   * release, called once when the turn ends (its `turn/completed`, a failed `turn/start`, or the
   * connection's loss or close); a rejection fails the turn with that error. Goal turns, which
   * the server starts itself, are not gated.
   */
  admitTurn?: (threadId: string) => Promise<() => void>;
}

/** Options for {@link Codex.start}. */
export interface CodexOptions extends ConnectOptions, StdioTransportOptions {
  /**
   * Signs the server in with this OpenAI API key once it is up (`account/login/start`, as
   * `codex.loginApiKey(key)` does; the server stores it in `CODEX_HOME`). Never on the command
   * line, and redacted from logs and errors.
   */
  apiKey?: string;
  /** The OpenAI API's base URL for the server's default provider: → `config.openai_base_url`. */
  baseUrl?: string;
}
