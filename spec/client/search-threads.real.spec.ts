/**
 * Thread search (`codex.searchThreads$`) and `modelProvider/default/set` against the real
 * app-server. Both exist from 0.171.0; run against the previous release (CODEX_RX_CODEX_PATH, see
 * docs/versions.md) the tests assert what that release answers instead.
 */
import { lastValueFrom, toArray } from 'rxjs';
import { JsonRpcError } from '../../src/index.js';
import type { ThreadSearchEvent } from '../../src/index.js';
import { reply } from '../../src/testing/index.js';
import { CODEX_IN_USE, codexAtLeast } from '../support/codex-in-use.js';
import { startRealCodex } from '../support/real-codex.js';
import type { RealCodex } from '../support/real-codex.js';

const HAS_SEARCH_STREAM = codexAtLeast('0.171.0');

/** What a release without the method answers (0.169.0: `-32600 unknown variant`). */
function expectUnknownMethod(error: unknown, method: string): void {
  expect(error).toBeInstanceOf(JsonRpcError);
  expect(error).toMatchObject({ method, code: -32600 });
  expect((error as Error).message).toContain(`unknown variant \`${method}\``);
}

describe(`thread search against the real app-server (codex ${CODEX_IN_USE})`, () => {
  let real: RealCodex;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    real = await startRealCodex();
    real.model.respondWith(() => reply.text('noted'));
    for (const topic of ['zebra crossings', 'zebra stripes', 'giraffe necks']) {
      const thread = await real.codex.startThread();
      await thread.run(`Tell me about ${topic}`);
      ids[topic] = thread.id;
    }
  });
  afterAll(() => real.close());

  const search = (query: string) => lastValueFrom(real.codex.searchThreads$(query).pipe(toArray()));

  it('finds the stored threads that match, ending with the final page', async () => {
    if (!HAS_SEARCH_STREAM) {
      expectUnknownMethod(await search('zebra').catch((e: unknown) => e), 'thread/search/stream');
      return;
    }
    const events = await search('zebra');
    const last = events.at(-1)!;
    expect(last.type).toBe('final');
    // Partials, if the server streams any, come first and are matches of this search.
    for (const event of events.slice(0, -1)) {
      expect(event.type).toBe('partial');
      for (const result of (event as Extract<ThreadSearchEvent, { type: 'partial' }>).data)
        expect([ids['zebra crossings'], ids['zebra stripes']]).toContain(result.thread.id);
    }
    const { response } = last as Extract<ThreadSearchEvent, { type: 'final' }>;
    expect(response.data.map((r) => r.thread.id).sort()).toEqual(
      [ids['zebra crossings'], ids['zebra stripes']].sort(),
    );
    expect(response.data.map((r) => r.snippet).join('\n')).toContain('zebra');
    expect((await search('giraffe')).at(-1)).toMatchObject({
      type: 'final',
      response: { data: [{ thread: { id: ids['giraffe necks'] } }] },
    });
  });

  it('unsubscribing at once cancels it; nothing stays pending and the next search works', async () => {
    const subscription = real.codex.searchThreads$('zebra').subscribe({ error: () => undefined });
    subscription.unsubscribe();
    // The cancel (or, on a release without the method, nothing) settles on its own.
    for (let i = 0; i < 100 && real.codex.routingStats().pendingRequests > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(real.codex.routingStats().pendingRequests).toBe(0);
    if (!HAS_SEARCH_STREAM) return;
    expect((await search('giraffe')).at(-1)?.type).toBe('final');
  });

  it('modelProvider/default/set is typed through codex.request', async () => {
    const answer = real.codex
      .request('modelProvider/default/set', { providerId: 'mock' })
      .catch((e: unknown) => e);
    if (!HAS_SEARCH_STREAM) {
      expectUnknownMethod(await answer, 'modelProvider/default/set');
      return;
    }
    // ConfigWriteResponse: where the setting was written.
    expect(await answer).toMatchObject({
      status: expect.any(String),
      filePath: expect.any(String),
    });
  });
});
