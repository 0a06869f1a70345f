export { Codex } from './client/codex.js';
export type { RequestArgs } from './client/codex.js';
export type { CodexOptions, ConnectOptions, ClientInfoOption } from './client/codex-options.js';
export { CodexError } from './errors/codex-error.js';
export { JsonRpcError, JsonRpcErrorCode } from './errors/json-rpc-error.js';
export { CodexProcessError } from './errors/codex-process-error.js';
export type { ProcessExit } from './errors/codex-process-error.js';
export { ClosedError } from './errors/closed-error.js';
export { TimeoutError } from './errors/timeout-error.js';
export type { Logger } from './logger.js';
export type { RequestOptions } from './rpc/rpc-connection.js';
export type { Transport } from './transport/transport.js';
export { StdioTransport } from './transport/stdio-transport.js';
export type { StdioTransportOptions } from './transport/stdio-transport.js';
export { JsonlMessageReader, MalformedMessageError } from './transport/jsonl-message-reader.js';
export { JsonlMessageWriter } from './transport/jsonl-message-writer.js';
export { resolveBundledCodex, CodexBinaryNotFoundError } from './transport/codex-binary.js';
export type { CodexBinary } from './transport/codex-binary.js';
export type { TomlValue } from './transport/toml.js';
export type {
  ClientRequestMethod,
  ClientRequestParams,
  ClientRequestResult,
  CodexNotification,
  NotificationMethod,
  NotificationOf,
  ServerRequestMethod,
  ServerRequestParams,
  ServerRequestResult,
} from './protocol/methods.js';
export { VERSION } from './version.js';
/** Every type of the pinned app-server protocol, generated from the `codex` binary. */
export type * from './protocol/types.js';
export type {
  ExecPolicyAmendment,
  NetworkPolicyAmendment,
  NetworkPolicyRuleAction,
  SessionSource,
  WebSearchAction,
} from './protocol/types.js';
