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
import { INITIAL_TURN_STATE, requestKey } from '../state/turn-state.js';
import type { TurnState } from '../state/turn-state.js';
import type { Thread } from '../thread/thread.js';
import type { TurnObservable } from '../thread/turn-observable.js';
import { frameTurn } from './frame-turn.js';
import { toReadableStream } from './ui-message-stream-response.js';
import { UIChunkWriter } from './ui-chunk-writer.js';

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

  constructor(readonly thread: Thread) {}

  /** The UI message stream answering one request of the chat. */
  respond(body: ChatRequestBody): Observable<UIMessageChunk> {
    return defer(() => {
      const messages: readonly UIMessage[] | undefined = Array.isArray(body?.messages)
        ? body.messages
        : undefined;
      if (!messages) throw new InvalidInputError('messages', 'must be an array of UI messages');
      const last = messages.at(-1);
      const running = this.running && !this.running.ended ? this.running : undefined;
      if (last?.role === 'assistant') {
        if (!running || last.id !== running.messageId)
          throw new InvalidInputError(
            'messages',
            'the last assistant message is not a running turn',
          );
        this.answerApprovals(running, last);
        return this.show(running);
      }
      const text = last?.role === 'user' ? textOf(last) : '';
      if (text.trim() === '')
        throw new InvalidInputError(
          'messages',
          'the last message must be a user message with text',
        );
      if (running)
        // Its answer would have to go into the running turn's message, which the client has
        // closed: refused, clearly, rather than shown twice.
        throw new InvalidInputError(
          'messages',
          running.writer.awaitingApproval
            ? 'a turn waits for your approval: answer it first (or stop the turn)'
            : 'a turn is running: steer it (chat.steer) or wait for its end',
        );
      this.running = this.start(text);
      return this.show(this.running);
    });
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

  /** The thread's stored turns as UI messages (user and assistant), oldest first. */
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
      const state = turnStateFromTurn(turn, this.thread.id);
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

function textOf(message: UIMessage): string {
  return message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
}
