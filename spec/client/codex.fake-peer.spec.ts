import { firstValueFrom, toArray, take } from 'rxjs';
import {
  ClosedError,
  Codex,
  CodexError,
  CodexProcessError,
  JsonRpcError,
  VERSION,
} from '../../src/index.js';
import type { Logger } from '../../src/index.js';
import { FAKE_METADATA, FakePeer } from '../support/fake-peer.js';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, error: (m) => lines.push(`error ${m}`), warn: (m) => lines.push(`warn ${m}`) };
}

describe('Codex over the fake peer', () => {
  it('initializes with the default clientInfo, then sends initialized', async () => {
    const peer = new FakePeer();
    const codex = await Codex.connect(peer.transport);
    expect(codex.metadata).toEqual({
      ...FAKE_METADATA,
      serverInfo: { name: 'fake_peer', version: '0.0.0' },
    });
    const [init, initialized] = peer.received;
    expect(init).toMatchObject({
      method: 'initialize',
      params: {
        clientInfo: { name: 'codex_rx', title: 'codex-rx', version: VERSION },
        capabilities: { experimentalApi: true },
      },
    });
    expect(initialized).toEqual({ method: 'initialized' });
    await codex.close();
  });

  it('rejects connect with the server error when initialize fails, and closes the transport', async () => {
    const peer = new FakePeer().handle('initialize', () => ({
      error: {
        code: -32600,
        message: "Invalid clientInfo.name: 'x y'. Must be a valid HTTP header value.",
      },
    }));
    const attempt = Codex.connect(peer.transport, { clientInfo: { name: 'x y' } });
    await expect(attempt).rejects.toBeInstanceOf(JsonRpcError);
    await expect(attempt).rejects.toMatchObject({ method: 'initialize', code: -32600 });
    expect(peer.transport.closed).toBe(true);
  });

  it('multicasts notifications$ with the whole envelope, to every subscriber', async () => {
    const peer = new FakePeer();
    const codex = await Codex.connect(peer.transport);
    const a = firstValueFrom(codex.notifications$.pipe(take(2), toArray()));
    const b = firstValueFrom(codex.notifications$.pipe(take(2), toArray()));
    peer.notify('thread/started', { thread: { id: 't1' } }, { emittedAtMs: 123 });
    peer.notify('some/future/method', { anything: true });
    const [seenA, seenB] = await Promise.all([a, b]);
    expect(seenA).toEqual(seenB);
    expect(seenA[0]).toEqual({
      method: 'thread/started',
      params: { thread: { id: 't1' } },
      emittedAtMs: 123,
    });
    expect(seenA[1]!.method).toBe('some/future/method');
    await codex.close();
  });

  it('types request() from the protocol and resolves with the result', async () => {
    const peer = new FakePeer().handle('model/list', (params) => ({
      result: { data: [{ id: 'm', echoed: params }], nextCursor: null },
    }));
    const codex = await Codex.connect(peer.transport);
    const models = await codex.request('model/list', { includeHidden: true });
    expect(models.data[0]!.id).toBe('m');
    expect(models.nextCursor).toBeNull();
    const sent = await peer.next('model/list');
    expect(sent.params).toEqual({ includeHidden: true });
    await codex.close();
  });

  it('sends no params for methods that take none', async () => {
    const peer = new FakePeer().handle('account/logout', () => ({ result: {} }));
    const codex = await Codex.connect(peer.transport);
    await codex.request('account/logout');
    const sent = await peer.next('account/logout');
    expect('params' in sent).toBe(false);
    await codex.close();
  });

  it('maps an error response to JsonRpcError with method, code and data', async () => {
    const peer = new FakePeer().handle('thread/read', () => ({
      error: { code: -32600, message: 'thread not found: nope', data: { hint: 1 } },
    }));
    const codex = await Codex.connect(peer.transport);
    const error = await codex.request('thread/read', { threadId: 'nope' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JsonRpcError);
    expect(error).toBeInstanceOf(CodexError);
    expect(error).toMatchObject({
      method: 'thread/read',
      code: -32600,
      data: { hint: 1 },
      serverMessage: 'thread not found: nope',
    });
    await codex.close();
  });

  it('on a crash rejects every pending request and errors notifications$ with CodexProcessError', async () => {
    const peer = new FakePeer();
    const codex = await Codex.connect(peer.transport);
    const notificationsEnd = firstValueFrom(codex.notifications$.pipe(toArray())).catch(
      (e: unknown) => e,
    );
    const pending = [
      codex.request('thread/start', {}).catch((e: unknown) => e),
      codex.request('model/list', {}).catch((e: unknown) => e),
    ];
    await peer.next('model/list');
    await peer.crash({ exitCode: 101, signal: null, stderr: ['thread main panicked'] });
    const errors = await Promise.all(pending);
    for (const error of errors) {
      expect(error).toBeInstanceOf(CodexProcessError);
      expect(error).toMatchObject({ exitCode: 101, stderrTail: ['thread main panicked'] });
    }
    expect((errors[0] as CodexError).method).toBe('thread/start');
    expect(String((errors[0] as Error).message)).toMatch(
      /exited with code 101[\s\S]*thread main panicked/,
    );
    expect(await notificationsEnd).toBeInstanceOf(CodexProcessError);
    await expect(codex.request('model/list', {})).rejects.toBeInstanceOf(CodexProcessError);
    await codex.close();
  });

  it('delivers notifications that precede the crash before erroring', async () => {
    const peer = new FakePeer();
    const codex = await Codex.connect(peer.transport);
    const seen: string[] = [];
    const done = new Promise<unknown>((resolve) =>
      codex.notifications$.subscribe({ next: (n) => seen.push(n.method), error: resolve }),
    );
    peer.notify('warning', { threadId: null, message: 'a' });
    peer.notify('warning', { threadId: null, message: 'b' });
    await peer.crash();
    expect(await done).toBeInstanceOf(CodexProcessError);
    expect(seen).toEqual(['warning', 'warning']);
  });

  it('close() rejects pending requests with ClosedError, completes notifications$, and is idempotent', async () => {
    const peer = new FakePeer();
    const codex = await Codex.connect(peer.transport);
    const completed = firstValueFrom(codex.notifications$.pipe(toArray()));
    const pending = codex.request('thread/start', {});
    await peer.next('thread/start');
    await Promise.all([codex.close(), codex.close()]);
    await expect(pending).rejects.toBeInstanceOf(ClosedError);
    await expect(pending).rejects.toMatchObject({ method: 'thread/start', code: 'closed' });
    expect(await completed).toEqual([]);
    await expect(codex.request('model/list', {})).rejects.toBeInstanceOf(ClosedError);
    expect(codex.isClosed).toBe(true);
  });

  it('supports await using', async () => {
    const peer = new FakePeer();
    {
      await using codex = await Codex.connect(peer.transport);
      expect(codex.isClosed).toBe(false);
    }
    expect(peer.transport.closed).toBe(true);
  });

  it('logs and skips malformed lines and responses to unknown ids; the stream goes on', async () => {
    const peer = new FakePeer();
    const logger = recordingLogger();
    const codex = await Codex.connect(peer.transport, { logger });
    const seen = firstValueFrom(codex.notifications$.pipe(take(1)));
    peer.sendRaw('{not json\n');
    peer.sendRaw('[1,2,3]\n');
    peer.respond(999, { stray: true });
    peer.notify('warning', { threadId: null, message: 'still here' });
    expect((await seen).params).toEqual({ threadId: null, message: 'still here' });
    const models = codex.request('model/list', {});
    const sent = await peer.next('model/list');
    peer.respond(sent.id, { data: [], nextCursor: null });
    await expect(models).resolves.toEqual({ data: [], nextCursor: null });
    expect(logger.lines.some((l) => l.includes('invalid JSON'))).toBe(true);
    expect(logger.lines.some((l) => l.includes('not a JSON-RPC message object'))).toBe(true);
    await codex.close();
  });

  it('answers an unhandled server request with -32601 rather than leaving the server waiting', async () => {
    const peer = new FakePeer();
    const logger = recordingLogger();
    const codex = await Codex.connect(peer.transport, { logger });
    const answer = await peer.request('some/unknown/request', {});
    expect(answer.error?.code).toBe(-32601);
    expect(logger.lines.some((l) => l.includes('some/unknown/request'))).toBe(true);
    await codex.close();
  });

  it('times a request out with TimeoutError naming the method', async () => {
    const peer = new FakePeer();
    const codex = await Codex.connect(peer.transport);
    const error = await codex
      .request('thread/list', {}, { timeoutMs: 20 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TimeoutError', method: 'thread/list', timeoutMs: 20 });
    await codex.close();
  });
});
