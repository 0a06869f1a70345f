/**
 * Requests queued behind `maxInFlightRequests` when the server dies, closes its input, or is
 * closed: every one settles with a CodexError, and nothing throws out of a timer or callback.
 */
import { lastValueFrom } from 'rxjs';
import { ClosedError, Codex, CodexError, CodexProcessError } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';
import { noUncaught } from '../support/no-uncaught.js';
import { turnObject } from '../support/turn-fixtures.js';

/** A server that never answers `thread/list`, with one thread whose turn never ends. */
async function deafServer(options: { requestTimeoutMs?: number } = {}) {
  const peer = new FakePeer();
  peer.handle('thread/list', () => undefined);
  peer.handle('thread/start', () => ({
    result: { thread: { id: 'th-1', status: { type: 'idle' }, preview: '', ephemeral: false } },
  }));
  peer.handle('turn/start', () => ({ result: { turn: turnObject('tu-1', 'inProgress') } }));
  const codex = await Codex.connect(peer.transport, {
    maxInFlightRequests: 8,
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  });
  const thread = await codex.startThread();
  return { peer, codex, thread };
}

const settle = (promises: Promise<unknown>[]) =>
  Promise.all(
    promises.map((p) =>
      p.then(
        () => 'resolved',
        (e: unknown) => e,
      ),
    ),
  );

describe('queued requests when the server goes away', () => {
  it('a crash settles all 300 (in flight and queued), the turn and notifications$', () =>
    noUncaught(async () => {
      const { peer, codex, thread } = await deafServer();
      const run = thread.run('go');
      await peer.next('turn/start');
      const notifications = lastValueFrom(codex.notifications$).catch((e: unknown) => e);
      const requests = Array.from({ length: 300 }, () => codex.listThreads());
      await new Promise((r) => setTimeout(r, 10));
      expect(codex.routingStats().queuedRequests).toBeGreaterThan(0);
      await peer.crash({ exitCode: 1 });
      const outcomes = await settle(requests);
      expect(outcomes.every((o) => o instanceof CodexProcessError)).toBe(true);
      await expect(run).rejects.toBeInstanceOf(CodexProcessError);
      expect(await notifications).toBeInstanceOf(CodexProcessError);
      expect(codex.routingStats()).toMatchObject({ pendingRequests: 0, queuedRequests: 0 });
      // Nothing queued was written after the end.
      const lists = peer.received.filter((m) => m.method === 'thread/list');
      expect(lists.length).toBeLessThanOrEqual(8);
      await codex.close();
    }));

  it('close() settles queued requests with ClosedError', () =>
    noUncaught(async () => {
      const { codex } = await deafServer();
      const requests = Array.from({ length: 50 }, () => codex.listThreads());
      await new Promise((r) => setTimeout(r, 10));
      await codex.close();
      const outcomes = await settle(requests);
      expect(outcomes.every((o) => o instanceof ClosedError)).toBe(true);
    }));

  it('timeouts of queued requests hand their slots on without throwing from the timer', () =>
    noUncaught(async () => {
      const { peer, codex } = await deafServer({ requestTimeoutMs: 30 });
      const requests = Array.from({ length: 40 }, () => codex.listThreads());
      await peer.crash({ exitCode: 1 });
      const outcomes = await settle(requests);
      expect(outcomes.every((o) => o instanceof CodexError)).toBe(true);
      expect(codex.routingStats()).toMatchObject({ pendingRequests: 0, queuedRequests: 0 });
    }));

  it(
    'a server that closes its input but stays alive: requests fail with CodexError, then the connection ends',
    () =>
      noUncaught(async () => {
        const { peer, codex, thread } = await deafServer();
        const run = thread.run('go');
        await peer.next('turn/start');
        // The server stops reading: our writes now fail.
        peer.transport.fromClient.destroy();
        const requests = Array.from({ length: 100 }, () => codex.listThreads());
        const outcomes = await settle(requests);
        expect(outcomes.every((o) => o instanceof CodexError)).toBe(true);
        await expect(run).rejects.toBeInstanceOf(CodexError);
        expect(codex.isClosed).toBe(true);
        await expect(codex.listThreads()).rejects.toBeInstanceOf(CodexError);
        expect(codex.routingStats()).toMatchObject({ pendingRequests: 0, queuedRequests: 0 });
        await codex.close();
      }),
    15_000,
  );
});

describe('a thread whose turn was running when the client closed', () => {
  it.each([
    ['close()', 'ClosedError'],
    ['a crash', 'CodexProcessError'],
  ])(
    'after %s its next run() fails like any request (%s), not TurnActiveError for the lost turn',
    (how, name) =>
      noUncaught(async () => {
        const { peer, codex, thread } = await deafServer();
        const t = { threadId: 'th-1', turn: turnObject('tu-1', 'inProgress') };
        const turn = thread.turn('go');
        const ended = lastValueFrom(turn).catch((error: unknown) => error);
        await turn.turnId;
        peer.notify('turn/started', t);
        peer.notify('thread/status/changed', {
          threadId: 'th-1',
          status: { type: 'active', activeFlags: [] },
        });
        await new Promise((r) => setTimeout(r, 10));
        if (how === 'close()') await codex.close();
        else await peer.crash();
        expect(await ended).toMatchObject({ name });
        await expect(thread.run('again')).rejects.toMatchObject({ name });
        await expect(thread.run('again', { goal: true })).rejects.toMatchObject({ name });
        await codex.close();
      }),
  );
});
