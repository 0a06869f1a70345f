import { CodexError } from './codex-error.js';

/** Well-known JSON-RPC error codes, including the app-server's own. */
export const JsonRpcErrorCode = {
  ParseError: -32700,
  /** The app-server also answers unknown methods and bad params with this code. */
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** "Server overloaded; retry later." Retryable with backoff. */
  ServerOverloaded: -32001,
} as const;

/** The server answered a request with a JSON-RPC error. */
export class JsonRpcError extends CodexError {
  override name = 'JsonRpcError';
  declare readonly method: string;
  declare readonly code: number;

  constructor(method: string, code: number, message: string, data?: unknown) {
    super(`${method} failed (${code}): ${message}`, { method, code, data });
    /** The server's message, without the method prefix. */
    this.serverMessage = message;
  }

  /** The message exactly as the server sent it. */
  readonly serverMessage: string;
}
