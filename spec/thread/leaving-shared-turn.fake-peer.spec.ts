import { Subject, takeUntil } from 'rxjs';
import { Codex } from '../../src/index.js';
import type { Thread, TurnEvent } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';
import { turnEvents, turnObject } from '../support/turn-fixtures.js';

/**
 * A turn with several subscribers is interrupted when the last one leaves, and only then (the
 * TurnObservable's "Cancellable" promise, docs/faq.md "How do I cancel?") — also when they leave
 * from inside a `next()`, their own or another subscriber's, while the turn hands out an event,
 * or while a late subscriber is still being replayed to.
 */

const t = turnEvents('th-1', 'tu-1');

async function setup() {
  const peer = new FakePeer()
    .handle('thread/start', () => ({
      result: { thread: { id: 'th-1', status: { type: 'idle' }, preview: '', ephemeral: false } },
    }))
    .handle('turn/start', () => ({ result: { turn: turnObject('tu-1', 'inProgress') } }))
    .handle('turn/interrupt', () => ({ result: {} }))
    .handle('thread/list', () => ({ result: { data: [], nextCursor: null } }));
  const codex = await Codex.connect(peer.transport);
  const thread: Thread = await codex.startThread();
  return { peer, codex, thread };
}

/** What a subscriber saw: the method, and the delta's text for deltas. */
function label(event: TurnEvent): string {
  const delta = (event.params as { delta?: unknown }).delta;
  return typeof delta === 'string' ? delta : event.method;
}

/** A recording subscriber; `onEvent` runs inside its `next()`, after recording. */
function recorder(onEvent: (label: string) => void = () => undefined) {
  const seen: string[] = [];
  const waiting = new Map<string, () => void>();
  let complete!: () => void;
  const completed = new Promise<void>((resolve) => (complete = resolve));
  return {
    seen,
    completed,
    /** Resolves once this subscriber has been handed `wanted`. */
    saw: (wanted: string) =>
      seen.includes(wanted)
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiting.set(wanted, resolve)),
    observer: {
      next: (event: TurnEvent) => {
        seen.push(label(event));
        onEvent(label(event));
        waiting.get(label(event))?.();
      },
      complete: () => complete(),
    },
  };
}

/**
 * How many `turn/interrupt` the client has sent: asked once what it started has run (a macrotask
 * later, so every promise chain has settled) and a later request has reached the peer, so an
 * interrupt the client had sent would have arrived first (one connection, in order).
 */
async function interruptsSent(peer: FakePeer, codex: Codex): Promise<number> {
  await new Promise((resolve) => setImmediate(resolve));
  await codex.listThreads();
  return peer.received.filter((m) => m.method === 'turn/interrupt').length;
}

