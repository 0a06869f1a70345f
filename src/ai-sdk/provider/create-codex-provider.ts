import type { LanguageModelV4FunctionTool, SharedV4Warning } from '@ai-sdk/provider';
import { ClosedError } from '../../errors/closed-error.js';
import { InvalidInputError } from '../../errors/invalid-input-error.js';
import type { DynamicTool } from '../../requests/dynamic-tool.js';
import type { Thread } from '../../thread/thread.js';
import { CodexLanguageModel, modelSettings } from './codex-language-model.js';
import type { ModelHost } from './codex-language-model.js';
import { checkModelSettings, checkPositive } from './codex-provider-options.js';
import type {
  CodexModelSettings,
  CodexProviderOptions,
  CodexThreadSource,
} from './codex-provider-options.js';
import { TurnRun } from './turn-run.js';

/** The provider {@link createCodexProvider} returns. */
export interface CodexProvider {
  /** A model: `modelId` is the thread's model (`'default'` or none: the server's default). */
  (modelId?: string, settings?: CodexModelSettings): CodexLanguageModel;
  /** The same as calling the provider. */
  languageModel(modelId?: string, settings?: CodexModelSettings): CodexLanguageModel;
  readonly specificationVersion: 'v4';
  /**
   * Interrupts the provider's running and parked turns, and closes the client it started (a
   * client passed as `client` stays open). Calls after it fail with `ClosedError`.
   */
  close(): Promise<void>;
}

interface KnownThread {
  thread: Thread;
  /** The tools declared when the provider started it (a continued thread cannot take more). */
  tools: ReadonlySet<string>;
}

/**
 * The Codex app-server as an AI SDK model provider:
 * `generateText({ model: codex('gpt-5.5'), prompt })`. Each call runs a turn on a thread of the
 * given client (or of one the provider starts on first use and closes on `close()`).
 */
