import { ReplaySubject, defer, from, lastValueFrom, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { aiPeerReady } from './ai-peer.js';
import type { UIMessage, UIMessageChunk } from 'ai';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { JsonRpcError } from '../errors/json-rpc-error.js';
import { approvalResult, isApprovalMethod } from '../requests/approvals.js';
import type { ApprovalDecision } from '../requests/approvals.js';
import type { AnyServerRequest } from '../requests/server-request-handle.js';
import { turnStateFromTurn } from '../state/reduce-turn-state.js';
import { toTurnState } from '../state/to-turn-state.js';
import { INITIAL_TURN_STATE } from '../state/turn-state.js';
import { requestKey } from '../state/state-event.js';
import type { TurnState } from '../state/turn-state.js';
import type { Thread } from '../thread/thread.js';
import type { TurnObservable } from '../thread/turn-observable.js';
import { frameTurn } from './frame-turn.js';
import { toReadableStream, toUIMessageStreamResponse } from './ui-message-stream-response.js';
import { UIChunkWriter } from './ui-chunk-writer.js';

/** How many turns' usage a chat keeps for {@link CodexChat.history}. */
const MAX_REMEMBERED_USAGES = 1_000;

/** The turn a chat is running, kept between the HTTP requests that show it. */
interface RunningTurn {
  readonly turn: TurnObservable;
  readonly messageId: string;
  readonly writer: UIChunkWriter;
  readonly states: ReplaySubject<TurnState>;
  latest: TurnState | undefined;
  readonly handles: Map<string, AnyServerRequest>;
  ended: boolean;
}

/** What the AI SDK's `DefaultChatTransport` posts. */
export interface ChatRequestBody {
  readonly messages: readonly UIMessage[];
}

/**
 * One AI SDK chat (`useChat`) on one codex-rx thread, for a server route. Each request of the
 * chat goes to {@link CodexChat.respond}, which answers with the UI message stream:
 *
 * - a new user message starts a turn, streamed as it runs (refused while one runs: steer it);
 * - an approval the agent asks for ends that response with the tool part in
 *   `approval-requested`; the client's `addToolApprovalResponse` (with `sendAutomaticallyWhen:
 *   lastAssistantMessageIsCompleteWithApprovalResponses`) posts the answer, which becomes the
 *   server request's `respond()`, and the response to that request continues the same message;
 * - {@link CodexChat.interrupt} (a stop button) or the client leaving mid-turn interrupts it;
 *   {@link CodexChat.steer} adds input to the running turn.
 *
 * The turn runs on the server whatever the browser does; {@link CodexChat.history} gives the
 * thread's turns as UI messages for a page that reloads.
 */
export class CodexChat {
  private running: RunningTurn | undefined;
  /** The usage each turn ended with, by turn id: the server's stored turns carry none. */
  private readonly usages = new Map<string, Pick<TurnState, 'usage' | 'turnUsage'>>();

  constructor(readonly thread: Thread) {}

  /**
   * Why this request would be refused, or `undefined` when {@link CodexChat.respond} takes it:
   * `400` for a body it cannot read (the error names the field), `409` while a turn runs or
   * waits for an approval. A route answers a refusal with its status and
   * {@link chatErrorBody} (or uses {@link CodexChat.response}, which does).
   */
  refusal(body: unknown): ChatRefusal | undefined {
    const request = this.read(body);
    return 'refusal' in request ? request.refusal : undefined;
  }

  /**
   * The UI message stream answering one request of the chat. A refused request errors it with
   * the refusal's `InvalidInputError` (before any chunk); {@link toUIMessageStreamResponse} and
   * {@link pipeUIMessageStreamToNodeResponse} send that as an `error` chunk, which `useChat`
   * shows.
   */
  respond(body: ChatRequestBody): Observable<UIMessageChunk> {
    return defer(() => {
      const request = this.read(body);
      if ('refusal' in request) throw request.refusal.error;
      if ('continue' in request) {
        this.answerApprovals(request.continue, request.message);
        return this.show(request.continue);
      }
      this.running = this.start(request.start);
      return this.show(this.running);
    });
  }

  /**
   * A web `Response` for one request of the chat (a Next.js route handler, Hono, …): the UI
   * message stream, or a refusal's status with a JSON {@link chatErrorBody}, which the AI SDK
   * client raises as the chat's `error`.
   */
  response(body: unknown): Response {
    const refusal = this.refusal(body);
    if (refusal)
      return new Response(JSON.stringify(chatErrorBody(refusal.error)), {
        status: refusal.status,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      });
    return toUIMessageStreamResponse(this.respond(body as ChatRequestBody));
  }

  /**
   * The `400` refusal of a body no chat can read (not the AI SDK's shape; the error names the
   * field), whatever its turn: a route can check it before it makes a chat (and a thread) for it.
   */
  static unreadable(body: unknown): ChatRefusal | undefined {
    const bad = (field: string, problem: string) => ({
      status: 400 as const,
      error: new InvalidInputError(field, problem),
    });
    const messages = isRecord(body) ? body.messages : undefined;
    if (!Array.isArray(messages)) return bad('messages', 'must be an array of UI messages');
    if (messages.length === 0) return bad('messages', 'must not be empty');
    const index = messages.length - 1;
    const problem = messageProblem(messages[index], `messages[${index}]`);
    return problem ? bad(problem[0], problem[1]) : undefined;
  }

  /** What a request asks for, read without side effects. */
  private read(
    body: unknown,
  ): { refusal: ChatRefusal } | { continue: RunningTurn; message: UIMessage } | { start: string } {
    const unreadable = CodexChat.unreadable(body);
    if (unreadable) return { refusal: unreadable };
    const messages = (body as ChatRequestBody).messages;
    const index = messages.length - 1;
    const last = messages[index]!;
    const bad = (field: string, problem: string) => ({
      refusal: { status: 400 as const, error: new InvalidInputError(field, problem) },
    });
    const running = this.running && !this.running.ended ? this.running : undefined;
    if (last.role === 'assistant') {
      if (!running || last.id !== running.messageId)
        return {
          refusal: {
            status: 409,
            error: new InvalidInputError(
              `messages[${index}]`,
              'is an assistant message of no running turn',
            ),
          },
        };
      return { continue: running, message: last };
    }
    const text = last.role === 'user' ? textOf(last) : '';
    if (text.trim() === '') return bad(`messages[${index}]`, 'must be a user message with text');
    if (running)
      // Its answer would have to go into the running turn's message, which the client has
      // closed: refused, clearly, rather than shown twice.
      return {
        refusal: {
          status: 409,
          error: new InvalidInputError(
            'messages',
            running.writer.awaitingApproval
              ? 'cannot start a turn: one waits for your approval (answer it first, or stop the turn)'
              : 'cannot start a turn: one is running (steer it, or wait for its end)',
          ),
        },
      };
    return { start: text };
  }

  /** Whether a turn of this chat is running (or waiting for an approval). */
  get turnRunning(): boolean {
    return this.running !== undefined && !this.running.ended;
  }

  /** Adds input to the running turn; rejects when no turn runs. */
  async steer(text: string): Promise<void> {
    const running = this.running;
    if (!running || running.ended)
      throw new InvalidInputError('text', 'no turn is running to steer', 'turn/steer');
    await running.turn.steer(text);
  }

  /** Interrupts the running turn (resolves at once when none runs). */
  async interrupt(): Promise<void> {
    const running = this.running;
    if (running && !running.ended) await running.turn.interrupt();
  }

  /**
   * The thread's stored turns as UI messages (user and assistant), oldest first; a turn this chat
   * ran carries its `data-usage` (the server stores none with a turn).
   */
  async history(): Promise<UIMessage[]> {
    const turns = await lastValueFrom(
      this.thread.turns$({ sortDirection: 'asc', itemsView: 'full' }).pipe(toArray()),
    ).catch((error: unknown) => {
      // Before its first turn (and for ephemeral threads) the server has no history to give.
      if (error instanceof JsonRpcError) return [];
      throw error;
    });
    const messages: UIMessage[] = [];
    for (const turn of turns) {
      for (const item of turn.items)
        if (item.type === 'userMessage')
          messages.push({
            id: item.id,
            role: 'user',
            parts: item.content.flatMap((c) =>
              c.type === 'text' ? [{ type: 'text', text: c.text }] : [],
            ),
          });
      // The server stores no usage with a turn: what this chat saw live is given back.
      const state = { ...turnStateFromTurn(turn, this.thread.id), ...this.usages.get(turn.id) };
      const chunks = frameTurn(from([] as TurnState[]), new UIChunkWriter(), {
        messageId: turn.id,
        latest: state,
      });
      const { readUIMessageStream } = await aiPeerReady();
      for await (const message of readUIMessageStream({ stream: toReadableStream(chunks) }))
        if (messages.at(-1)?.id === turn.id) messages[messages.length - 1] = message;
        else messages.push(message);
    }
    return messages;
  }

  private start(text: string): RunningTurn {
    const turn = this.thread.turn(text);
    const running: RunningTurn = {
      turn,
      messageId: `assistant-${globalThis.crypto.randomUUID()}`,
      writer: new UIChunkWriter(),
      states: new ReplaySubject<TurnState>(1),
      latest: undefined,
      handles: new Map(),
      ended: false,
    };
    // Watched, so each request waits for the user's answer (or the request timeout).
    turn.serverRequests$.subscribe({
      next: (request) => running.handles.set(requestKey(request.id), request),
      error: () => undefined,
    });
    turn.pipe(toTurnState()).subscribe({
      next: (state) => {
        running.latest = state;
        if (state.turnId !== null && state.usage !== null) this.remember(state);
        running.states.next(state);
      },
      error: (error: unknown) => {
        running.ended = true;
        running.states.error(error);
      },
      complete: () => {
        running.ended = true;
        running.states.complete();
      },
    });
    return running;
  }

  private remember(state: TurnState): void {
    const id = state.turnId!;
    this.usages.delete(id);
    this.usages.set(id, { usage: state.usage, turnUsage: state.turnUsage });
    // Oldest first in a Map: a long thread keeps the usage of its latest turns only.
    if (this.usages.size > MAX_REMEMBERED_USAGES)
      this.usages.delete(this.usages.keys().next().value!);
  }

  /** One response's worth of the running turn, from what the writer has sent so far. */
  private show(running: RunningTurn): Observable<UIMessageChunk> {
    return defer(() =>
      frameTurn(running.states, running.writer, {
        messageId: running.messageId,
        latest: running.latest ?? INITIAL_TURN_STATE,
        pauseOnApproval: true,
        onCancel: () => void this.interrupt().catch(() => undefined),
      }),
    );
  }

  private answerApprovals(running: RunningTurn, message: UIMessage): void {
    for (const part of message.parts) {
      if (!('approval' in part) || part.state !== 'approval-responded') continue;
      const approval = part.approval as { id: string; approved: boolean };
      const request = running.writer.approvals.get(approval.id);
      const handle = request && running.handles.get(requestKey(request.id));
      if (!handle || handle.isSettled || !isApprovalMethod(handle.method)) continue;
      running.writer.markAnswered(approval.id);
      const decision: ApprovalDecision = approval.approved ? 'accept' : 'decline';
      (handle as { respond(result: unknown): void }).respond(
        approvalResult(handle.method, handle.params as never, decision),
      );
    }
  }
}

/** A request {@link CodexChat} refuses: the HTTP status to answer with, and why. */
export interface ChatRefusal {
  /** `400`: a body it cannot read; `409`: a turn runs or waits for an approval. */
  readonly status: 400 | 409;
  readonly error: InvalidInputError;
}

/** The JSON body a route answers a refused chat request with. */
export function chatErrorBody(error: Error): {
  error: { name: string; message: string; code?: string; field?: string };
} {
  const { code, field } = error as { code?: unknown; field?: unknown };
  return {
    error: {
      name: error.name,
      message: error.message,
      ...(typeof code === 'string' ? { code } : {}),
      ...(typeof field === 'string' ? { field } : {}),
    },
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The field of a UI message that is not what the AI SDK sends, and what is wrong with it. */
function messageProblem(message: unknown, at: string): [string, string] | undefined {
  if (!isRecord(message)) return [at, 'is not a UI message object'];
  if (message.role !== 'user' && message.role !== 'assistant' && message.role !== 'system')
    return [`${at}.role`, 'must be "user", "assistant" or "system"'];
  if (typeof message.id !== 'string') return [`${at}.id`, 'must be a string'];
  if (!Array.isArray(message.parts)) return [`${at}.parts`, 'must be an array'];
  for (const [i, part] of message.parts.entries()) {
    const field = `${at}.parts[${i}]`;
    if (!isRecord(part)) return [field, 'is not an object'];
    if (typeof part.type !== 'string') return [`${field}.type`, 'must be a string'];
    if (part.type === 'text' && typeof part.text !== 'string')
      return [`${field}.text`, 'must be a string'];
    if (part.state === 'approval-responded') {
      const approval = part.approval;
      if (!isRecord(approval) || typeof approval.id !== 'string')
        return [`${field}.approval.id`, 'must be a string'];
      if (typeof approval.approved !== 'boolean')
        return [`${field}.approval.approved`, 'must be a boolean'];
    }
  }
  return undefined;
}

function textOf(message: UIMessage): string {
  return message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
}
