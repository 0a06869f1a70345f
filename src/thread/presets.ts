import { InvalidInputError } from '../errors/invalid-input-error.js';
import type { WebSearchMode } from '../protocol/generated/WebSearchMode.js';
import type { AskForApproval } from '../protocol/generated/v2/AskForApproval.js';
import type { ApprovalsReviewer } from '../protocol/generated/v2/ApprovalsReviewer.js';
import type { ReasoningEffort } from '../protocol/generated/ReasoningEffort.js';
import type { SandboxMode } from '../protocol/generated/v2/SandboxMode.js';
import type { SandboxPolicy } from '../protocol/generated/v2/SandboxPolicy.js';
import type { JsonValue } from '../protocol/generated/serde_json/JsonValue.js';

/**
 * Who decides on approvals, in one word (the Python SDK's `ApprovalMode`):
 * - `denyAll`: never ask (`approvalPolicy: 'never'`): what needs approval is refused;
 * - `autoReview`: ask, and let the server's reviewer decide (`approvalPolicy: 'on-request'`,
 *   `approvalsReviewer: 'auto_review'`);
 * - `dangerouslyBypassApprovalsAndSandbox`: never ask and run everything unsandboxed
 *   (`approvalPolicy: 'never'` with the `danger-full-access` sandbox).
 */
export type ApprovalMode = 'denyAll' | 'autoReview' | 'dangerouslyBypassApprovalsAndSandbox';

/** The common decisions as typed options, each mapped onto the raw parameter named beside it. */
export interface PresetOptions {
  /** → `approvalPolicy` and `approvalsReviewer` (and the sandbox, for the bypass). */
  approvalMode?: ApprovalMode;
  /** → `config.model_reasoning_effort` on a thread, `effort` on a turn. */
  modelReasoningEffort?: ReasoningEffort;
  /** → `config['sandbox_workspace_write.network_access']` on a thread, `sandboxPolicy.networkAccess` on a turn. */
  networkAccessEnabled?: boolean;
  /** More folders the agent may write in: → `config['sandbox_workspace_write.writable_roots']` on a thread, `sandboxPolicy.writableRoots` on a turn. */
  additionalDirectories?: readonly string[];
}

/** Presets a thread takes (`startThread`, `resumeThread`, `forkThread`). */
export interface ThreadPresetOptions extends PresetOptions {
  /** The web search tool: → `config.web_search` (`disabled`, `cached`, `indexed`, `live`). */
  webSearch?: WebSearchMode;
}

/** Presets a turn takes (`thread.turn`, `thread.run`). */
export interface TurnPresetOptions extends PresetOptions {
  /** The turn's sandbox, as a thread names it: → `sandboxPolicy` (`readOnly`, `workspaceWrite`, `dangerFullAccess`). */
  sandbox?: SandboxMode;
}

const APPROVAL_MODES: readonly ApprovalMode[] = [
  'denyAll',
  'autoReview',
  'dangerouslyBypassApprovalsAndSandbox',
];

function conflict(preset: string, raw: string, method: string): InvalidInputError {
  return new InvalidInputError(
    preset,
    `conflicts with ${raw}: give one or the other (${preset} sets ${raw})`,
    method,
  );
}

/**
 * Sets `approvalPolicy` (and `approvalsReviewer`) on `wire` for `mode`, refusing raw values of
 * either beside it; returns whether the mode also lifts the sandbox.
 */
function applyApproval(
  wire: { approvalPolicy?: AskForApproval | null; approvalsReviewer?: ApprovalsReviewer | null },
  mode: ApprovalMode | undefined,
  method: string,
): boolean {
  if (mode === undefined) return false;
  if (!APPROVAL_MODES.includes(mode))
    throw new InvalidInputError(
      'approvalMode',
      `must be one of ${APPROVAL_MODES.join(', ')}, got ${JSON.stringify(mode)}`,
      method,
    );
  if (wire.approvalPolicy != null) throw conflict('approvalMode', 'approvalPolicy', method);
  if (wire.approvalsReviewer != null) throw conflict('approvalMode', 'approvalsReviewer', method);
  if (mode === 'autoReview') {
    wire.approvalPolicy = 'on-request';
    wire.approvalsReviewer = 'auto_review';
    return false;
  }
  wire.approvalPolicy = 'never';
  return mode === 'dangerouslyBypassApprovalsAndSandbox';
}

interface ThreadWire {
  approvalPolicy?: AskForApproval | null;
  approvalsReviewer?: ApprovalsReviewer | null;
  sandbox?: SandboxMode | null;
  config?: { [key in string]?: JsonValue } | null;
}

