import { concatMap, config, delay, lastValueFrom, of, toArray } from 'rxjs';
import { Codex } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';
import { turnEvents, turnObject } from '../support/turn-fixtures.js';

async function runningTurn() {
  const peer = new FakePeer()
    .handle('thread/start', () => ({ result: { thread: { id: 'th', status: { type: 'idle' } } } }))
    .handle('turn/start', () => ({ result: { turn: turnObject('tu', 'inProgress') } }));
  const codex = await Codex.connect(peer.transport);
  const thread = await codex.startThread();
  return { peer, codex, thread, t: turnEvents('th', 'tu') };
}

describe('slow and failing consumers', () => {
  const previous = config.onUnhandledError;
  afterEach(() => {
    config.onUnhandledError = previous;
  });

  it('a subscriber that throws breaks neither the other subscribers nor the connection', async () => {
    const reported: unknown[] = [];
    config.onUnhandledError = (error) => reported.push(error);
    const { peer, codex, thread, t } = await runningTurn();
    const turn = thread.turn('x');
    turn.subscribe({
      next: (event) => {
        if (event.method === 'item/agentMessage/delta') throw new Error('bug in a user callback');
      },
      error: () => undefined,
    });
    const healthy = lastValueFrom(turn.pipe(toArray()));
    const global = lastValueFrom(codex.notifications$.pipe(toArray()));
    codex.notifications$.subscribe(() => {
      throw new Error('bug in a global subscriber');
    });
    await turn.turnId;
    for (const e of [t.started(), t.delta('m', 'a'), t.delta('m', 'b'), t.completed()])
      peer.send(e);
    expect((await healthy).map((e) => e.method)).toEqual([
      'turn/started',
      'item/agentMessage/delta',
      'item/agentMessage/delta',
      'turn/completed',
    ]);
    // The connection still works afterwards.
    peer.handle('model/list', () => ({ result: { data: [], nextCursor: null } }));
    await expect(codex.listModels()).resolves.toEqual({ data: [], nextCursor: null });
    await codex.close();
    expect((await global).length).toBe(4);
    await new Promise((r) => setTimeout(r, 10));
    expect(reported.map((e) => (e as Error).message)).toEqual(
      expect.arrayContaining(['bug in a user callback', 'bug in a global subscriber']),
    );
  });

  it('a slow subscriber does not hold back a fast one', async () => {
    const { peer, codex, thread, t } = await runningTurn();
    const turn = thread.turn('x');
    const fastSeen: number[] = [];
    let slowSeen = 0;
    const slow = lastValueFrom(
      turn.pipe(
        concatMap((e) => of(e).pipe(delay(5))),
        toArray(),
      ),
    );
    turn.subscribe(() => {
      fastSeen.push(slowSeen);
    });
    turn.pipe(concatMap((e) => of(e).pipe(delay(5)))).subscribe(() => slowSeen++);
    await turn.turnId;
    const deltas = Array.from({ length: 50 }, (_, i) => t.delta('m', String(i)));
    for (const e of [t.started(), ...deltas, t.completed()]) peer.send(e);
    expect(await slow).toHaveLength(52);
    // The fast subscriber had every event before the slow ones had got through even a few.
    expect(fastSeen).toHaveLength(52);
    expect(Math.max(...fastSeen)).toBeLessThan(5);
    await codex.close();
  });

  it('a throwing logger or stderr callback does not break the client', async () => {
    const peer = new FakePeer();
    const codex = await Codex.connect(peer.transport, {
      logger: {
        error: () => {
          throw new Error('logger down');
        },
        warn: () => {
          throw new Error('logger down');
        },
      },
    });
    peer.sendRaw('garbage line\n');
    peer.handle('model/list', () => ({ result: { data: [], nextCursor: null } }));
    await expect(codex.listModels()).resolves.toEqual({ data: [], nextCursor: null });
    await codex.close();
  });
});
