import type { AnyServerRequest } from '../requests/server-request-handle.js';
import type { CodexNotification } from '../protocol/methods.js';

/** A notification from one of the pool's members. */
export interface PoolNotification {
  /** The member's name. */
  readonly member: string;
  readonly notification: CodexNotification;
}

/** A server request from one of the pool's members; answer it with `request.respond()`. */
export interface PoolServerRequest {
  /** The member's name. */
  readonly member: string;
  readonly request: AnyServerRequest;
}
