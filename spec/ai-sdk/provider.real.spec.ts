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
import { createCodexProvider } from '../../src/ai-sdk/index.js';
import type { CodexProvider } from '../../src/ai-sdk/index.js';
import { InvalidInputError } from '../../src/index.js';
import { item, reply } from '../../src/testing/scripted-model-server.js';
import { startRealCodex } from '../support/real-codex.js';
import type { RealCodex } from '../support/real-codex.js';

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const part of stream) out.push(part);
  return out;
}

describe('createCodexProvider against the real app-server', () => {
  let real: RealCodex;
  let codex: CodexProvider;
  beforeAll(async () => {
    real = await startRealCodex({ approvalPolicy: 'never', sandboxMode: 'workspace-write' });
    codex = createCodexProvider({ client: real.codex });
  });
  afterAll(async () => {
    await codex.close();
    await real.close();
  });

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
});
