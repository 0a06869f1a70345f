/**
 * A request settled by the client before its answer (timeout, abort) must not stay registered
 * in the JSON-RPC layer: the server ignores `$/cancelRequest`, so the answer may never come, and
 * 20,000 timeouts used to keep 20,000 handlers (and their closures) alive.
 */
import { Codex, TimeoutError } from '../../src/index.js';
import type { Logger } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';
import type { SentMessage } from '../support/fake-peer.js';

/** The JSON-RPC layer's own answer to "is anything still waiting for a response?". */
function jsonRpcWaits(codex: Codex): boolean {
  const internals = codex as unknown as {
    ctx: { rpc: { connection: { hasPendingResponse(): boolean } } };
  };
  return internals.ctx.rpc.connection.hasPendingResponse();
}

function recordingLogger(): Logger & { lines: string[]; warnings: string[] } {
  const lines: string[] = [];
  const warnings: string[] = [];
  const push = (m: string): number => lines.push(m);
  const warn = (m: string): void => void (push(m), warnings.push(m));
  return { lines, warnings, warn, error: warn, info: push, debug: push };
}

describe('requests the client gave up on', () => {
  it('5,000 timed-out requests leave nothing waiting in the JSON-RPC layer', async () => {
    const peer = new FakePeer().handle('thread/list', () => undefined);
    const codex = await Codex.connect(peer.transport);
    for (let batch = 0; batch < 10; batch++) {
      const outcomes = await Promise.all(
        Array.from({ length: 500 }, () =>
          codex.request('thread/list', {}, { timeoutMs: 5 }).catch((e: unknown) => e),
        ),
      );
      expect(outcomes.every((o) => o instanceof TimeoutError)).toBe(true);
    }
    await new Promise((r) => setTimeout(r, 10));
    expect(jsonRpcWaits(codex)).toBe(false);
    expect(codex.routingStats()).toMatchObject({ pendingRequests: 0, queuedRequests: 0 });
    await codex.close();
  });

  it('an aborted request is released too', async () => {
    const peer = new FakePeer().handle('thread/list', () => undefined);
    const codex = await Codex.connect(peer.transport);
    const controller = new AbortController();
    const request = codex.request('thread/list', {}, { signal: controller.signal });
    await peer.next('thread/list');
    controller.abort();
    await expect(request).rejects.toMatchObject({ code: 'aborted' });
    await new Promise((r) => setTimeout(r, 10));
    expect(jsonRpcWaits(codex)).toBe(false);
    await codex.close();
  });

  it('a late answer to a timed-out request is skipped quietly; unknown or repeated ids are warned of', async () => {
    const held: SentMessage[] = [];
    const peer = new FakePeer().handle('thread/list', (_p, message) => {
      held.push(message);
      return undefined;
    });
    const logger = recordingLogger();
    const codex = await Codex.connect(peer.transport, { logger });
    await expect(codex.request('thread/list', {}, { timeoutMs: 5 })).rejects.toBeInstanceOf(
      TimeoutError,
    );
    peer.respond(held[0]!.id, { data: [], nextCursor: null });
    peer.respond(987_654, { data: [] });
    peer.handle('model/list', () => ({ result: { data: [], nextCursor: null } }));
    await codex.listModels();
    const answered = peer.received.find((m) => m.method === 'model/list')!;
    peer.respond(answered.id, { data: [] });
    await new Promise((r) => setTimeout(r, 20));
    const skipped = logger.lines.filter((l) => /skipped a response/.test(l));
    expect(skipped).toHaveLength(3);
    // The client gave up on the first itself: debug, not a warning.
    expect(skipped[0]).toMatch(/given up on/);
    expect(logger.warnings.filter((l) => /skipped a response/.test(l))).toEqual(skipped.slice(1));
    expect(skipped[1]).toContain('987654');
    expect(codex.isClosed).toBe(false);
    await codex.close();
  });
});
