import { lastValueFrom } from 'rxjs';
import { ClosedError, Codex, JsonRpcError } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';
import { answerTurns } from '../support/turn-fixtures.js';

/** A hand-driven admission hook: records each admission and its release. */
function gate(): {
  admitTurn: (threadId: string) => Promise<() => void>;
  waiting: Array<{ threadId: string; admit: () => void }>;
  released: string[];
} {
  const waiting: Array<{ threadId: string; admit: () => void }> = [];
  const released: string[] = [];
  return {
    waiting,
    released,
    admitTurn: (threadId) =>
      new Promise((resolve) =>
        waiting.push({ threadId, admit: () => resolve(() => released.push(threadId)) }),
      ),
  };
}

async function client(admitTurn: (threadId: string) => Promise<() => void>) {
  const peer = new FakePeer().handle('thread/start', () => ({
    result: { thread: { id: 'th-1', status: { type: 'idle' } } },
  }));
  const codex = await Codex.connect(peer.transport, { admitTurn });
  return { peer, codex, thread: await codex.startThread() };
}

describe('ConnectOptions.admitTurn', () => {
  it('holds turn/start until admitted and releases once at turn/completed', async () => {
    const g = gate();
    const { peer, codex, thread } = await client(g.admitTurn);
    answerTurns(peer, 'th-1', (t) => [t.started(), t.completed()]);
    const run = thread.run('hi');
    await new Promise((r) => setTimeout(r, 50));
    expect(peer.received.filter((m) => m.method === 'turn/start')).toHaveLength(0);
    expect(g.waiting.map((w) => w.threadId)).toEqual(['th-1']);
    g.waiting[0]!.admit();
    expect((await run).status).toBe('completed');
    expect(g.released).toEqual(['th-1']);
    await codex.close();
    expect(g.released).toEqual(['th-1']);
  });

  it('releases when turn/start is refused, and at close for a turn still running', async () => {
    const g = gate();
    const { peer, codex, thread } = await client(g.admitTurn);
    peer.handle('turn/start', () => ({ error: { code: -32600, message: 'nope' } }));
    const refused = thread.run('hi').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    g.waiting.shift()!.admit();
    expect(await refused).toBeInstanceOf(JsonRpcError);
    expect(g.released).toEqual(['th-1']);

    answerTurns(peer, 'th-1', (t) => [t.started()]);
    const running = lastValueFrom(thread.turn('again')).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    g.waiting.shift()!.admit();
    await peer.next('turn/start');
    await new Promise((r) => setTimeout(r, 20));
    expect(g.released).toEqual(['th-1']);
    await codex.close();
    expect(await running).toBeInstanceOf(ClosedError);
    expect(g.released).toEqual(['th-1', 'th-1']);
  });
});
