import type { ReviewDecision } from '../protocol/generated/ReviewDecision.js';
import type { CommandExecutionApprovalDecision } from '../protocol/generated/v2/CommandExecutionApprovalDecision.js';
import type { FileChangeApprovalDecision } from '../protocol/generated/v2/FileChangeApprovalDecision.js';

/**
 * The decisions each approval method takes, as records over the generated unions: a new or
 * renamed decision in a regenerated protocol breaks the build here rather than letting an
 * answer the server cannot parse (`{ decision: 'yolo' }`) go out on the wire.
 */
type Variants<T> = {
  readonly strings: Readonly<Record<Extract<T, string>, true>>;
  readonly objects: Readonly<Record<keyof Exclude<T, string>, true>>;
};

const COMMAND: Variants<CommandExecutionApprovalDecision> = {
  strings: { accept: true, acceptForSession: true, decline: true, cancel: true },
  objects: { acceptWithExecpolicyAmendment: true, applyNetworkPolicyAmendment: true },
};
const FILE_CHANGE: Variants<FileChangeApprovalDecision> = {
  strings: { accept: true, acceptForSession: true, decline: true, cancel: true },
  objects: {},
};
const LEGACY: Variants<ReviewDecision> = {
  strings: {
    approved: true,
    approved_for_session: true,
    approved_mcp_policy_amendment: true,
    timed_out: true,
    abort: true,
  },
  objects: { approved_execpolicy_amendment: true, network_policy_amendment: true, denied: true },
};

const BY_METHOD: Readonly<Record<string, Variants<unknown>>> = {
  'item/commandExecution/requestApproval': COMMAND,
  'item/fileChange/requestApproval': FILE_CHANGE,
  execCommandApproval: LEGACY,
  applyPatchApproval: LEGACY,
};

/**
 * What is wrong with `result` as the answer to an approval request of `method`, or `undefined`
 * when it is a valid decision (or `method` takes no decision).
 */
export function decisionProblem(method: string, result: unknown): string | undefined {
  const variants = BY_METHOD[method];
  if (!variants) return undefined;
  const decision = (result as { decision?: unknown } | null)?.decision;
  if (typeof decision === 'string' && Object.hasOwn(variants.strings, decision)) return undefined;
  if (decision !== null && typeof decision === 'object' && !Array.isArray(decision)) {
    const keys = Object.keys(decision);
    if (keys.length === 1 && Object.hasOwn(variants.objects, keys[0]!)) return undefined;
  }
  const expected = [
    ...Object.keys(variants.strings).map((s) => `'${s}'`),
    ...Object.keys(variants.objects).map((k) => `{ ${k}: … }`),
  ].join(' | ');
  return `${method}: decision ${JSON.stringify(decision)} is not one of ${expected}`;
}