/** Splits a thread's presets off its params and maps them onto the raw parameters. */
export function applyThreadPresets<P extends ThreadWire>(
  params: P & ThreadPresetOptions,
  method: string,
): P {
  const {
    approvalMode,
    modelReasoningEffort,
    networkAccessEnabled,
    additionalDirectories,
    webSearch,
    ...raw
  } = params;
  const wire = { ...raw } as unknown as P;
  if (applyApproval(wire, approvalMode, method)) {
    if (raw.sandbox != null && raw.sandbox !== 'danger-full-access')
      throw conflict('approvalMode', 'sandbox', method);
    wire.sandbox = 'danger-full-access';
  }
  const config: { [key in string]?: JsonValue } = { ...raw.config };
  const set = (preset: string, key: string, value: JsonValue | undefined): void => {
    if (value === undefined) return;
    if (config[key] !== undefined) throw conflict(preset, `config['${key}']`, method);
    config[key] = value;
  };
  set('modelReasoningEffort', 'model_reasoning_effort', modelReasoningEffort);
  set('networkAccessEnabled', 'sandbox_workspace_write.network_access', networkAccessEnabled);
  set(
    'additionalDirectories',
    'sandbox_workspace_write.writable_roots',
    additionalDirectories ? directories(additionalDirectories, method) : undefined,
  );
  set('webSearch', 'web_search', webSearch);
  if (Object.keys(config).length > 0) wire.config = config;
  return wire;
}

interface TurnWire {
  approvalPolicy?: AskForApproval | null;
  approvalsReviewer?: ApprovalsReviewer | null;
  sandboxPolicy?: SandboxPolicy | null;
  effort?: ReasoningEffort | null;
}

/** Splits a turn's presets off its wire options and maps them onto `turn/start` parameters. */
export function applyTurnPresets<P extends TurnWire>(
  options: P & TurnPresetOptions,
  method: string,
): P {
  const {
    approvalMode,
    modelReasoningEffort,
    networkAccessEnabled,
    additionalDirectories,
    sandbox,
    ...raw
  } = options;
  const wire = { ...raw } as unknown as P;
  const bypass = applyApproval(wire, approvalMode, method);
  if (modelReasoningEffort !== undefined) {
    if (raw.effort != null) throw conflict('modelReasoningEffort', 'effort', method);
    wire.effort = modelReasoningEffort;
  }
  const mode: SandboxMode | undefined = bypass ? 'danger-full-access' : sandbox;
  if (bypass && sandbox !== undefined && sandbox !== 'danger-full-access')
    throw conflict('approvalMode', 'sandbox', method);
  const touchesSandbox =
    mode !== undefined || networkAccessEnabled !== undefined || additionalDirectories !== undefined;
  if (!touchesSandbox) return wire;
  if (raw.sandboxPolicy != null)
    throw conflict(
      mode !== undefined ? 'sandbox' : 'networkAccessEnabled',
      'sandboxPolicy',
      method,
    );
  if (mode === undefined)
    throw new InvalidInputError(
      networkAccessEnabled !== undefined ? 'networkAccessEnabled' : 'additionalDirectories',
      "needs `sandbox` on a turn ('read-only' or 'workspace-write'): the turn's sandbox policy is set whole",
      method,
    );
  wire.sandboxPolicy = sandboxPolicy(mode, networkAccessEnabled, additionalDirectories, method);
  return wire;
}

function sandboxPolicy(
  mode: SandboxMode,
  networkAccess: boolean | undefined,
  roots: readonly string[] | undefined,
  method: string,
): SandboxPolicy {
  switch (mode) {
    case 'danger-full-access':
      if (networkAccess === false || roots?.length)
        throw new InvalidInputError(
          'sandbox',
          "'danger-full-access' has no network or folder limits to set",
          method,
        );
      return { type: 'dangerFullAccess' };
    case 'read-only':
      if (roots?.length)
        throw new InvalidInputError(
          'additionalDirectories',
          "needs sandbox 'workspace-write': a read-only sandbox writes nowhere",
          method,
        );
      return { type: 'readOnly', networkAccess: networkAccess ?? false };
    case 'workspace-write':
      return {
        type: 'workspaceWrite',
        writableRoots: roots ? directories(roots, method) : [],
        networkAccess: networkAccess ?? false,
        excludeTmpdirEnvVar: false,
        excludeSlashTmp: false,
      };
    default:
      throw new InvalidInputError(
        'sandbox',
        `must be 'read-only', 'workspace-write' or 'danger-full-access', got ${JSON.stringify(mode)}`,
        method,
      );
  }
}

/** An absolute path on POSIX or Windows. */
const ABSOLUTE = /^(\/|[A-Za-z]:[\\/]|\\\\)/;

function directories(roots: unknown, method: string): string[] {
  if (
    !Array.isArray(roots) ||
    roots.some((root: unknown) => typeof root !== 'string' || !ABSOLUTE.test(root))
  )
    throw new InvalidInputError(
      'additionalDirectories',
      `must be an array of absolute folder paths, got ${JSON.stringify(roots)}`,
      method,
    );
  return [...(roots as string[])];
}
