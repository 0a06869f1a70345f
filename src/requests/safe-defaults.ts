import type { ServerRequestMethod, ServerRequestParams } from '../protocol/methods.js';
import { approvalResult } from './approvals.js';
import type { ServerRequestOutcome } from './server-request-handle.js';

type Default<M extends ServerRequestMethod> = (
  params: ServerRequestParams<M>,
) => ServerRequestOutcome;

const result = (value: unknown): ServerRequestOutcome => ({
  kind: 'result',
  result: value,
  by: 'default',
});
const refuse = (message: string): ServerRequestOutcome => ({
  kind: 'error',
  error: { code: -32603, message },
  by: 'default',
});

/**
 * The answer to each server request when nobody else answers: always the safe one, never a hang.
 * Typed as a complete record over the generated `ServerRequest` union, so a new request method
 * in the protocol fails the build until it has a default here.
 */
export const SAFE_DEFAULTS: { readonly [M in ServerRequestMethod]: Default<M> } = {
  'item/commandExecution/requestApproval': (p) =>
    result(approvalResult('item/commandExecution/requestApproval', p, 'decline')),
  'item/fileChange/requestApproval': (p) =>
    result(approvalResult('item/fileChange/requestApproval', p, 'decline')),
  'item/permissions/requestApproval': (p) =>
    result(approvalResult('item/permissions/requestApproval', p, 'decline')),
  execCommandApproval: (p) => result(approvalResult('execCommandApproval', p, 'decline')),
  applyPatchApproval: (p) => result(approvalResult('applyPatchApproval', p, 'decline')),
  'item/tool/requestUserInput': () => result({ answers: {} }),
  'mcpServer/elicitation/request': () => result({ action: 'cancel', content: null, _meta: null }),
  'item/tool/call': (p) =>
    result({
      contentItems: [
        {
          type: 'inputText',
          text: `codex-rx: no implementation for the tool ${p.namespace ? `${p.namespace}.` : ''}${p.tool}`,
        },
      ],
      success: false,
    }),
  // No safe token to make up: refusing lets the server fall back (re-login, no attestation).
  'account/chatgptAuthTokens/refresh': () =>
    refuse('codex-rx: no handler to refresh ChatGPT auth tokens'),
  'attestation/generate': () => refuse('codex-rx: no attestation handler'),
};

/**
 * Defaults for server requests that releases inside the supported window still send but the
 * pinned protocol no longer declares (see docs/versions.md), so running against the previous
 * release answers them as it did rather than with `-32601`.
 */
export const WINDOW_DEFAULTS: Readonly<Record<string, (params: unknown) => ServerRequestOutcome>> =
  {
    // 0.169.0; removed in 0.171.0. Truthful and harmless: the server asks so it can tell the model the date.
    'currentTime/read': () => result({ currentTimeAt: Math.floor(Date.now() / 1000) }),
  };

/** Whether `method` is a server request method of the pinned protocol. */
export function isKnownServerRequest(method: string): method is ServerRequestMethod {
  return Object.hasOwn(SAFE_DEFAULTS, method);
}

/** The safe default outcome for a request. */
export function safeDefault<M extends ServerRequestMethod>(
  method: M,
  params: ServerRequestParams<M>,
): ServerRequestOutcome {
  return (SAFE_DEFAULTS[method] as Default<M>)(params);
}
