import { Codex } from '../../src/index.js';
import type { AnyServerRequest, Logger, ServerRequestHandlers } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';
import { trackLibraryTimers } from '../support/library-timers.js';
import { noUncaught } from '../support/no-uncaught.js';

const TH = 'th-1';

async function connect(
  options: { handlers?: ServerRequestHandlers; serverRequestTimeoutMs?: number } = {},
) {
  const lines: string[] = [];
  const logger: Logger = { error: (m) => lines.push(m), warn: (m) => lines.push(m) };
  const peer = new FakePeer().handle('thread/start', () => ({
    result: { thread: { id: TH, status: { type: 'idle' } } },
  }));
  const codex = await Codex.connect(peer.transport, { ...options, logger });
  const seen: AnyServerRequest[] = [];
  codex.serverRequests$.subscribe((request) => seen.push(request));
  return { peer, codex, lines, seen };
}

describe('server requests the generated protocol does not know', () => {
  it('are refused with -32601 by default, and never reach serverRequests$', async () => {
    const { peer, codex, seen } = await connect();
    const answer = await peer.request('future/ask', { threadId: TH, question: 'ok?' });
    expect(answer.error).toMatchObject({
      code: -32601,
      message: expect.stringMatching(/future\/ask/),
    });
    expect(seen).toEqual([]);
    await codex.close();
  });

  it('an opt-in unknownRequest handler answers them (sync or async), with method, id and params', async () => {
    const calls: unknown[] = [];
    const { peer, codex, seen } = await connect({
      handlers: {
        unknownRequest: (request) => {
          calls.push(request);
          if (request.method !== 'future/ask') return undefined;
          return Promise.resolve({ answer: 'yes', echoed: request.params });
        },
      },
    });
    const answer = await peer.request('future/ask', { threadId: TH, question: 'ok?' }, 41);
    expect(answer.result).toEqual({ answer: 'yes', echoed: { threadId: TH, question: 'ok?' } });
    expect(calls).toEqual([
      { id: 41, method: 'future/ask', params: { threadId: TH, question: 'ok?' }, threadId: TH },
    ]);
    // Returning undefined leaves the refusal in place.
    expect((await peer.request('future/other', {})).error?.code).toBe(-32601);
    expect(seen).toEqual([]);
    await codex.close();
  });

  it('a throwing or rejecting handler gets an error reply naming the method, not a crash', async () => {
    await noUncaught(async () => {
      const { peer, codex, lines } = await connect({
        handlers: {
          unknownRequest: (request) => {
            if (request.method === 'future/ok') return { ok: true };
            if (request.method === 'future/sync') throw new Error('sync boom');
            return Promise.reject(new Error('async boom'));
          },
        },
      });
      const sync = await peer.request('future/sync', {});
      const rejected = await peer.request('future/async', {});
      expect(sync.error).toMatchObject({
        code: -32603,
        message: expect.stringMatching(/future\/sync.*sync boom/),
      });
      expect(rejected.error).toMatchObject({
        code: -32603,
        message: expect.stringMatching(/future\/async.*async boom/),
      });
      expect(lines.join('\n')).toMatch(/unknownRequest handler for future\/sync failed/);
      // The connection goes on: the next request is answered.
      const known = await peer.request('future/ok', {});
      expect(known.result).toEqual({ ok: true });
      await codex.close();
    });
  });

  it('a handler that never answers is bounded by serverRequestTimeoutMs', async () => {
    const { peer, codex } = await connect({
      serverRequestTimeoutMs: 50,
      handlers: { unknownRequest: () => new Promise(() => {}) },
    });
    const answer = await peer.request('future/slow', {});
    expect(answer.error).toMatchObject({
      code: -32603,
      message: expect.stringMatching(/future\/slow within 50 ms/),
    });
    await codex.close();
  });

  it("the thread's handler answers requests naming that thread, over the client's", async () => {
    const { peer, codex } = await connect({
      handlers: { unknownRequest: () => ({ from: 'client' }) },
    });
    await codex.startThread({}, { handlers: { unknownRequest: () => ({ from: 'thread' }) } });
    expect((await peer.request('future/ask', { threadId: TH })).result).toEqual({ from: 'thread' });
    expect((await peer.request('future/ask', { threadId: 'other' })).result).toEqual({
      from: 'client',
    });
    await codex.close();
  });

  it('currentTime/read, which the previous release (0.169.0) still sends, gets the current time', async () => {
    const { peer, codex } = await connect();
    const before = Math.floor(Date.now() / 1000);
    const answer = await peer.request('currentTime/read', { threadId: TH });
    const { currentTimeAt } = answer.result as { currentTimeAt: number };
    expect(currentTimeAt).toBeGreaterThanOrEqual(before);
    expect(currentTimeAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    await codex.close();
  });

  it('an answer JSON cannot carry (a function, a symbol, NaN) is an error reply naming the method, and logged', async () => {
    await noUncaught(async () => {
      const answers: Record<string, unknown> = {
        'future/fn': () => 1,
        'future/symbol': Symbol('s'),
        'future/nan': { n: NaN },
      };
      const { peer, codex, lines } = await connect({
        handlers: { unknownRequest: (request) => answers[request.method] },
      });
      for (const method of Object.keys(answers)) {
        const answer = await peer.request(method, {});
        expect(answer.result).toBeUndefined();
        expect(answer.error).toMatchObject({
          code: -32603,
          message: expect.stringContaining(method),
        });
      }
      expect(lines.join('\n')).toMatch(/unknownRequest handler for future\/nan failed/);
      await codex.close();
    });
  });

  it('close() settles a request whose handler never answers: no timer of ours outlives it', async () => {
    const timers = trackLibraryTimers();
    try {
      const { peer, codex } = await connect({
        handlers: { unknownRequest: () => new Promise(() => {}) },
      });
      const answer = peer.request('future/forever', {});
      await new Promise((resolve) => setTimeout(resolve, 20));
      await codex.close();
      void answer.catch(() => undefined);
      expect(timers.pending()).toEqual([]);
    } finally {
      timers.restore();
    }
  });
});
