export { Codex } from './client/codex.js';
export type {
  RequestArgs,
  ResumeThreadOptions,
  ForkThreadOptions,
  ThreadLifecycleNotification,
  CodexMetadata,
} from './client/codex.js';
export type { ApprovalMode, ThreadPresetOptions, TurnPresetOptions } from './thread/presets.js';
export type {
  LoginHandle,
  ChatgptLoginHandle,
  DeviceCodeLoginHandle,
} from './client/login-handle.js';
export { Thread } from './thread/thread.js';
export type { TurnsListOptions, ItemsListOptions } from './thread/thread.js';
export type { ThreadOptions } from './thread/thread-options.js';
export { ServerRequestHandle } from './requests/server-request-handle.js';
export type {
  AnyServerRequest,
  ServerRequestErrorReply,
} from './requests/server-request-handle.js';
export { autoApprove } from './requests/server-request-handlers.js';
export type {
  ServerRequestHandler,
  ServerRequestHandlers,
  UnknownServerRequest,
  UnknownServerRequestHandler,
} from './requests/server-request-handlers.js';
export { APPROVAL_METHODS } from './requests/approvals.js';
export type {
  ApprovalDecision,
  ApprovalMethod,
  ApprovalRequest,
  ApprovalShorthand,
} from './requests/approvals.js';
export { SAFE_DEFAULTS } from './requests/safe-defaults.js';
export { defineTool } from './requests/dynamic-tool.js';
export type { DynamicTool, DynamicToolResult, ToolCallContext } from './requests/dynamic-tool.js';
export { TurnObservable } from './thread/turn-observable.js';
export type { TurnOptions } from './thread/turn-options.js';
export type { TurnEvent, TurnEventOf } from './thread/turn-event.js';
export type { RunInput, UserInputLike } from './thread/run-input.js';
export type { RunResult } from './thread/run-result.js';
export { toRunResult } from './thread/operators/to-run-result.js';
export type { ToRunResultOptions } from './thread/operators/to-run-result.js';
export { agentMessageDeltas } from './thread/operators/agent-message-deltas.js';
export { completedItems } from './thread/operators/completed-items.js';
export { ofMethod } from './thread/operators/of-method.js';
export { steerWhen } from './thread/operators/steer-when.js';
export { interruptWhen } from './thread/operators/interrupt-when.js';
export {
  toTurnState,
  toThreadState,
  reduceTurnState,
  reduceThreadState,
  turnStateFromTurn,
  threadStateFrom,
  INITIAL_TURN_STATE,
  INITIAL_THREAD_STATE,
  isServerRequest,
} from './state/index.js';
export type {
  ThreadState,
  ToTurnStateOptions,
  ToThreadStateOptions,
  ItemLifecycle,
  ItemLiveFields,
  ItemState,
  PendingRequest,
  StateEvent,
  TurnPlan,
  TurnState,
  TurnStateStatus,
} from './state/index.js';
export type {
  CodexOptions,
  ConnectOptions,
  ClientInfoOption,
  ReconnectOptions,
} from './client/codex-options.js';
export type { ConnectionState } from './client/client-connection.js';
export type { SearchThreadsOptions, ThreadSearchEvent } from './client/search-threads.js';
export { CodexError } from './errors/codex-error.js';
export { JsonRpcError, JsonRpcErrorCode } from './errors/json-rpc-error.js';
export { CodexProcessError } from './errors/codex-process-error.js';
export type { ProcessExit } from './errors/codex-process-error.js';
export { ClosedError } from './errors/closed-error.js';
export { TimeoutError } from './errors/timeout-error.js';
export { InvalidInputError } from './errors/invalid-input-error.js';
export { OverloadedError } from './errors/overloaded-error.js';
export { ProtocolError } from './errors/protocol-error.js';
export { NotSignedInError } from './errors/not-signed-in-error.js';
export { AuthenticationError } from './errors/authentication-error.js';
export { ConnectionLostError } from './errors/connection-lost-error.js';
export { MessageTooLargeError } from './errors/message-too-large-error.js';
export { isRetryable } from './rpc/retry-policy.js';
export type { RetryOptions } from './rpc/retry-policy.js';
export { TurnActiveError, TurnFailedError, OutputParseError } from './errors/turn-errors.js';
export type { Logger } from './logger.js';
export type { RequestOptions } from './rpc/rpc-connection.js';
export type { Transport } from './transport/transport.js';
export { StdioTransport } from './transport/stdio-transport.js';
export { WebSocketTransport } from './transport/websocket-transport.js';
export type { RemoteOptions } from './transport/websocket-transport.js';
export { startListener } from './transport/app-server-listener.js';
export { startExecServer } from './transport/exec-server.js';
export type { ExecServer, ExecServerOptions, CommandLine } from './transport/exec-server.js';
export { ENVIRONMENT_POLL_MS } from './client/environments.js';
export type { AddEnvironmentOptions, EnvironmentStatus } from './client/environments.js';
export { EnvironmentLostError } from './errors/environment-lost-error.js';
export { EnvironmentUnavailableError } from './errors/environment-unavailable-error.js';
export type { EnvironmentLostPolicy } from './errors/environment-lost-error.js';
export { signedBearer } from './transport/signed-bearer.js';
export type { SignedBearerOptions } from './transport/signed-bearer.js';
export type {
  AppServerListener,
  ListenerOptions,
  ListenerConnectOptions,
  WebSocketListenerConnectOptions,
  UnixListenerConnectOptions,
} from './transport/app-server-listener.js';
export type { StdioTransportOptions } from './transport/stdio-transport.js';
export {
  JsonlMessageReader,
  MalformedMessageError,
  DEFAULT_MAX_MESSAGE_BYTES,
} from './transport/jsonl-message-reader.js';
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
/** The server's description of a thread (the protocol's `Thread`; `Thread` here is the SDK class). */
export type { Thread as ThreadInfo } from './protocol/generated/v2/Thread.js';
export type {
  ExecPolicyAmendment,
  NetworkPolicyAmendment,
  NetworkPolicyRuleAction,
  SessionSource,
  WebSearchAction,
} from './protocol/types.js';
export { CodexPool } from './pool/codex-pool.js';
export type {
  PoolConnectOptions,
  PoolLoad,
  PoolMemberLoad,
  PoolMemberState,
  PoolMemberTarget,
  PoolOptions,
  PoolPlacement,
  PoolStartOptions,
} from './pool/pool-options.js';
export type { PoolNotification, PoolServerRequest } from './pool/pool-events.js';