describe('leaving a shared turn from inside next()', () => {
  it("others keep receiving when one unsubscribes another, or itself, inside next(); the turn isn't interrupted", async () => {
    const { peer, codex, thread } = await setup();
    const turn = thread.turn('go');
    // Subscribed in this order, so `a` removes `victim` before the event reaches it.
    const a = recorder((seen) => seen === 'one' && victim.unsubscribe());
    const b = recorder();
    const c = recorder((seen) => seen === 'two' && quitter.unsubscribe());
    const d = recorder();
    turn.subscribe(a.observer);
    const victim = turn.subscribe(b.observer);
    const quitter = turn.subscribe(c.observer);
    turn.subscribe(d.observer);
    await turn.turnId;
    for (const event of [t.started(), t.delta('m', 'one'), t.delta('m', 'two')]) peer.send(event);
    await d.saw('two');
    // Checked while the turn still runs: an interrupt sent now would take effect.
    expect(await interruptsSent(peer, codex)).toBe(0);
    peer.send(t.delta('m', 'three'));
    peer.send(t.completed());
    await Promise.all([a.completed, d.completed]);

    const all = ['turn/started', 'one', 'two', 'three', 'turn/completed'];
    expect(a.seen).toEqual(all);
    expect(d.seen).toEqual(all);
    expect(b.seen).toEqual(['turn/started']);
    expect(c.seen).toEqual(['turn/started', 'one', 'two']);
    expect(await interruptsSent(peer, codex)).toBe(0);
    await codex.close();
  });

  it('is interrupted, once, when the last subscribers leave inside next() (another, then itself)', async () => {
    const { peer, codex, thread } = await setup();
    const turn = thread.turn('go');
    const a = recorder((seen) => {
      if (seen !== 'one') return;
      other.unsubscribe();
      self.unsubscribe();
    });
    const b = recorder();
    const self = turn.subscribe(a.observer);
    const other = turn.subscribe(b.observer);
    await turn.turnId;
    peer.send(t.started());
    peer.send(t.delta('m', 'one'));
    expect((await peer.next('turn/interrupt')).params).toEqual({
      threadId: 'th-1',
      turnId: 'tu-1',
    });
    peer.send(t.completed('interrupted'));
    await turn.whenEnded();
    expect(a.seen).toEqual(['turn/started', 'one']);
    expect(b.seen).toEqual(['turn/started']);
    expect(await interruptsSent(peer, codex)).toBe(1);
    await codex.close();
  });

  it('a subscriber that hands over inside next() (subscribes a successor, then leaves) does not interrupt it', async () => {
    const { peer, codex, thread } = await setup();
    const turn = thread.turn('go');
    const successor = recorder();
    const a = recorder((seen) => {
      if (seen !== 'one') return;
      turn.subscribe(successor.observer);
      first.unsubscribe();
    });
    const first = turn.subscribe(a.observer);
    await turn.turnId;
    peer.send(t.started());
    peer.send(t.delta('m', 'one'));
    await successor.saw('one');
    expect(await interruptsSent(peer, codex)).toBe(0);
    peer.send(t.delta('m', 'two'));
    peer.send(t.completed());
    await successor.completed;
    expect(a.seen).toEqual(['turn/started', 'one']);
    // The replay gave it the events so far, the event being handed out included, once.
    expect(successor.seen).toEqual(['turn/started', 'one', 'two', 'turn/completed']);
    expect(await interruptsSent(peer, codex)).toBe(0);
    await codex.close();
  });
});

describe('a late subscriber still being replayed to', () => {
  it('counts as watching: the others leaving during its replay do not interrupt the turn', async () => {
    const { peer, codex, thread } = await setup();
    const turn = thread.turn('go');
    const stop = new Subject<void>();
    const first = recorder();
    turn.pipe(takeUntil(stop)).subscribe(first.observer);
    await turn.turnId;
    for (const event of [t.started(), t.delta('m', 'one'), t.delta('m', 'two')]) peer.send(event);
    await first.saw('two');
    // The only other subscriber leaves inside the late one's first replayed event.
    const late = recorder((seen) => seen === 'turn/started' && stop.next());
    turn.subscribe(late.observer);
    expect(late.seen).toEqual(['turn/started', 'one', 'two']);
    expect(await interruptsSent(peer, codex)).toBe(0);
    peer.send(t.delta('m', 'three'));
    peer.send(t.completed());
    await late.completed;
    expect(late.seen).toEqual(['turn/started', 'one', 'two', 'three', 'turn/completed']);
    expect(await interruptsSent(peer, codex)).toBe(0);
    await codex.close();
  });

  it("following a running turn (ifActive: 'steer'), gets the rest of it when the others leave during its replay", async () => {
    const { peer, codex, thread } = await setup();
    peer.handle('turn/steer', () => ({ result: { turnId: 'tu-1' } }));
    const running = thread.turn('first');
    running.subscribe(recorder().observer);
    await running.turnId;
    peer.send(t.started());
    const follower = thread.turn('more', { ifActive: 'steer' });
    const stop = new Subject<void>();
    const first = recorder();
    follower.pipe(takeUntil(stop)).subscribe(first.observer);
    await peer.next('turn/steer');
    for (const event of [t.delta('m', 'one'), t.delta('m', 'two')]) peer.send(event);
    await first.saw('two');
    const late = recorder((seen) => seen === 'turn/started' && stop.next());
    follower.subscribe(late.observer);
    peer.send(t.delta('m', 'three'));
    peer.send(t.completed());
    await late.completed;
    expect(late.seen).toEqual(['turn/started', 'one', 'two', 'three', 'turn/completed']);
    await codex.close();
  });
});
