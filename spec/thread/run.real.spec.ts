import type { Codex } from '../../src/index.js';
import { TurnFailedError } from '../../src/index.js';
import { item, reply } from '../../src/testing/scripted-model-server.js';
import { reopen, startRealCodex } from '../support/real-codex.js';
import type { RealCodex } from '../support/real-codex.js';
import { TRANSPORTS } from '../support/transports.js';

describe.each(TRANSPORTS)('thread.run() against the real app-server over %s', (transport) => {
  let real: RealCodex;
  beforeAll(async () => {
    real = await startRealCodex({ transport });
  });
  afterAll(() => real.close());

  it('returns the final response, every completed item and usage', async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(
      reply.text('Hello from the model', { usage: { input: 12, output: 3, cached: 2 } }),
    );
    const result = await thread.run('Say hello');
    expect(result.status).toBe('completed');
    expect(result.threadId).toBe(thread.id);
    expect(result.finalResponse).toBe('Hello from the model');
    expect(result.items.map((i) => i.type)).toEqual(['userMessage', 'agentMessage']);
    expect(result.usage?.last).toMatchObject({
      inputTokens: 12,
      outputTokens: 3,
      cachedInputTokens: 2,
      totalTokens: 15,
    });
    expect(result.error).toBeNull();
    expect(result.durationMs).toEqual(expect.any(Number));
  });

  it('prefers the final_answer message over commentary and phaseless text', async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(
      reply.of([
        item.message('Looking into it', { phase: 'commentary' }),
        item.message('The answer is 42', { phase: 'final_answer' }),
      ]),
    );
    const result = await thread.run('question');
    expect(result.finalResponse).toBe('The answer is 42');
    expect(result.items.filter((i) => i.type === 'agentMessage')).toHaveLength(2);
  });

  it('gives null when the agent said nothing, and when it only commented', async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(reply.of([]));
    expect((await thread.run('silence')).finalResponse).toBeNull();
    real.model.enqueue(reply.of([item.message('just a note', { phase: 'commentary' })]));
    expect((await thread.run('commentary only')).finalResponse).toBeNull();
  });

  it('keeps the conversation: the second run sends the first exchange to the model', async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(reply.text('first answer'), reply.text('second answer'));
    await thread.run('first question');
    const second = await thread.run('second question');
    expect(second.finalResponse).toBe('second answer');
    const request = real.model.modelRequests.at(-1)!;
    expect(request.messageTexts('user')).toEqual(
      expect.arrayContaining(['first question', 'second question']),
    );
    expect(request.messageTexts('assistant')).toContain('first answer');
  });

  it('rejects a failed turn with TurnFailedError carrying the server error', async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(reply.failed('boom from the scripted model'));
    const error = await thread.run('fail please').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TurnFailedError);
    const failed = error as TurnFailedError<{ status: string }>;
    expect(failed.turnError?.message).toContain('boom from the scripted model');
    expect(failed.result.status).toBe('failed');
    // The thread stays usable.
    real.model.enqueue(reply.text('recovered'));
    expect((await thread.run('again')).finalResponse).toBe('recovered');
  });

  it('with outputSchema, sends the schema and parses the answer', async () => {
    const thread = await real.codex.startThread();
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    };
    real.model.enqueue(reply.text('{"city":"Paris"}', { phase: 'final_answer' }));
    const result = await thread.run<{ city: string }>('Capital of France as JSON', {
      outputSchema: schema,
    });
    expect(result.parsedResponse).toEqual({ city: 'Paris' });
    expect(JSON.stringify(real.model.modelRequests.at(-1)!.body?.text)).toContain('"city"');
  });

  it('passes turn options to the server (model override reaches the model request)', async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(reply.text('ok'));
    await thread.run('hi', { model: 'mock-model-override' });
    expect(real.model.modelRequests.at(-1)!.body?.model).toBe('mock-model-override');
  });

  it('runs 20 threads at once, each getting exactly its own answer', async () => {
    real.model.respondWith((request) =>
      reply.text(`echo: ${request.lastUserText()}`, { delayMs: 5 }),
    );
    const threads = await Promise.all(Array.from({ length: 20 }, () => real.codex.startThread()));
    const results = await Promise.all(threads.map((thread, i) => thread.run(`prompt number ${i}`)));
    results.forEach((result, i) => {
      expect(result.threadId).toBe(threads[i]!.id);
      expect(result.finalResponse).toBe(`echo: prompt number ${i}`);
    });
    expect(real.codex.routingStats()).toMatchObject({ turns: 0, starting: 0 });
  });
});

describe('resuming a thread in a fresh client', () => {
  it('continues a thread started by another Codex instance', async () => {
    const first = await startRealCodex();
    let second: Codex | undefined;
    try {
      const thread = await first.codex.startThread();
      first.model.enqueue(reply.text('remembered answer'));
      await thread.run('remember this: blue');
      await first.codex.close();

      second = await reopen(first);
      const resumed = await second.resumeThread(thread.id);
      expect(resumed.id).toBe(thread.id);
      first.model.enqueue(reply.text('it was blue'));
      const result = await resumed.run('what did I say?');
      expect(result.finalResponse).toBe('it was blue');
      const request = first.model.modelRequests.at(-1)!;
      expect(request.messageTexts('user')).toEqual(
        expect.arrayContaining(['remember this: blue', 'what did I say?']),
      );
      expect(request.messageTexts('assistant')).toContain('remembered answer');
    } finally {
      await second?.close();
      await first.close();
    }
  });
});
