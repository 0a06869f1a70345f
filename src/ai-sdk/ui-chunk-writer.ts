import type { UIMessageChunk } from 'ai';
import type { ItemState, PendingRequest, TurnState } from '../state/turn-state.js';
import { isApprovalMethod } from '../requests/approvals.js';

/**
 * Where a tool-like item stands on the AI SDK side: what of it has been sent, so each snapshot
 * sends only what is new.
 */
interface ToolSent {
  input: boolean;
  /** The last output sent (preliminary or final), to skip repeats. */
  output: unknown;
  done: boolean;
}

/** The item types that become AI SDK tool parts (`dynamic-tool`), and the name they show. */
function toolNameOf(item: ItemState): string | undefined {
  switch (item.type) {
    case 'commandExecution':
    case 'fileChange':
    case 'webSearch':
    case 'imageView':
      return item.type;
    case 'mcpToolCall':
      return `mcp:${item.server}/${item.tool}`;
    case 'dynamicToolCall':
      return item.namespace ? `${item.namespace}/${item.tool}` : item.tool;
    default:
      return undefined;
  }
}

function toolInput(item: ItemState): unknown {
  switch (item.type) {
    case 'commandExecution':
      return { command: item.command, cwd: item.cwd };
    case 'fileChange':
      return { changes: item.changes.map(({ path, kind }) => ({ path, kind })) };
    case 'mcpToolCall':
    case 'dynamicToolCall':
      return item.arguments;
    case 'webSearch':
      return { query: item.query };
    case 'imageView':
      return { path: item.path };
    default:
      return {};
  }
}

type ToolOutcome =
  | { kind: 'running'; output: unknown }
  | { kind: 'output'; output: unknown }
  | { kind: 'error'; errorText: string }
  | { kind: 'denied' };

function toolOutcome(item: ItemState): ToolOutcome {
  const done = item.lifecycle === 'completed';
  switch (item.type) {
    case 'commandExecution': {
      if (item.status === 'declined') return { kind: 'denied' };
      const output = { output: item.output, exitCode: item.exitCode, status: item.status };
      return done ? { kind: 'output', output } : { kind: 'running', output };
    }
    case 'fileChange':
      if (item.status === 'declined') return { kind: 'denied' };
      if (item.status === 'failed') return { kind: 'error', errorText: 'the patch did not apply' };
      return done
        ? { kind: 'output', output: { status: item.status, changes: item.changes } }
        : { kind: 'running', output: undefined };
    case 'mcpToolCall':
      if (item.error) return { kind: 'error', errorText: item.error.message };
      return done
        ? { kind: 'output', output: item.result }
        : {
            kind: 'running',
            output: item.progress.length ? { progress: item.progress } : undefined,
          };
    case 'dynamicToolCall':
      if (done && item.success === false)
        return { kind: 'error', errorText: JSON.stringify(item.contentItems ?? []) };
      return done
        ? { kind: 'output', output: item.contentItems }
        : { kind: 'running', output: undefined };
    default:
      return done ? { kind: 'output', output: item } : { kind: 'running', output: undefined };
  }
}

/**
 * Turns successive {@link TurnState} snapshots of one turn into AI SDK UI message chunks: agent
 * messages as `text-*`, reasoning summaries as `reasoning-*`, commands, file changes, MCP and
 * dynamic tool calls as dynamic tool parts (`tool-input-*`, preliminary and final
 * `tool-output-*`, `tool-approval-request` for a pending approval, `tool-output-denied` for a
 * declined one), and what has no AI SDK equivalent as data parts: `data-plan`, `data-diff`,
 * `data-usage` (the thread's `ThreadTokenUsage` and `turn`, the turn's own tokens), `data-request` (a question or other request on no tool), `data-item` (any other
 * item), `data-status` (the turn's end). One writer serves a turn across several HTTP responses:
 * what it sent once it does not send again.
 */
export class UIChunkWriter {
  private previous: TurnState | undefined;
  /** Text and reasoning parts sent so far: item id → [part id, characters sent, open]. */
  private readonly texts = new Map<string, { part: string; sent: number; open: boolean }>();
  private readonly tools = new Map<string, ToolSent>();
  private readonly requests = new Set<string>();
  private segment = 0;

  /** The approval ids this writer has asked about, by the request they stand for. */
  readonly approvals = new Map<string, PendingRequest>();

  /** The chunks that take the UI from what was sent to `next`. */
  chunks(next: TurnState): UIMessageChunk[] {
    const out: UIMessageChunk[] = [];
    const previous = this.previous;
    this.previous = next;
    next.items.forEach((item, i) => {
      if (previous?.items[i] !== item) this.item(item, out);
    });
    for (const request of next.pendingRequests) this.request(next, request, out);
    if (next.plan !== null && next.plan !== previous?.plan)
      out.push({ type: 'data-plan', id: 'plan', data: next.plan });
    if (next.diff !== null && next.diff !== previous?.diff)
      out.push({ type: 'data-diff', id: 'diff', data: next.diff });
    if (next.usage !== null && next.usage !== previous?.usage)
      out.push({
        type: 'data-usage',
        id: 'usage',
        data: { ...next.usage, turn: next.turnUsage },
      });
    if (next.status !== 'inProgress' && previous?.status !== next.status) {
      this.closeParts(out);
      out.push({
        type: 'data-status',
        id: 'status',
        data: { status: next.status, turnId: next.turnId, error: next.error },
      });
    }
    return out;
  }