export function createCodexProvider(options: CodexProviderOptions = {}): CodexProvider {
  if (options === null || typeof options !== 'object')
    throw new InvalidInputError('options', 'must be an object');
  const source = options.client;
  if (
    source !== undefined &&
    (typeof source?.startThread !== 'function' || typeof source?.resumeThread !== 'function')
  )
    throw new InvalidInputError('options.client', 'must have startThread and resumeThread');
  const { threadId, session, ephemeral, threadParams, handlers } = options;
  const defaults = checkModelSettings(
    Object.fromEntries(
      Object.entries({ threadId, session, ephemeral, threadParams, handlers }).filter(
        ([, v]) => v !== undefined,
      ),
    ),
    'options',
  );
  const name = options.name ?? 'codex';
  if (typeof name !== 'string' || name === '')
    throw new InvalidInputError('options.name', 'must be a non-empty string');
  const toolResultTimeoutMs = checkPositive(
    options.toolResultTimeoutMs,
    'options.toolResultTimeoutMs',
    600_000,
  );
  const maxThreads = checkPositive(options.maxThreads, 'options.maxThreads', 32);

  let closed = false;
  let client: Promise<CodexThreadSource> | undefined;
  let owned: Promise<{ close(): Promise<void> }> | undefined;
  const threads = new Map<string, KnownThread>();
  const persistent = new WeakMap<object, Promise<KnownThread>>();
  const runs = new Map<string, TurnRun>();
  const parked = new Map<string, TurnRun>();

  const clientOf = (): Promise<CodexThreadSource> => {
    if (source) return Promise.resolve(source);
    client ??= (async () => {
      // Loaded on first use: a provider given a client never loads the process code.
      const { Codex } = await import('../../client/codex.js');
      const started =
        'connect' in options && options.connect
          ? Codex.connect(options.connect.target, options.connect.options)
          : Codex.start('start' in options ? options.start : undefined);
      owned = started;
      return started;
    })();
    return client;
  };

  const bridge = (tools: readonly LanguageModelV4FunctionTool[]): DynamicTool<never>[] =>
    tools.map((tool) => ({
      name: tool.name,
      description: tool.description ?? '',
      inputSchema: tool.inputSchema as Record<string, unknown>,
      execute: (args: never, context) => {
        const run = runs.get(context.threadId);
        if (!run)
          return {
            contentItems: [{ type: 'inputText', text: 'No model call is waiting for this tool.' }],
            success: false,
          };
        return run.called({ callId: context.callId, toolName: tool.name, args });
      },
    }));

  const remember = (known: KnownThread): void => {
    threads.delete(known.thread.id);
    threads.set(known.thread.id, known);
    for (const [id, old] of threads) {
      if (threads.size <= maxThreads) break;
      if (runs.has(id)) continue;
      threads.delete(id);
      // Lets the server unload a thread no call can pin any more.
      old.thread.unsubscribe().catch(() => undefined);
    }
  };

  const host: ModelHost = {
    name,
    settings: defaults,
    async threadFor(settings, start, key) {
      const warnings: SharedV4Warning[] = [];
      const threadOptions = {
        tools: bridge(start.tools),
        ...(settings.handlers ? { handlers: settings.handlers } : {}),
      };
      const continuing = (known: KnownThread) => {
        for (const tool of start.tools)
          if (!known.tools.has(tool.name))
            warnings.push({
              type: 'unsupported',
              feature: `tool ${tool.name} on a continued thread`,
              details: 'a thread takes its tools when it starts; this one was not declared',
            });
        remember(known);
        return { thread: known.thread, continued: true, warnings };
      };
      const fresh = async (): Promise<KnownThread> => {
        const codex = await clientOf();
        host.assertOpen();
        const thread = await codex.startThread(
          {
            ...settings.threadParams,
            ephemeral: settings.ephemeral ?? settings.threadParams?.ephemeral ?? true,
            ...(start.model !== undefined ? { model: start.model } : {}),
            ...(start.system !== undefined ? { developerInstructions: start.system } : {}),
          },
          threadOptions,
        );
        if (closed) {
          // Closed while the thread started: no call may run on it, nor keep it loaded.
          thread.unsubscribe().catch(() => undefined);
          host.assertOpen();
        }
        return { thread, tools: new Set(start.tools.map((t) => t.name)) };
      };
      if (settings.threadId !== undefined) {
        const known = threads.get(settings.threadId);
        if (known) return continuing(known);
        const codex = await clientOf();
        host.assertOpen();
        const thread = await codex.resumeThread(
          settings.threadId,
          start.model !== undefined ? { model: start.model } : {},
          threadOptions,
        );
        return continuing({ thread, tools: new Set(start.tools.map((t) => t.name)) });
      }
      if (settings.session === 'persistent') {
        const existing = persistent.get(key);
        if (existing) return continuing(await existing);
        const started = fresh();
        persistent.set(key, started);
        started.catch(() => persistent.delete(key));
        const known = await started;
        remember(known);
        return { thread: known.thread, continued: false, warnings };
      }
      const known = await fresh();
      remember(known);
      return { thread: known.thread, continued: false, warnings };
    },
    startRun(thread, input, turnOptions) {
      // The last check before a turn starts: close() may have come while the thread was found.
      host.assertOpen();
      const run = new TurnRun(thread, thread.turn(input, turnOptions), (ended) => {
        if (runs.get(thread.id) === ended) runs.delete(thread.id);
        for (const [id, r] of parked) if (r === ended) parked.delete(id);
      });
      if (!run.ended) runs.set(thread.id, run);
      return run;
    },
    parkedRun(toolCallId) {
      const run = parked.get(toolCallId);
      if (run) for (const [id, r] of parked) if (r === run) parked.delete(id);
      return run;
    },
    stepEnded(run, isParked) {
      if (!isParked || run.ended) return;
      for (const id of run.waitingCalls) parked.set(id, run);
      run.park(toolResultTimeoutMs);
    },
    assertOpen() {
      if (closed) throw new ClosedError('codex provider');
    },
  };

  const languageModel = (modelId?: string, settings?: CodexModelSettings): CodexLanguageModel => {
    if (modelId !== undefined && (typeof modelId !== 'string' || modelId.trim() === ''))
      throw new InvalidInputError('modelId', 'must be a non-empty string');
    return new CodexLanguageModel(modelId ?? 'default', modelSettings(settings), host);
  };

  const provider = ((modelId?: string, settings?: CodexModelSettings) =>
    languageModel(modelId, settings)) as CodexProvider;
  Object.assign(provider, {
    languageModel,
    specificationVersion: 'v4' as const,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const run of [...runs.values()]) run.dispose(new ClosedError('codex provider'));
      runs.clear();
      parked.clear();
      threads.clear();
      if (owned) await (await owned.catch(() => undefined))?.close();
    },
  });
  return provider;
}
