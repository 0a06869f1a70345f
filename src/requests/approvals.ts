import type {
  ServerRequestMethod,
  ServerRequestParams,
  ServerRequestResult,
} from '../protocol/methods.js';
import type { ServerRequestHandle } from './server-request-handle.js';

/** The requests the `approval` shorthand answers. */
export const APPROVAL_METHODS = [
  'item/commandExecution/requestApproval',
  'item/fileChange/requestApproval',
  'item/permissions/requestApproval',
  'execCommandApproval',
  'applyPatchApproval',
] as const satisfies readonly ServerRequestMethod[];

/** An approval request: a command, a file change, extra permissions (or their legacy forms). */
export type ApprovalMethod = (typeof APPROVAL_METHODS)[number];

/** An approval request as the `approval` shorthand sees it. */
export type ApprovalRequest = { [M in ApprovalMethod]: ServerRequestHandle<M> }[ApprovalMethod];

/**
 * A decision for any approval: `accept` (this once), `acceptForSession` (and the same again this
 * session), `decline` (the agent is told and goes on), `cancel` (decline and stop the turn).
 */
export type ApprovalDecision = 'accept' | 'acceptForSession' | 'decline' | 'cancel';

/** `approval: 'decline'`, `'accept'`, or a function deciding each request. */
export type ApprovalShorthand =
  ApprovalDecision | ((request: ApprovalRequest) => ApprovalDecision | Promise<ApprovalDecision>);

/** Whether `method` is one the `approval` shorthand answers. */
export function isApprovalMethod(method: string): method is ApprovalMethod {
  return (APPROVAL_METHODS as readonly string[]).includes(method);
}

/** Turns a decision into the result the given approval method expects. */
export function approvalResult<M extends ApprovalMethod>(
  method: M,
  params: ServerRequestParams<M>,
  decision: ApprovalDecision,
): ServerRequestResult<M> {
  switch (method) {
    case 'item/commandExecution/requestApproval':
    case 'item/fileChange/requestApproval':
      return { decision } as ServerRequestResult<M>;
    case 'item/permissions/requestApproval': {
      const requested = (params as ServerRequestParams<'item/permissions/requestApproval'>)
        .permissions;
      const granted = decision === 'accept' || decision === 'acceptForSession';
      return {
        permissions: granted
          ? {
              ...(requested.network ? { network: requested.network } : {}),
              ...(requested.fileSystem ? { fileSystem: requested.fileSystem } : {}),
            }
          : {},
        scope: decision === 'acceptForSession' ? 'session' : 'turn',
      } as ServerRequestResult<M>;
    }
    default: {
      const legacy = {
        accept: 'approved',
        acceptForSession: 'approved_for_session',
        decline: { denied: { rejection: 'declined by the client' } },
        cancel: 'abort',
      } as const;
      return { decision: legacy[decision] } as ServerRequestResult<M>;
    }
  }
}
