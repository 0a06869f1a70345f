import { JsonRpcError, JsonRpcErrorCode } from './json-rpc-error.js';

/**
 * The server kept answering `-32001` ("Server overloaded; retry later.") until the retries ran
 * out. Still a {@link JsonRpcError} with code `-32001`.
 */
export class OverloadedError extends JsonRpcError {
  override name = 'OverloadedError';
  constructor(
    method: string,
    /** How many times the request was sent. */
    readonly attempts: number,
    serverMessage: string,
  ) {
    super(
      method,
      JsonRpcErrorCode.ServerOverloaded,
      `${serverMessage} (gave up after ${attempts} attempts)`,
    );
  }
}
