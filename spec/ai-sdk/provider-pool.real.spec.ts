/**
 * `createCodexProvider` over a `CodexPool`: the AI SDK's own functions run their calls on the
 * pool's members, and a continued thread stays on the member that owns it.
 */
import { generateText, streamText } from 'ai';
import { createCodexProvider } from '../../src/ai-sdk/index.js';
import type { CodexPool } from '../../src/index.js';
import { reply } from '../../src/testing/scripted-model-server.js';
import { poolFixture } from '../pool/pool-fixture.js';
import type { PoolFixture } from '../pool/pool-fixture.js';

describe('createCodexProvider over a CodexPool of two real app-servers', () => {
  let fixture: PoolFixture;
  let pool: CodexPool;
  beforeAll(async () => {
    fixture = await poolFixture(2, {
      responder: (request) =>
        request.lastUserText().includes('name?')
          ? reply.text(
              `You are ${
                request
                  .messageTexts('user')
                  .join(' ')
                  .match(/My name is (\w+)/)?.[1]
              }.`,
            )
          : reply.text(`echo: ${request.lastUserText()}`),
    });
    pool = await fixture.start();
  }, 120_000);
  afterAll(async () => {
    await fixture?.close();
  });

  it('generateText and streamText run on the members; a pinned thread continues on its member', async () => {
    const provider = createCodexProvider({ client: pool });
    const first = await generateText({ model: provider(), prompt: 'one' });
    expect(first.text).toBe('echo: one');
    const threadId = (first.providerMetadata?.codex as { threadId: string }).threadId;
    const member = pool.memberOf(threadId);
    expect(pool.memberNames).toContain(member);

    const streamed = streamText({ model: provider(), prompt: 'two' });
    expect(await streamed.text).toBe('echo: two');

    const pinned = provider(undefined, { threadId });
    await generateText({ model: pinned, prompt: 'My name is Ada.' });
    const again = await generateText({
      model: pinned,
      messages: [
        { role: 'user', content: 'My name is Ada.' },
        { role: 'assistant', content: 'echo: My name is Ada.' },
        { role: 'user', content: "What's my name?" },
      ],
    });
    expect(again.text).toBe('You are Ada.');
    expect((again.providerMetadata?.codex as { threadId: string }).threadId).toBe(threadId);
    expect(pool.memberOf(threadId)).toBe(member);
    // The pool is the caller's: the provider's close() leaves it running.
    await provider.close();
    expect((await pool.startThread()).id).toEqual(expect.any(String));
  }, 120_000);
});
