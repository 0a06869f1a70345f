import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4FinishReason,
  LanguageModelV4FunctionTool,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
  LanguageModelV4Usage,
  SharedV4ProviderMetadata,
  SharedV4Warning,
} from '@ai-sdk/provider';
import { InvalidInputError } from '../../errors/invalid-input-error.js';
import type { Thread } from '../../thread/thread.js';
import type { TurnOptions } from '../../thread/turn-options.js';
import { checkModelSettings } from './codex-provider-options.js';
import type { CodexModelSettings } from './codex-provider-options.js';
import { promptToInput, toolResultOf } from './prompt-to-input.js';
import { stepStream } from './step-stream.js';
import type { TurnRun } from './turn-run.js';

/** What a model needs from its provider (its threads, parked turns, lifetime). */
export interface ModelHost {
  readonly name: string;
  readonly settings: CodexModelSettings;
  /** A thread for a call: the pinned one (`continued: true`) or a fresh one. */
  threadFor(
    settings: CodexModelSettings,
    start: { model?: string; system?: string; tools: readonly LanguageModelV4FunctionTool[] },
    persistentKey: object,
  ): Promise<{ thread: Thread; continued: boolean; warnings: SharedV4Warning[] }>;
  /** Starts a turn on the thread and follows it. */
  startRun(thread: Thread, input: Parameters<Thread['turn']>[0], options: TurnOptions): TurnRun;
  /** The parked turn waiting for this tool call's result, if any. */
  parkedRun(toolCallId: string): TurnRun | undefined;
  /** Records where a step ended (parks the turn when it waits for tool results). */
  stepEnded(run: TurnRun, parked: boolean): void;
  assertOpen(): void;
}

/** Call settings Codex has no equivalent for: warned about, never silently dropped. */
const UNSUPPORTED = [
  'maxOutputTokens',
  'temperature',
  'stopSequences',
  'topP',
  'topK',
  'presencePenalty',
  'frequencyPenalty',
  'seed',
] as const;

