import {
  ClosedError,
  Codex,
  JsonRpcError,
  OverloadedError,
  TimeoutError,
  isRetryable,
} from '../../src/index.js';
import { backoffDelay, DEFAULT_RETRY } from '../../src/rpc/retry-policy.js';
import { FakePeer } from '../support/fake-peer.js';

const OVERLOADED = { error: { code: -32001, message: 'Server overloaded; retry later.' } };

describe('-32001 overload handling', () => {
  it('retries a -32001 answer with backoff until the server accepts', async () => {
    let calls = 0;
    const peer = new FakePeer().handle('thread/list', () =>
      ++calls < 3 ? OVERLOADED : { result: { data: [], nextCursor: null } },
    );
    const codex = await Codex.connect(peer.transport, {
      retry: { initialDelayMs: 1, maxDelayMs: 5 },
    });
    await expect(codex.listThreads()).resolves.toMatchObject({ data: [] });
    expect(calls).toBe(3);
    expect(peer.received.filter((m) => m.method === 'thread/list')).toHaveLength(3);
    await codex.close();
  });

  it('gives up after maxAttempts with OverloadedError, a retryable JsonRpcError', async () => {
    const peer = new FakePeer().handle('thread/list', () => OVERLOADED);
    const codex = await Codex.connect(peer.transport, {
      retry: { maxAttempts: 3, initialDelayMs: 1 },
    });
    const error = await codex.listThreads().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OverloadedError);
    expect(error).toBeInstanceOf(JsonRpcError);
    expect(error).toMatchObject({ method: 'thread/list', code: -32001, attempts: 3 });
    expect(isRetryable(error)).toBe(true);
    expect(peer.received.filter((m) => m.method === 'thread/list')).toHaveLength(3);
    await codex.close();
  });

  it('does not retry with retry: false, nor other errors', async () => {
    let overloads = 0;
    let invalid = 0;
    const peer = new FakePeer()
      .handle('thread/list', () => (overloads++, OVERLOADED))
      .handle(
        'thread/read',
        () => (invalid++, { error: { code: -32600, message: 'thread not found: x' } }),
      );
    const codex = await Codex.connect(peer.transport, { retry: false });
    await expect(codex.listThreads()).rejects.toMatchObject({ attempts: 1, code: -32001 });
    const other = await codex.readThread('x').catch((e: unknown) => e);
    expect(isRetryable(other)).toBe(false);
    expect([overloads, invalid]).toEqual([1, 1]);
    await codex.close();
  });

  it('a per-request timeout cuts the retries short with TimeoutError naming the method', async () => {
    const peer = new FakePeer().handle('thread/list', () => OVERLOADED);
    const codex = await Codex.connect(peer.transport, {
      retry: { maxAttempts: 50, initialDelayMs: 20 },
    });
    const error = await codex
      .request('thread/list', {}, { timeoutMs: 60 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ method: 'thread/list', timeoutMs: 60 });
    await codex.close();
  });

  it('close() during the backoff rejects with ClosedError and leaves nothing pending', async () => {
    const peer = new FakePeer().handle('thread/list', () => OVERLOADED);
    const codex = await Codex.connect(peer.transport, { retry: { initialDelayMs: 10_000 } });
    const pending = codex.listThreads().catch((e: unknown) => e);
    await peer.next('thread/list');
    await new Promise((r) => setTimeout(r, 20));
    await codex.close();
    expect(await pending).toBeInstanceOf(ClosedError);
    expect(codex.routingStats().pendingRequests).toBe(0);
  });

  it('backs off exponentially within the jitter band and the cap', () => {
    const at = (retry: number, random: number) => backoffDelay(retry, DEFAULT_RETRY, () => random);
    expect([at(1, 0.5), at(2, 0.5), at(3, 0.5), at(10, 0.5)]).toEqual([100, 200, 400, 2000]);
    expect(at(1, 0)).toBe(80);
    expect(at(1, 1)).toBe(120);
  });
});
