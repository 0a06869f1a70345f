import type { InitializeCapabilities } from '../protocol/generated/InitializeCapabilities.js';
import type { Logger } from '../logger.js';
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
   * Timeout for control requests made by the SDK's methods (thread start/read/list, steer,
   * interrupt, …), in ms. Default: none. Turns themselves never time out.
   */
  requestTimeoutMs?: number;
}

/** Options for {@link Codex.start}. */
export interface CodexOptions extends ConnectOptions, StdioTransportOptions {}