const EFFORTS = new Set(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']);

/**
 * A Codex agent as the AI SDK's `LanguageModelV4`: each call is a turn (or, with the caller's
 * tools, a step of one) on an app-server thread.
 */
export class CodexLanguageModel implements LanguageModelV4 {
  readonly specificationVersion = 'v4' as const;
  readonly provider: string;
  /** Images by URL go to the server as they are; the AI SDK downloads nothing. */
  readonly supportedUrls: Record<string, RegExp[]> = { 'image/*': [/^https?:\/\//] };

  constructor(
    readonly modelId: string,
    private readonly settings: CodexModelSettings,
    private readonly host: ModelHost,
  ) {
    this.provider = host.name;
  }

  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const { stream, request } = await this.openStep(options);
    return { stream, request };
  }

  private async openStep(
    options: LanguageModelV4CallOptions,
  ): Promise<LanguageModelV4StreamResult & { run: TurnRun }> {
    this.host.assertOpen();
    options.abortSignal?.throwIfAborted();
    const warnings = callWarnings(options);
    const callSettings = {
      ...this.host.settings,
      ...this.settings,
      ...checkModelSettings(options.providerOptions?.codex, 'providerOptions.codex'),
    };
    const run =
      this.resumeParked(options) ?? (await this.startTurn(options, callSettings, warnings));
    const onAbort = (): void => void run.interrupt();
    options.abortSignal?.addEventListener('abort', onAbort, { once: true });
    const stream = stepStream(
      run,
      warnings,
      this.modelId,
      options.responseFormat?.type === 'json',
      ({ parked }) => {
        options.abortSignal?.removeEventListener('abort', onAbort);
        this.host.stepEnded(run, parked);
      },
      () => {
        options.abortSignal?.removeEventListener('abort', onAbort);
        void run.interrupt();
      },
    );
    return { stream, request: { body: { threadId: run.thread.id } }, run };
  }

  async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const { stream, request, run } = await this.openStep(options);
    const content: LanguageModelV4Content[] = [];
    const texts = new Map<string, { type: 'text' | 'reasoning'; text: string }>();
    let warnings: SharedV4Warning[] = [];
    let finishReason: LanguageModelV4FinishReason = { unified: 'other', raw: undefined };
    let usage: LanguageModelV4Usage | undefined;
    let providerMetadata: SharedV4ProviderMetadata | undefined;
    let response: LanguageModelV4GenerateResult['response'];
    let error: unknown;
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const part: LanguageModelV4StreamPart = value;
      switch (part.type) {
        case 'stream-start':
          warnings = part.warnings;
          break;
        case 'text-start':
        case 'reasoning-start': {
          const entry = {
            type: part.type === 'text-start' ? 'text' : 'reasoning',
            text: '',
          } as const;
          const mutable = { ...entry };
          texts.set(part.id, mutable);
          content.push(mutable);
          break;
        }
        case 'text-delta':
        case 'reasoning-delta': {
          const entry = texts.get(part.id);
          if (entry) entry.text += part.delta;
          break;
        }
        case 'tool-call':
          content.push(part);
          break;
        case 'tool-result':
          if (!part.preliminary) content.push(part);
          break;
        case 'response-metadata':
          response = { id: part.id, modelId: part.modelId, timestamp: part.timestamp };
          break;
        case 'finish':
          finishReason = part.finishReason;
          usage = part.usage;
          providerMetadata = part.providerMetadata;
          break;
        case 'error':
          error ??= part.error;
          break;
        default:
          break;
      }
    }
    // The stream's error part carries what the AI SDK expects thrown (an APICallError, say).
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    if (error !== undefined) throw error;
    const structured =
      options.responseFormat?.type === 'json' && finishReason.unified === 'stop'
        ? run.state.finalResponse
        : null;
    return {
      content,
      ...(structured !== null ? { structuredOutputText: structured } : {}),
      finishReason,
      usage: usage ?? emptyUsage,
      warnings,
      request,
      ...(response ? { response } : {}),
      ...(providerMetadata ? { providerMetadata } : {}),
    };
  }

  /** The parked turn this call's tool results continue, with the results handed to it. */
  private resumeParked(options: LanguageModelV4CallOptions): TurnRun | undefined {
    const last = options.prompt.at(-1);
    if (last?.role !== 'tool') return undefined;
    let run: TurnRun | undefined;
    for (const part of last.content) {
      if (part.type !== 'tool-result') continue;
      const parked = this.host.parkedRun(part.toolCallId);
      if (!parked || (run && parked !== run)) continue;
      run = parked;
      run.answer(part.toolCallId, toolResultOf(part.output));
    }
    run?.unpark();
    return run;
  }

  private async startTurn(
    options: LanguageModelV4CallOptions,
    settings: CodexModelSettings,
    warnings: SharedV4Warning[],
  ): Promise<TurnRun> {
    const tools = (options.tools ?? []).filter(
      (tool): tool is LanguageModelV4FunctionTool => tool.type === 'function',
    );
    const model = this.modelId === 'default' ? undefined : this.modelId;
    const system = options.prompt.find((m) => m.role === 'system')?.content;
    const {
      thread,
      continued,
      warnings: threadWarnings,
    } = await this.host.threadFor(
      settings,
      {
        ...(model !== undefined ? { model } : {}),
        ...(system !== undefined ? { system } : {}),
        tools: options.toolChoice?.type === 'none' ? [] : tools,
      },
      this,
    );
    warnings.push(...threadWarnings);
    options.abortSignal?.throwIfAborted();
    const { input, warnings: inputWarnings } = promptToInput(options.prompt, continued);
    warnings.push(...inputWarnings);
    const turnOptions: TurnOptions = {
      ...(model !== undefined ? { model } : {}),
      ...(options.abortSignal ? { signal: options.abortSignal } : {}),
    };
    if (options.responseFormat?.type === 'json') {
      if (options.responseFormat.schema)
        turnOptions.outputSchema = options.responseFormat.schema as never;
      else
        warnings.push({
          type: 'compatibility',
          feature: 'responseFormat json without a schema',
          details: 'Codex constrains output by a JSON schema only; the answer is asked for as is',
        });
    }
    if (options.reasoning !== undefined && options.reasoning !== 'provider-default') {
      if (EFFORTS.has(options.reasoning)) turnOptions.effort = options.reasoning;
      else
        warnings.push({
          type: 'unsupported',
          feature: `reasoning: ${options.reasoning}`,
          details: `Codex efforts are ${[...EFFORTS].join(', ')}`,
        });
    }
    return this.host.startRun(thread, input, turnOptions);
  }
}

const emptyUsage: LanguageModelV4Usage = {
  inputTokens: {
    total: undefined,
    noCache: undefined,
    cacheRead: undefined,
    cacheWrite: undefined,
  },
  outputTokens: { total: undefined, text: undefined, reasoning: undefined },
};

function callWarnings(options: LanguageModelV4CallOptions): SharedV4Warning[] {
  const warnings: SharedV4Warning[] = [];
  for (const key of UNSUPPORTED)
    if (options[key] !== undefined)
      warnings.push({ type: 'unsupported', feature: key, details: 'Codex has no such setting' });
  if (options.includeRawChunks) warnings.push({ type: 'unsupported', feature: 'includeRawChunks' });
  if (options.toolChoice && options.toolChoice.type !== 'auto')
    warnings.push({
      type: 'compatibility',
      feature: `toolChoice: ${options.toolChoice.type}`,
      details:
        options.toolChoice.type === 'none'
          ? 'the tools are not declared to the agent'
          : 'the agent chooses its tools itself',
    });
  for (const tool of options.tools ?? [])
    if (tool.type === 'provider')
      warnings.push({ type: 'unsupported', feature: `provider tool ${tool.id}` });
  return warnings;
}

/** Checks the settings a model is made with, naming the field. */
export function modelSettings(settings: unknown): CodexModelSettings {
  if (settings !== undefined && (settings === null || typeof settings !== 'object'))
    throw new InvalidInputError('settings', 'must be an object');
  return checkModelSettings(settings, 'settings');
}
