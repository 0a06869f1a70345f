import type { APICallError } from 'ai';
import { aiPeer } from '../ai-peer.js';
import type {
  LanguageModelV4FinishReason,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
  SharedV4Warning,
} from '@ai-sdk/provider';
import type { UIMessageChunk } from 'ai';
import { TurnFailedError } from '../../errors/turn-errors.js';
import type { TokenUsageBreakdown } from '../../protocol/generated/v2/TokenUsageBreakdown.js';
import type { TurnState } from '../../state/turn-state.js';
import type { TurnRun } from './turn-run.js';

/** How one step (one call of the model) ended. */
export interface StepEnd {
  finishReason: LanguageModelV4FinishReason;
  /** Whether the turn waits for the results of the caller's tools. */
  parked: boolean;
}

interface Counts {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

function usageOf(counts: Counts): LanguageModelV4Usage {
  return {
    inputTokens: {
      total: counts.input,
      noCache: counts.input - counts.cached,
      cacheRead: counts.cached,
      cacheWrite: undefined,
    },
    outputTokens: {
      total: counts.output,
      text: counts.output - counts.reasoning,
      reasoning: counts.reasoning,
    },
    raw: { ...counts },
  };
}

function add(counts: Counts, last: TokenUsageBreakdown): void {
  counts.input += last.inputTokens;
  counts.cached += last.cachedInputTokens;
  counts.output += last.outputTokens;
  counts.reasoning += last.reasoningOutputTokens;
}

/** The error a failed turn surfaces as: an `APICallError` whose cause is codex-rx's own. */
export function failedTurnError(state: TurnState): APICallError {
  const cause = new TurnFailedError(state.error, { items: state.items, usage: state.usage });
  const { APICallError: ApiCallError } = aiPeer();
  return new ApiCallError({
    message: cause.message,
    url: `codex://thread/${state.threadId ?? ''}/turn/${state.turnId ?? ''}`,
    requestBodyValues: { threadId: state.threadId, turnId: state.turnId },
    cause,
    isRetryable: false,
    data: state.error,
  });
}

/**
 * One step's stream parts, read from a turn until it ends or the agent calls the caller's tools:
 * agent messages and reasoning as text and reasoning parts, Codex's own actions (commands, file
 * changes, MCP tools, web search) as provider-executed dynamic tool calls with their results, a
 * caller tool call as a plain tool call (the AI SDK runs it), usage, and the finish.
 */
export function stepStream(
  run: TurnRun,
  warnings: SharedV4Warning[],
  modelId: string,
  json: boolean,
  onStepEnd: (end: StepEnd) => void,
  onCancel: () => void,
): ReadableStream<LanguageModelV4StreamPart> {
  const counts: Counts = { input: 0, cached: 0, output: 0, reasoning: 0 };
  let lastUsage = run.state.usage;
  let done = false;
  let sentMetadata = false;
  const toolNames = new Map<string, string>();

  const metadata = (out: LanguageModelV4StreamPart[]): void => {
    if (sentMetadata || run.state.turnId === null) return;
    sentMetadata = true;
    out.push({ type: 'response-metadata', id: run.state.turnId, modelId, timestamp: new Date() });
  };

  const fromChunk = (chunk: UIMessageChunk, state: TurnState, out: LanguageModelV4StreamPart[]) => {
    switch (chunk.type) {
      case 'text-start':
      case 'text-end':
      case 'text-delta':
        // With a JSON answer asked for, the agent's commentary is reasoning: the text is the JSON.
        if (json && isCommentary(state, chunk.id)) {
          out.push(
            chunk.type === 'text-delta'
              ? { type: 'reasoning-delta', id: chunk.id, delta: chunk.delta }
              : {
                  type: chunk.type === 'text-start' ? 'reasoning-start' : 'reasoning-end',
                  id: chunk.id,
                },
          );
        } else
          out.push(
            chunk.type === 'text-delta'
              ? { type: chunk.type, id: chunk.id, delta: chunk.delta }
              : { type: chunk.type, id: chunk.id },
          );
        return;
      case 'reasoning-start':
      case 'reasoning-end':
        out.push({ type: chunk.type, id: chunk.id });
        return;
      case 'reasoning-delta':
        out.push({ type: chunk.type, id: chunk.id, delta: chunk.delta });
        return;
      case 'tool-input-available': {
        if (isCallerTool(state, chunk.toolCallId)) return;
        toolNames.set(chunk.toolCallId, chunk.toolName);
        out.push({
          type: 'tool-call',
          toolCallId: chunk.toolCallId,
          toolName: chunk.toolName,
          input: JSON.stringify(chunk.input ?? {}),
          providerExecuted: true,
          dynamic: true,
        });
        return;
      }
      case 'tool-output-available':
      case 'tool-output-error':
      case 'tool-output-denied': {
        const toolName = toolNames.get(chunk.toolCallId);
        // The AI SDK passes preliminary results on as final ones: only the final result goes.
        if (toolName === undefined || (chunk.type === 'tool-output-available' && chunk.preliminary))
          return;
        const result =
          chunk.type === 'tool-output-available'
            ? (chunk.output ?? {})
            : chunk.type === 'tool-output-error'
              ? { error: chunk.errorText }
              : { denied: true };
        out.push({
          type: 'tool-result',
          toolCallId: chunk.toolCallId,
          toolName,
          result: result as NonNullable<
            LanguageModelV4StreamPart & { type: 'tool-result' }
          >['result'],
          dynamic: true,
          ...(chunk.type === 'tool-output-available' ? {} : { isError: true }),
        });
        return;
      }
      default:
        // Plans, diffs, approvals asked (codex-rx's handlers answer them) and other data parts
        // have no place in a model's output.
        return;
    }
  };

  const finish = (
    out: LanguageModelV4StreamPart[],
    unified: LanguageModelV4FinishReason['unified'],
    raw: string,
    parked = false,
  ): void => {
    const closing: UIMessageChunk[] = [];
    run.writer.closeParts(closing);
    for (const chunk of closing) fromChunk(chunk, run.state, out);
    metadata(out);
    const finishReason = { unified, raw };
    out.push({
      type: 'finish',
      finishReason,
      usage: usageOf(counts),
      providerMetadata: {
        codex: { threadId: run.thread.id, turnId: run.state.turnId, status: raw },
      },
    });
    done = true;
    onStepEnd({ finishReason, parked });
  };

  const onState = (state: TurnState, out: LanguageModelV4StreamPart[]): void => {
    for (const chunk of run.writer.chunks(state)) fromChunk(chunk, state, out);
    if (state.usage !== null && state.usage !== lastUsage) add(counts, state.usage.last);
    lastUsage = state.usage;
    metadata(out);
    if (state.status === 'completed') finish(out, 'stop', 'completed');
    else if (state.status === 'interrupted') finish(out, 'interrupted', 'interrupted');
    else if (state.status === 'failed') {
      out.push({ type: 'error', error: failedTurnError(state) });
      finish(out, 'error', 'failed');
    }
  };

  return new ReadableStream<LanguageModelV4StreamPart>({
    start(controller) {
      controller.enqueue({ type: 'stream-start', warnings });
    },
    async pull(controller) {
      const out: LanguageModelV4StreamPart[] = [];
      while (out.length === 0 && !done) {
        const event = await run.next();
        if (event.type === 'state') onState(event.state, out);
        else if (event.type === 'tool') {
          out.push(toolCall(event.call));
          // Calls made together (parallel function calls) end the step together.
          for (let next = run.peek(); next?.type === 'tool'; next = run.peek()) {
            void run.next();
            out.push(toolCall(next.call));
          }
          finish(out, 'tool-calls', 'dynamicToolCall', true);
        } else if (event.type === 'error') {
          out.push({ type: 'error', error: event.error });
          finish(out, 'error', 'error');
        } else if (!done) finish(out, 'other', 'ended');
      }
      for (const part of out) controller.enqueue(part);
      if (done) controller.close();
    },
    cancel() {
      if (!done) onCancel();
    },
  });
}

function toolCall(call: { callId: string; toolName: string; args: unknown }) {
  return {
    type: 'tool-call' as const,
    toolCallId: call.callId,
    toolName: call.toolName,
    input: JSON.stringify(call.args ?? {}),
  };
}

/** The caller's tools are the thread's dynamic tools: their calls surface as tool calls instead. */
function isCallerTool(state: TurnState, itemId: string): boolean {
  return state.items.some((item) => item.id === itemId && item.type === 'dynamicToolCall');
}

function isCommentary(state: TurnState, partId: string): boolean {
  return state.items.some(
    (item) =>
      item.type === 'agentMessage' &&
      item.phase === 'commentary' &&
      (partId === `text-${item.id}` || partId.startsWith(`text-${item.id}-`)),
  );
}
