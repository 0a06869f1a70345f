import { lastValueFrom } from 'rxjs';
import { Codex, agentMessageDeltas } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';
import { answerTurns } from '../support/turn-fixtures.js';

describe('no leaks across many turns', () => {
  it('2,000 sequential turns leave no routing entries, subscriptions or pending requests behind', async () => {
    const peer = new FakePeer().handle('thread/start', () => ({
      result: { thread: { id: 'th', status: { type: 'idle' } } },
    }));
    answerTurns(peer, 'th', (t) => [
      t.started(),
      t.delta('m', 'x'),
      t.message('m', 'x'),
      t.usage(3),
      t.completed(),
    ]);
    const codex = await Codex.connect(peer.transport);
    const thread = await codex.startThread();
    const baseline = codex.routingStats();
    for (let i = 0; i < 2000; i++) {
      // A turn that is never subscribed must cost nothing either.
      thread.turn(`never started ${i}`);
      const watcher = thread.events$.subscribe();
      const result =
        i % 2 === 0
          ? await thread.run(`run ${i}`)
          : await lastValueFrom(thread.turn(`stream ${i}`).pipe(agentMessageDeltas()));
      watcher.unsubscribe();
      expect(i % 2 === 0 ? (result as { finalResponse: string }).finalResponse : result).toBe('x');
      expect(codex.routingStats()).toEqual(baseline);
    }
    expect(baseline).toMatchObject({
      turns: 0,
      starting: 0,
      subscribers: 0,
      pendingRequests: 0,
      queuedRequests: 0,
      notificationSubscribers: 0,
    });
    await codex.close();
  }, 120_000);
});
