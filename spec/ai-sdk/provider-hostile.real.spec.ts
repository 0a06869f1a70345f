/**
 * The provider used the ways people get wrong: aborts in the first millisecond, a tool that
 * throws, tool results that never come back, bad options, closing mid-stream, secrets in errors.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { inspect } from 'node:util';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { createCodexProvider } from '../../src/ai-sdk/index.js';
import type { CodexProvider } from '../../src/ai-sdk/index.js';
import { ClosedError, InvalidInputError } from '../../src/index.js';
import type { Codex, Thread } from '../../src/index.js';
import { reply } from '../../src/testing/scripted-model-server.js';
import type { RealCodex } from '../support/real-codex.js';
import { nextTurnStatus, startRealProvider } from '../support/real-provider.js';

const cityInput = jsonSchema<{ city: string }>({
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
});

/** Pids of app-server processes whose environment names this home. */
function appServersOn(home: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes('app-server')) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').includes(home)) pids.push(Number(entry));
    } catch {
      // The process went away while we looked.
    }
  }
  return pids;
}

describe('createCodexProvider, used the hostile ways', () => {
  let real: RealCodex;
  let codex: CodexProvider;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => ({ real, codex, close } = await startRealProvider()));
  afterAll(() => close?.());

  it('an abort before the call starts no turn, and the next call works', async () => {
    const before = real.model.modelRequests.length;
    const controller = new AbortController();
    controller.abort();
    await expect(
      generateText({ model: codex(), prompt: 'never', abortSignal: controller.signal }),
    ).rejects.toThrow(/abort/i);
    expect(real.model.modelRequests.length).toBe(before);
    real.model.enqueue(reply.text('Still here.'));
    expect((await generateText({ model: codex(), prompt: 'Hi' })).text).toBe('Still here.');
  });

  it('an abort in the first millisecond of a stream ends it; the next call works', async () => {
    const controller = new AbortController();
    // The abort may come before the model is asked at all: a responder, not a queued reply.
    real.model.respondWith(() => reply.hang('slow'));
    const result = streamText({ model: codex(), prompt: 'slow', abortSignal: controller.signal });
    setTimeout(() => controller.abort(), 1);
    const types: string[] = [];
    for await (const part of result.fullStream) types.push(part.type);
    expect(types).toContain('abort');
    real.model.respondWith(() => reply.httpError(500, 'no script'));
    real.model.enqueue(reply.text('Next.'));
    expect((await generateText({ model: codex(), prompt: 'Next' })).text).toBe('Next.');
  });

  it("a throwing execute becomes the tool's error output; the agent goes on and answers", async () => {
    const lookup = tool({
      description: 'Looks a city up',
      inputSchema: cityInput,
      execute: (): string => {
        throw new Error('lookup service down');
      },
    });
    real.model.enqueue(reply.functionCall('lookup', { city: 'Oslo' }));
    real.model.respondWith((request) =>
      reply.text(`Sorry: ${JSON.stringify(request.functionCallOutputs().at(-1)?.output)}`),
    );
    try {
      const result = await generateText({
        model: codex(),
        prompt: 'Look up Oslo',
        tools: { lookup },
        stopWhen: stepCountIs(3),
      });
      expect(result.text).toContain('lookup service down');
      expect(result.finishReason).toBe('stop');
    } finally {
      real.model.respondWith(() => reply.httpError(500, 'no script'));
    }
  });

  it('a tool call whose result never comes back fails after toolResultTimeoutMs and the turn is interrupted', async () => {
    const impatient = createCodexProvider({ client: real.codex, toolResultTimeoutMs: 300 });
    // No execute: the AI SDK stops at the tool call and never brings a result.
    const ask = tool({ description: 'Asks someone', inputSchema: cityInput });
    real.model.enqueue(reply.functionCall('ask', { city: 'Rome' }));
    real.model.respondWith(() => reply.text('gave up'));
    try {
      const ended = nextTurnStatus(real);
      const result = await generateText({
        model: impatient(),
        prompt: 'Ask about Rome',
        tools: { ask },
      });
      expect(result.finishReason).toBe('tool-calls');
      expect(result.toolCalls).toMatchObject([{ toolName: 'ask', input: { city: 'Rome' } }]);
      expect(await ended).toMatch(/interrupted|completed/);
    } finally {
      real.model.respondWith(() => reply.httpError(500, 'no script'));
      await impatient.close();
    }
  });

  it('bad providerOptions and settings are refused with InvalidInputError naming the field', async () => {
    const bad = async (providerOptions: Record<string, Record<string, never>>) =>
      generateText({ model: codex(), prompt: 'x', providerOptions }).catch((e: unknown) => e);
    const wrongType = await bad({ codex: { threadId: 5 as never } });
    expect(wrongType).toBeInstanceOf(InvalidInputError);
    expect((wrongType as InvalidInputError).field).toBe('providerOptions.codex.threadId');
    const unknownKey = await bad({ codex: { treadId: 'x' as never } });
    expect((unknownKey as InvalidInputError).field).toBe('providerOptions.codex.treadId');
    const session = await bad({ codex: { session: 'forever' as never } });
    expect((session as InvalidInputError).field).toBe('providerOptions.codex.session');
    expect(() => codex('', {})).toThrow(InvalidInputError);
    expect(() => codex(undefined, { ephemeral: 'yes' as never })).toThrow(/settings\.ephemeral/);
    expect(() => createCodexProvider({ client: real.codex, toolResultTimeoutMs: -1 })).toThrow(
      /options\.toolResultTimeoutMs/,
    );
    expect(() => createCodexProvider({ client: {} as never })).toThrow(/options\.client/);
  });

  it('provider.close() mid-stream ends the stream, stops the server it started, and refuses later calls', async () => {
    const own = createCodexProvider({
      start: {
        codexHome: real.home.path,
        cwd: real.home.workspace,
        env: { ...real.home.env, CODEX_RX_PROVIDER_SPEC: 'close-mid-stream' },
      },
    });
    real.model.enqueue(reply.hang('streaming'));
    const result = streamText({ model: own(), prompt: 'Keep going' });
    const types: string[] = [];
    let errors: unknown[] = [];
    for await (const part of result.fullStream) {
      types.push(part.type);
      if (part.type === 'text-delta') {
        expect(appServersOn('close-mid-stream')).toHaveLength(1);
        await own.close();
      }
      if (part.type === 'error') errors = [...errors, part.error];
    }
    expect(types).toContain('text-delta');
    expect(errors.some((e) => e instanceof ClosedError)).toBe(true);
    expect(appServersOn('close-mid-stream')).toEqual([]);
    await expect(generateText({ model: own(), prompt: 'x' })).rejects.toBeInstanceOf(ClosedError);
    await own.close();
  });

  it('provider.close() while a call starts its thread: the call fails with ClosedError and starts no turn', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let startedThread: Thread | undefined;
    // The client's thread/start is held until the provider has been closed.
    const client = {
      startThread: async (...args: Parameters<Codex['startThread']>) => {
        await gate;
        return (startedThread = await real.codex.startThread(...args));
      },
      resumeThread: (...args: Parameters<Codex['resumeThread']>) =>
        real.codex.resumeThread(...args),
    };
    const provider = createCodexProvider({ client });
    const before = real.model.modelRequests.length;
    const call = generateText({ model: provider(), prompt: 'never sent' }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await provider.close();
    release();
    expect(await call).toBeInstanceOf(ClosedError);
    expect(startedThread).toBeDefined();
    // Nothing reached the model (a turn would have asked it at once), and the thread was let go:
    // unsubscribing it again, it has no subscription.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(real.model.modelRequests.length).toBe(before);
    const again = await real.codex.request('thread/unsubscribe', { threadId: startedThread!.id });
    expect(again.status).toBe('notSubscribed');
  });

  it('no secret reaches an error: a failed turn of a provider started with an API key', async () => {
    const secret = 'sk-proj-PROVIDERSPECSECRET0123456789';
    const own = createCodexProvider({
      start: {
        codexHome: real.home.path,
        cwd: real.home.workspace,
        env: real.home.env,
        apiKey: secret,
      },
    });
    try {
      real.model.enqueue(reply.failed(`upstream refused`));
      const error = await generateText({ model: own(), prompt: 'fail', maxRetries: 0 }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect(inspect(error, { depth: 20 })).not.toContain('PROVIDERSPECSECRET');
      expect(JSON.stringify(error)).not.toContain('PROVIDERSPECSECRET');
      expect(inspect(own, { depth: 20 })).not.toContain('PROVIDERSPECSECRET');
    } finally {
      await own.close();
    }
  });
});
