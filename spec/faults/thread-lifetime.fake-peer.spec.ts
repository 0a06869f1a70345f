/**
 * A long-lived client that starts and drops many threads must not keep their routing and
 * handler state: it lives only as long as the application holds the thread.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Codex } from '../../src/index.js';
import type { Thread } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';
import { answerTurns } from '../support/turn-fixtures.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 0));
    gc();
  }
}

function peerWithThreads(): FakePeer {
  let n = 0;
  return new FakePeer().handle('thread/start', () => ({
    result: { thread: { id: `th-${++n}`, status: { type: 'idle' } } },
  }));
}

describe('thread lifetime', () => {
  it('20,000 started and dropped threads leave no routes or handler scopes', async () => {
    const codex = await Codex.connect(peerWithThreads().transport);
    const handlers = { approval: () => 'decline' as const };
    for (let i = 0; i < 20_000; i++) await codex.startThread({}, { handlers });
    await collect();
    expect(codex.routingStats()).toMatchObject({ threads: 0, threadScopes: 0, turns: 0 });
    await codex.close();
  }, 60_000);

  it('a held thread, its turns and its event subscriptions keep their state', async () => {
    const peer = peerWithThreads();
    const codex = await Codex.connect(peer.transport);
    const kept: Thread = await codex.startThread();
    const watched = (await codex.startThread()).events$.subscribe();
    await codex.startThread(); // dropped
    await collect();
    expect(codex.routingStats()).toMatchObject({ threads: 2, threadScopes: 1 });
    answerTurns(peer, kept.id, (t) => [t.started(), t.message('m', 'still routed'), t.completed()]);
    await expect(kept.run('hi')).resolves.toMatchObject({ finalResponse: 'still routed' });
    watched.unsubscribe();
    await collect();
    expect(codex.routingStats()).toMatchObject({ threads: 1, threadScopes: 1 });
    await codex.close();
  });

  it('a running turn keeps its route even when nothing else holds the thread', async () => {
    const peer = peerWithThreads();
    const codex = await Codex.connect(peer.transport);
    const threadId = 'th-1';
    let send: (() => void) | undefined;
    answerTurns(peer, threadId, (t) => {
      send = () => {
        for (const n of [t.started(), t.message('m', 'arrived'), t.completed()]) peer.send(n);
      };
      return [];
    });
    // The Thread object is unreachable once run() is called: only the turn holds it.
    const run = (await codex.startThread()).run('hi');
    await peer.next('turn/start');
    await collect();
    send!();
    await expect(run).resolves.toMatchObject({ finalResponse: 'arrived' });
    await collect();
    expect(codex.routingStats()).toMatchObject({ threads: 0, turns: 0 });
    await codex.close();
  });

  it('a serverRequests$ subscription keeps the thread scope of a dropped thread', async () => {
    const codex = await Codex.connect(peerWithThreads().transport);
    const subscription = (await codex.startThread()).serverRequests$.subscribe();
    await collect();
    expect(codex.routingStats()).toMatchObject({ threadScopes: 1 });
    subscription.unsubscribe();
    await collect();
    expect(codex.routingStats()).toMatchObject({ threadScopes: 0 });
    await codex.close();
  });

  it('unsubscribe() sends thread/unsubscribe', async () => {
    const peer = peerWithThreads().handle('thread/unsubscribe', () => ({
      result: { status: 'unsubscribed' },
    }));
    const codex = await Codex.connect(peer.transport);
    const thread = await codex.startThread();
    await expect(thread.unsubscribe()).resolves.toEqual({ status: 'unsubscribed' });
    expect((await peer.next('thread/unsubscribe')).params).toEqual({ threadId: thread.id });
    await codex.close();
  });
});
