/**
 * The server's retry reports (`error` with `willRetry: true`) reach the turn's stream, do not
 * count as progress, and end up in the stall error a user sees.
 */
import { Codex, TimeoutError } from '../../src/index.js';
import type { TurnEvent } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';
import { turnEvents, turnObject } from '../support/turn-fixtures.js';

it('retry errors are on the stream and in the stall TimeoutError; the turn is interrupted', async () => {
  const peer = new FakePeer();
  const t = turnEvents('th-1', 'tu-1');
  const retry = (n: number) =>
    t.custom('error', {
      error: { message: `Reconnecting... ${n}/5`, codexErrorInfo: null, additionalDetails: null },
      willRetry: true,
    });
  peer.handle('thread/start', () => ({
    result: { thread: { id: 'th-1', status: { type: 'idle' }, preview: '', ephemeral: false } },
  }));
  peer.handle('turn/start', () => {
    setTimeout(() => {
      peer.send(t.started());
      peer.send(retry(1));
    }, 1);
    // Retry reports keep coming, but nothing else: no progress.
    setTimeout(() => peer.send(retry(2)), 150);
    return { result: { turn: turnObject('tu-1', 'inProgress') } };
  });
  peer.handle('turn/interrupt', () => {
    setTimeout(() => peer.send(t.completed('interrupted')), 1);
    return { result: {} };
  });
  const codex = await Codex.connect(peer.transport);
  const thread = await codex.startThread();
  const seen: TurnEvent[] = [];
  const ended = new Promise<unknown>((resolve) =>
    thread.turn('go', { turnStallTimeoutMs: 250 }).subscribe({
      next: (e) => seen.push(e),
      error: resolve,
      complete: () => resolve('completed'),
    }),
  );
  const error = await ended;
  expect(error).toBeInstanceOf(TimeoutError);
  expect(error).toMatchObject({
    code: 'turn_stalled',
    data: { errors: [{ willRetry: true }, { willRetry: true }] },
  });
  expect(seen.map((e) => e.method)).toEqual(['turn/started', 'error', 'error', 'turn/completed']);
  expect(peer.received.filter((m) => m.method === 'turn/interrupt')).toHaveLength(1);
  await codex.close();
});
