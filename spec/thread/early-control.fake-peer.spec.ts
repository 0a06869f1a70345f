/**
 * Exact wire sequences for control in a turn's first moments: the server refuses
 * `turn/interrupt` until it has sent `turn/started`, as the real one does.
 */
import { lastValueFrom, toArray } from 'rxjs';
import { Codex } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';
import { turnEvents, turnObject } from '../support/turn-fixtures.js';

async function setup() {
  const peer = new FakePeer();
  peer.handle('thread/start', () => ({
    result: { thread: { id: 'th-1', status: { type: 'idle' }, preview: '', ephemeral: false } },
  }));
  const codex = await Codex.connect(peer.transport);
  const thread = await codex.startThread();
  const t = turnEvents('th-1', 'tu-1');
  let active = false;
  peer.handle('turn/start', () => ({ result: { turn: turnObject('tu-1', 'inProgress') } }));
  peer.handle('turn/interrupt', () => {
    if (!active) return { error: { code: -32600, message: 'no active turn to interrupt' } };
    setTimeout(() => peer.send(t.completed('interrupted')), 1);
    return { result: {} };
  });
  const start = () => {
    active = true;
    peer.send(t.started());
  };
  return { peer, codex, thread, start };
}

describe('interrupt before the server reports the turn active', () => {
  it('waits for turn/started, then interrupts: nothing is sent that the server would refuse', async () => {
    const { peer, codex, thread, start } = await setup();
    const turn = thread.turn('go');
    const events = lastValueFrom(turn.pipe(toArray()));
    const interrupted = turn.interrupt();
    await turn.turnId;
    await new Promise((r) => setTimeout(r, 20));
    expect(peer.received.filter((m) => m.method === 'turn/interrupt')).toHaveLength(0);
    start();
    await interrupted;
    const methods = (await events).map((e) => e.method);
    expect(methods).toEqual(['turn/started', 'turn/completed']);
    expect(peer.received.filter((m) => m.method === 'turn/interrupt')).toHaveLength(1);
    await codex.close();
  });

  it('an interrupt asked for before turn/start answered resolves once the turn ends', async () => {
    const { codex, thread, start } = await setup();
    const turn = thread.turn('go');
    const result = lastValueFrom(turn.pipe(toArray()));
    const interrupted = turn.interrupt();
    setTimeout(start, 30);
    await interrupted;
    const last = (await result).at(-1)!;
    expect(last.method === 'turn/completed' && last.params.turn.status).toBe('interrupted');
    await codex.close();
  });
});

describe('abort on a server that does not answer the interrupt', () => {
  it("run({ signal }) still settles: 'aborted' after the control timeout, with a log line", async () => {
    const peer = new FakePeer();
    peer.handle('thread/start', () => ({
      result: { thread: { id: 'th-1', status: { type: 'idle' }, preview: '', ephemeral: false } },
    }));
    peer.handle('turn/start', () => {
      setTimeout(() => peer.send(turnEvents('th-1', 'tu-1').started()), 1);
      return { result: { turn: turnObject('tu-1', 'inProgress') } };
    });
    peer.handle('turn/interrupt', () => undefined); // hung
    const warnings: string[] = [];
    const codex = await Codex.connect(peer.transport, {
      requestTimeoutMs: 50,
      logger: { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
    });
    const thread = await codex.startThread();
    const controller = new AbortController();
    const run = thread.run('go', { signal: controller.signal });
    await peer.next('turn/start');
    await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await expect(run).rejects.toMatchObject({ code: 'aborted', method: 'turn/interrupt' });
    expect(warnings.join('\n')).toMatch(/interrupting the aborted turn failed/);
    expect(codex.routingStats()).toMatchObject({ turns: 0 });
    await codex.close();
  });
});