  /** Ends the text and reasoning parts still open (before a response ends). */
  closeParts(out: UIMessageChunk[]): void {
    for (const text of this.texts.values()) {
      if (!text.open) continue;
      text.open = false;
      out.push({
        type: text.part.startsWith('reasoning') ? 'reasoning-end' : 'text-end',
        id: text.part,
      });
    }
    // A part that grows in a later response starts a new part there.
    this.segment++;
  }

  private readonly answeredApprovals = new Set<string>();

  /** Records that the user answered an approval (its request may stay pending a moment longer). */
  markAnswered(approvalId: string): void {
    this.answeredApprovals.add(approvalId);
  }

  /** Whether an approval asked in this turn still waits for the user. */
  get awaitingApproval(): boolean {
    const pending = this.previous?.pendingRequests ?? [];
    for (const [approvalId, request] of this.approvals)
      if (!this.answeredApprovals.has(approvalId) && pending.includes(request)) return true;
    return false;
  }

  private item(item: ItemState, out: UIMessageChunk[]): void {
    if (item.type === 'agentMessage') return this.text(item.id, 'text', item.text, item, out);
    if (item.type === 'reasoning')
      return this.text(item.id, 'reasoning', item.summary.join('\n\n'), item, out);
    if (item.type === 'userMessage') return;
    const toolName = toolNameOf(item);
    if (toolName === undefined) {
      out.push({ type: 'data-item', id: item.id, data: item });
      return;
    }
    const sent = this.toolSent(item, toolName, out);
    if (sent.done) return;
    const outcome = toolOutcome(item);
    if (outcome.kind === 'denied') {
      sent.done = true;
      out.push({ type: 'tool-output-denied', toolCallId: item.id });
    } else if (outcome.kind === 'error') {
      sent.done = true;
      out.push({
        type: 'tool-output-error',
        toolCallId: item.id,
        errorText: outcome.errorText,
        dynamic: true,
      });
    } else if (outcome.kind === 'output' || outcome.output !== undefined) {
      if (outcome.kind === 'running' && sent.output === outcome.output) return;
      sent.output = outcome.output;
      sent.done = outcome.kind === 'output';
      out.push({
        type: 'tool-output-available',
        toolCallId: item.id,
        output: outcome.output,
        dynamic: true,
        ...(outcome.kind === 'running' ? { preliminary: true } : {}),
      });
    }
  }

  private toolSent(item: ItemState, toolName: string, out: UIMessageChunk[]): ToolSent {
    let sent = this.tools.get(item.id);
    if (!sent) {
      sent = { input: false, output: undefined, done: false };
      this.tools.set(item.id, sent);
    }
    if (!sent.input && item.lifecycle !== 'pending') {
      sent.input = true;
      out.push(
        { type: 'tool-input-start', toolCallId: item.id, toolName, dynamic: true },
        {
          type: 'tool-input-available',
          toolCallId: item.id,
          toolName,
          input: toolInput(item),
          dynamic: true,
        },
      );
    }
    return sent;
  }

  private text(
    itemId: string,
    kind: 'text' | 'reasoning',
    text: string,
    item: ItemState,
    out: UIMessageChunk[],
  ): void {
    let sent = this.texts.get(itemId);
    if (sent && !sent.open && text.length > sent.sent) {
      sent = { part: `${kind}-${itemId}-${this.segment}`, sent: sent.sent, open: false };
      this.texts.set(itemId, sent);
    }
    if (!sent) {
      if (text.length === 0 && item.lifecycle !== 'completed') return;
      sent = {
        part: kind === 'text' ? `text-${itemId}` : `reasoning-${itemId}`,
        sent: 0,
        open: false,
      };
      this.texts.set(itemId, sent);
    }
    if (text.length > sent.sent) {
      if (!sent.open) {
        sent.open = true;
        out.push({ type: kind === 'text' ? 'text-start' : 'reasoning-start', id: sent.part });
      }
      out.push({
        type: kind === 'text' ? 'text-delta' : 'reasoning-delta',
        id: sent.part,
        delta: text.slice(sent.sent),
      });
      sent.sent = text.length;
    }
    if (item.lifecycle === 'completed' && sent.open) {
      sent.open = false;
      out.push({ type: kind === 'text' ? 'text-end' : 'reasoning-end', id: sent.part });
    }
  }

  private request(state: TurnState, request: PendingRequest, out: UIMessageChunk[]): void {
    const key = `${state.turnId ?? ''}:${typeof request.id}:${String(request.id)}`;
    if (this.requests.has(key)) return;
    this.requests.add(key);
    const approvalId = `${state.turnId ?? 'turn'}-request-${String(request.id)}`;
    const item =
      request.itemId === null ? undefined : state.items.find((i) => i.id === request.itemId);
    const toolName = item && toolNameOf(item);
    if (item && toolName !== undefined && isApprovalMethod(request.method)) {
      // The tool part the approval is about exists on the client before it is asked about.
      this.toolSent(item, toolName, out);
      this.approvals.set(approvalId, request);
      const reason = (request.params as { reason?: unknown }).reason;
      out.push({
        type: 'tool-approval-request',
        approvalId,
        toolCallId: item.id,
        ...(typeof reason === 'string' ? { reason } : {}),
      });
      return;
    }
    out.push({ type: 'data-request', id: approvalId, data: request });
  }
}
