/**
 * `createCodexProvider` driven by the AI SDK's own functions (`generateText`, `streamText`,
 * `Output.object`, tool loops) against the real app-server and the scripted model.
 */
import {
  jsonSchema,
  generateText,
  Output,
  readUIMessageStream,
  stepCountIs,
  streamText,
  tool,
} from 'ai';
import type { JSONSchema7, TextStreamPart, ToolSet, UIMessage } from 'ai';
import type { CodexProvider } from '../../src/ai-sdk/index.js';
import { APICallError } from '@ai-sdk/provider';
import { TurnFailedError } from '../../src/index.js';
import { item, reply } from '../../src/testing/scripted-model-server.js';
import type { RealCodex } from '../support/real-codex.js';
import { nextTurnStatus, startRealProvider } from '../support/real-provider.js';

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const part of stream) out.push(part);
  return out;
}

describe('createCodexProvider against the real app-server', () => {
  let real: RealCodex;
  let codex: CodexProvider;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => ({ real, codex, close } = await startRealProvider()));
  afterAll(() => close?.());

  it('generateText: the answer, usage, finish reason and the thread id', async () => {
    real.model.enqueue(
      reply.text('Hello from Codex.', { usage: { input: 12, cached: 4, output: 7, reasoning: 2 } }),
    );
    const result = await generateText({ model: codex(), prompt: 'Say hello', temperature: 0.3 });
    expect(result.text).toBe('Hello from Codex.');
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toMatchObject({
      inputTokens: 12,
      outputTokens: 7,
      inputTokenDetails: { cacheReadTokens: 4, noCacheTokens: 8 },
      outputTokenDetails: { reasoningTokens: 2, textTokens: 5 },
    });
    const meta = result.providerMetadata?.codex as { threadId: string; turnId: string };
    expect(typeof meta.threadId).toBe('string');
    expect(typeof meta.turnId).toBe('string');
    expect(result.response.id).toBe(meta.turnId);
    expect(result.warnings).toEqual([
      expect.objectContaining({ type: 'unsupported', feature: 'temperature' }),
    ]);
    expect(real.model.modelRequests.at(-1)!.lastUserText()).toBe('Say hello');
  });

  it('streamText: text deltas, reasoning, and a command as a provider-executed tool call with its output', async () => {
    real.model.enqueue(
      reply.of([
        item.reasoning('Let me look.', { chunks: ['Let me', ' look.'] }),
        item.functionCall('exec_command', { cmd: 'echo provider-tool' }),
      ]),
    );
    real.model.enqueue(
      reply.text('It printed provider-tool.', { chunks: ['It ', 'printed ', 'provider-tool.'] }),
    );
    const result = streamText({ model: codex(), prompt: 'Run echo' });
    const parts: TextStreamPart<ToolSet>[] = await collect(result.fullStream);
    const deltas = parts.filter((p) => p.type === 'text-delta');
    expect(deltas.length).toBeGreaterThanOrEqual(3);
    expect(await result.text).toContain('It printed provider-tool.');
    expect(
      parts
        .filter((p) => p.type === 'reasoning-delta')
        .map((p) => p.type === 'reasoning-delta' && p.text)
        .join(''),
    ).toBe('Let me look.');
    const call = parts.find((p) => p.type === 'tool-call');
    expect(call).toMatchObject({
      toolName: 'commandExecution',
      providerExecuted: true,
      dynamic: true,
    });
    expect((call as { input: { command: string } }).input.command).toContain('echo provider-tool');
    const results = parts.filter((p) => p.type === 'tool-result');
    expect(results).toHaveLength(1);
    const output = results[0];
    expect(output).toMatchObject({ toolName: 'commandExecution', providerExecuted: true });
    expect(JSON.stringify((output as { output: unknown }).output)).toContain('provider-tool');
    expect(await result.finishReason).toBe('stop');
  });

  it("generateText with Output.object: the JSON schema becomes the turn's output schema", async () => {
    const schema: JSONSchema7 = {
      type: 'object',
      properties: { city: { type: 'string' }, population: { type: 'number' } },
      required: ['city', 'population'],
      additionalProperties: false,
    };
    real.model.enqueue(
      reply.of([
        item.message('Looking it up.', { phase: 'commentary' }),
        item.message('{"city":"Lyon","population":522250}', { phase: 'final_answer' }),
      ]),
    );
    const result = await generateText({
      model: codex(),
      prompt: 'Which city?',
      output: Output.object({ schema: jsonSchema<{ city: string; population: number }>(schema) }),
    });
    expect(result.output).toEqual({ city: 'Lyon', population: 522250 });
    const body = real.model.modelRequests.at(-1)!.body!;
    expect(JSON.stringify(body.text)).toContain('population');
  });

  it('a caller tool defined with tool(): the agent calls it once, the AI SDK runs it, its result is in the final answer', async () => {
    const calls: unknown[] = [];
    const weather = tool({
      description: 'The weather in a city',
      inputSchema: jsonSchema<{ city: string }>({
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
      }),
      execute: async ({ city }) => {
        calls.push(city);
        await new Promise((resolve) => setTimeout(resolve, 10));
        return `Sunny in ${city}, 21°C`;
      },
    });
    real.model.enqueue(reply.functionCall('weather', { city: 'Lyon' }));
    real.model.respondWith((request) => {
      const out = request.functionCallOutputs().at(-1);
      return reply.text(`The tool said: ${JSON.stringify(out?.output)}`);
    });
    try {
      const result = await generateText({
        model: codex(),
        prompt: 'Weather in Lyon?',
        tools: { weather },
        stopWhen: stepCountIs(3),
      });
      expect(calls).toEqual(['Lyon']);
      expect(result.steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'stop']);
      expect(result.text).toContain('Sunny in Lyon, 21°C');
      // One turn on one thread served both steps.
      const [first, second] = result.steps.map(
        (s) => s.providerMetadata?.codex as { threadId: string; turnId: string },
      );
      expect(second).toMatchObject({ threadId: first!.threadId, turnId: first!.turnId });
    } finally {
      real.model.respondWith(() => reply.httpError(500, 'no script'));
    }
  });

  it('two calls continuing one thread: the second sends only the new message, and the model sees the history', async () => {
    real.model.enqueue(reply.text('Nice to meet you, Ada.'), reply.text('Your name is Ada.'));
    const first = await generateText({ model: codex(), prompt: 'My name is Ada.' });
    const { threadId } = first.providerMetadata!.codex as { threadId: string };
    const second = await generateText({
      model: codex(),
      messages: [
        { role: 'user', content: 'My name is Ada.' },
        { role: 'assistant', content: first.text },
        { role: 'user', content: 'What is my name?' },
      ],
      providerOptions: { codex: { threadId } },
    });
    expect(second.text).toBe('Your name is Ada.');
    expect((second.providerMetadata!.codex as { threadId: string }).threadId).toBe(threadId);
    const request = real.model.modelRequests.at(-1)!;
    // The thread's own history: each user message once, the first answer as the assistant's.
    expect(request.messageTexts('user').filter((t) => t.includes('My name is Ada.'))).toHaveLength(
      1,
    );
    expect(request.lastUserText()).toBe('What is my name?');
    expect(request.messageTexts('assistant')).toContain('Nice to meet you, Ada.');
  });

  it('a fresh thread gets the earlier messages as context', async () => {
    real.model.enqueue(reply.text('Blue.'));
    await generateText({
      model: codex(),
      messages: [
        { role: 'user', content: 'My favourite colour is blue.' },
        { role: 'assistant', content: 'Noted.' },
        { role: 'user', content: 'What is my favourite colour?' },
      ],
    });
    const texts = real.model.modelRequests.at(-1)!.messageTexts('user').join('\n');
    expect(texts).toContain('User: My favourite colour is blue.');
    expect(texts).toContain('Assistant: Noted.');
    expect(real.model.modelRequests.at(-1)!.lastUserText()).toMatch(
      /The new message follows\.\s+What is my favourite colour\?$/,
    );
  });

  it('session persistent: the calls of one model continue one thread', async () => {
    const model = codex(undefined, { session: 'persistent' });
    real.model.enqueue(reply.text('One.'), reply.text('Two.'));
    const a = await generateText({ model, prompt: 'Count: one' });
    const b = await generateText({ model, prompt: 'Count: two' });
    expect(b.providerMetadata!.codex).toMatchObject({
      threadId: (a.providerMetadata!.codex as { threadId: string }).threadId,
    });
    expect(real.model.modelRequests.at(-1)!.messageTexts('user')).toEqual(
      expect.arrayContaining(['Count: one', 'Count: two']),
    );
  });

  it('abort mid-stream interrupts the turn; the next call works', async () => {
    real.model.enqueue(reply.hang('partial answer'));
    const controller = new AbortController();
    const result = streamText({
      model: codex(),
      prompt: 'Go slowly',
      abortSignal: controller.signal,
    });
    const seen: string[] = [];
    const ended = nextTurnStatus(real);
    for await (const part of result.fullStream) {
      seen.push(part.type);
      if (part.type === 'text-delta') controller.abort();
    }
    expect(seen).toContain('abort');
    // The turn on the server ended interrupted.
    expect(await ended).toBe('interrupted');
    real.model.enqueue(reply.text('Back again.'));
    const next = await generateText({ model: codex(), prompt: 'Hello again' });
    expect(next.text).toBe('Back again.');
  });

  it('streamText(...).toUIMessageStreamResponse() reads back as a UI message', async () => {
    real.model.enqueue(reply.execCommand('echo ui-stream'), reply.text('Printed it.'));
    const response = streamText({ model: codex(), prompt: 'Run it' }).toUIMessageStreamResponse();
    expect(response.status).toBe(200);
    const { parseJsonEventStream, uiMessageChunkSchema } = await import('ai');
    const chunks = parseJsonEventStream({ stream: response.body!, schema: uiMessageChunkSchema });
    let last: UIMessage | undefined;
    for await (const message of readUIMessageStream({
      stream: chunks.pipeThrough(
        new TransformStream({
          transform(result, controller) {
            if (result.success) controller.enqueue(result.value);
          },
        }),
      ),
    }))
      last = message;
    const tool = last!.parts.find((p) => p.type === 'dynamic-tool');
    expect(tool).toMatchObject({ toolName: 'commandExecution', state: 'output-available' });
    expect(
      last!.parts.filter((p) => p.type === 'text').map((p) => p.type === 'text' && p.text),
    ).toContain('Printed it.');
  });

  it('a failed turn surfaces as an APICallError whose cause is TurnFailedError', async () => {
    real.model.enqueue(reply.failed('the model broke'));
    const error = await generateText({ model: codex(), prompt: 'Fail', maxRetries: 0 }).catch(
      (e: unknown) => e,
    );
    expect(APICallError.isInstance(error)).toBe(true);
    expect((error as APICallError).cause).toBeInstanceOf(TurnFailedError);
    expect((error as APICallError).isRetryable).toBe(false);
  });
});
