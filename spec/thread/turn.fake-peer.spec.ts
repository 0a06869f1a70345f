import { Subject, firstValueFrom, lastValueFrom, take, tap, toArray } from 'rxjs';
import {
  ClosedError,
  Codex,
  CodexProcessError,
  InvalidInputError,
  TurnActiveError,
  agentMessageDeltas,
  steerWhen,
} from '../../src/index.js';
import type { Thread, TurnEvent } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';
import type { SentMessage } from '../support/fake-peer.js';
import { turnEvents, turnObject } from '../support/turn-fixtures.js';

const threadInfo = (id: string) => ({
  id,
  status: { type: 'idle' },
  preview: '',
  ephemeral: false,
});

async function setup(threadIds: string[] = ['th-1']) {
  const peer = new FakePeer();
  let nextThread = 0;
  peer.handle('thread/start', () => ({ result: { thread: threadInfo(threadIds[nextThread++]!) } }));
  const codex = await Codex.connect(peer.transport);
  const threads: Thread[] = [];
  for (let i = 0; i < threadIds.length; i++) threads.push(await codex.startThread());
  return { peer, codex, threads };
}

/**
 * Answers turn/start with `turnId` after sending `before` notifications. With `started`, reports
 * the turn active with `turn/started` a moment after the response, as the real server does.
 */
function scriptTurnStart(
  peer: FakePeer,
  turnId: string,
  before: (m: SentMessage) => void = () => undefined,
  options: { started?: boolean } = {},
) {
  peer.handle('turn/start', (_params, message) => {
    before(message);
    if (options.started) {
      const threadId = (message.params as { threadId: string }).threadId;
      setTimeout(() => peer.send(turnEvents(threadId, turnId).started()), 1);
    }
    return { result: { turn: turnObject(turnId, 'inProgress') } };
  });
}

describe('thread.turn() on the wire', () => {
  it('loses nothing the server sends before the turn/start response', async () => {
    const { peer, codex, threads } = await setup();
    const t = turnEvents('th-1', 'tu-1');
    scriptTurnStart(peer, 'tu-1', () => {
      for (const n of [
        t.started(),
        t.delta('m', 'Hi'),
        t.message('m', 'Hi', 'final_answer'),
        t.usage(7),
        t.completed(),
      ]) {
        peer.send(n);
      }
    });
    const result = await threads[0]!.run('hello');
    expect(result).toMatchObject({ id: 'tu-1', status: 'completed', finalResponse: 'Hi' });
    expect(result.usage?.total.totalTokens).toBe(7);
    const sent = await peer.next('turn/start');
    expect(sent.params).toEqual({
      threadId: 'th-1',
      input: [{ type: 'text', text: 'hello', text_elements: [] }],
    });
    expect(codex.routingStats()).toMatchObject({ turns: 0, starting: 0 });
    await codex.close();
  });

  it('fails a running turn when the server closes its thread, instead of waiting forever', async () => {
    const { peer, codex, threads } = await setup();
    const t = turnEvents('th-1', 'tu-1');
    scriptTurnStart(peer, 'tu-1', () => setTimeout(() => peer.send(t.started()), 1));
    const turn = threads[0]!.turn('hello');
    const done = lastValueFrom(turn).catch((error: unknown) => error);
    await firstValueFrom(turn);
    peer.send({ method: 'thread/closed', params: { threadId: 'th-1' } });
    const error = await done;
    expect(error).toMatchObject({ code: 'thread_closed', data: { threadId: 'th-1' } });
    expect(codex.routingStats()).toMatchObject({ turns: 0 });
    await codex.close();
  });

  it('is lazy: nothing is sent until the first subscription', async () => {
    const { peer, codex, threads } = await setup();
    const turn = threads[0]!.turn('later');
    await new Promise((r) => setTimeout(r, 20));
    expect(peer.received.some((m) => m.method === 'turn/start')).toBe(false);
    await expect(turn.steer('x')).rejects.toMatchObject({
      code: 'turn_not_started',
      method: 'turn/steer',
    });
    await expect(turn.interrupt()).rejects.toMatchObject({
      code: 'turn_not_started',
      method: 'turn/interrupt',
    });
    await codex.close();
  });

  it('routes interleaved turns of two threads to their own streams, in order', async () => {
    const { peer, codex, threads } = await setup(['th-a', 'th-b']);
    peer.handle('turn/start', (params) => ({
      result: {
        turn: turnObject(
          (params as { threadId: string }).threadId === 'th-a' ? 'tu-a' : 'tu-b',
          'inProgress',
        ),
      },
    }));
    const a = threads[0]!.turn('a');
    const b = threads[1]!.turn('b');
    const seenA = lastValueFrom(a.pipe(agentMessageDeltas(), toArray()));
    const seenB = lastValueFrom(b.pipe(agentMessageDeltas(), toArray()));
    await Promise.all([a.turnId, b.turnId]);
    const ta = turnEvents('th-a', 'tu-a');
    const tb = turnEvents('th-b', 'tu-b');
    const script = [
      ta.started(),
      tb.started(),
      ta.delta('x', 'a1'),
      tb.delta('y', 'b1'),
      tb.delta('y', 'b2'),
      ta.delta('x', 'a2'),
      tb.completed(),
      ta.completed(),
    ];
    for (const e of script) peer.send(e);
    expect(await seenA).toEqual(['a1', 'a2']);
    expect(await seenB).toEqual(['b1', 'b2']);
    await codex.close();
  });

  it('passes unknown notification methods through notifications$ and the turn without breaking it', async () => {
    const { peer, codex, threads } = await setup();
    scriptTurnStart(peer, 'tu-1');
    const t = turnEvents('th-1', 'tu-1');
    const global = firstValueFrom(codex.notifications$.pipe(take(3), toArray()));
    const turn = threads[0]!.turn('x');
    const events = lastValueFrom(turn.pipe(toArray()));
    await turn.turnId;
    peer.send(t.started());
    peer.send(
      t.custom('item/hologram/delta', {
        itemId: 'h',
        delta: 'future',
        extra: { nested: true },
      }),
    );
    // A newer enum value and extra fields must not be rejected either.
    peer.send(t.message('m', 'partial', 'partial_answer'));
    peer.send(t.completed());
    const seen = (await events).map((e) => e.method as string);
    expect(seen).toEqual([
      'turn/started',
      'item/hologram/delta',
      'item/completed',
      'turn/completed',
    ]);
    expect((await global).map((e) => e.method as string)).toContain('item/hologram/delta');
    await codex.close();
  });

  it('replays the events so far to a late subscriber, and refuses subscribers after the end', async () => {
    const { peer, codex, threads } = await setup();
    scriptTurnStart(peer, 'tu-1');
    const t = turnEvents('th-1', 'tu-1');
    const turn = threads[0]!.turn('x');
    const first: TurnEvent[] = [];
    turn.subscribe((e) => first.push(e));
    await turn.turnId;
    peer.send(t.started());
    peer.send(t.delta('m', 'one'));
    await new Promise((r) => setTimeout(r, 10));
    const late = lastValueFrom(turn.pipe(toArray()));
    peer.send(t.delta('m', 'two'));
    peer.send(t.completed());
    const lateEvents = await late;
    expect(lateEvents).toEqual(first);
    expect(lateEvents.map((e) => e.method)).toEqual([
      'turn/started',
      'item/agentMessage/delta',
      'item/agentMessage/delta',
      'turn/completed',
    ]);
    await expect(lastValueFrom(turn)).rejects.toMatchObject({ code: 'turn_ended' });
    await codex.close();
  });

  it('refuses a second turn while one is active, sending nothing', async () => {
    const { peer, codex, threads } = await setup();
    scriptTurnStart(peer, 'tu-1');
    const first = threads[0]!.turn('one');
    first.subscribe({ error: () => undefined });
    await first.turnId;
    peer.send(turnEvents('th-1', 'tu-1').started());
    const error = await lastValueFrom(threads[0]!.turn('two')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TurnActiveError);
    expect(peer.received.filter((m) => m.method === 'turn/start')).toHaveLength(1);
    await codex.close();
  });

  it("with ifActive: 'steer', steers the running turn and follows its events", async () => {
    const { peer, codex, threads } = await setup();
    scriptTurnStart(peer, 'tu-1');
    peer.handle('turn/steer', () => ({ result: { turnId: 'tu-1' } }));
    const t = turnEvents('th-1', 'tu-1');
    const first = threads[0]!.turn('one');
    const firstEvents = lastValueFrom(first.pipe(toArray()));
    await first.turnId;
    peer.send(t.started());
    await new Promise((r) => setTimeout(r, 10));
    const joined = threads[0]!.turn('more please', { ifActive: 'steer' });
    const joinedEvents = lastValueFrom(joined.pipe(toArray()));
    const steer = await peer.next('turn/steer');
    expect(steer.params).toEqual({
      threadId: 'th-1',
      expectedTurnId: 'tu-1',
      input: [{ type: 'text', text: 'more please', text_elements: [] }],
    });
    peer.send(t.completed());
    expect((await joinedEvents).map((e) => e.method)).toEqual(['turn/started', 'turn/completed']);
    expect(await firstEvents).toHaveLength(2);
    expect(await joined.turnId).toBe('tu-1');
    await codex.close();
  });

  it.each(['turn', 'run'] as const)(
    "%s(input, { ifActive: 'steer' }) steers a running run() and follows its turn from the start",
    async (via) => {
      // A run() has no TurnObservable to steer: this is its only way in, and the follower
      // subscribes to the run's own turn, so that turn must keep its replay.
      const { peer, codex, threads } = await setup();
      scriptTurnStart(peer, 'tu-1');
      peer.handle('turn/steer', () => ({ result: { turnId: 'tu-1' } }));
      const t = turnEvents('th-1', 'tu-1');
      const running = threads[0]!.run('one');
      await peer.next('turn/start');
      peer.send(t.started());
      peer.send(t.delta('m', 'early'));
      await new Promise((r) => setTimeout(r, 10));
      const joined =
        via === 'turn'
          ? lastValueFrom(threads[0]!.turn('more', { ifActive: 'steer' }).pipe(toArray())).then(
              (events) => events.map((e) => e.method),
            )
          : threads[0]!.run('more', { ifActive: 'steer' }).then((result) => result.finalResponse);
      const steer = await peer.next('turn/steer');
      expect(steer.params).toMatchObject({ threadId: 'th-1', expectedTurnId: 'tu-1' });
      peer.send(t.message('m', 'done'));
      peer.send(t.completed());
      expect((await running).finalResponse).toBe('done');
      expect(await joined).toEqual(
        via === 'turn'
          ? ['turn/started', 'item/agentMessage/delta', 'item/completed', 'turn/completed']
          : 'done',
      );
      await codex.close();
    },
  );

  it("a subscriber that joins inside another subscriber's next() gets each event once", async () => {
    const { peer, codex, threads } = await setup();
    const t = turnEvents('th-1', 'tu-1');
    scriptTurnStart(peer, 'tu-1');
    const turn = threads[0]!.turn('go');
    const late: string[] = [];
    let joined: Promise<void> | undefined;
    const first = lastValueFrom(
      turn.pipe(
        tap((event) => {
          if (event.method === 'item/agentMessage/delta' && !joined) {
            joined = new Promise<void>((resolve) =>
              turn.subscribe({
                next: (e) =>
                  late.push(e.method === 'item/agentMessage/delta' ? e.params.delta : e.method),
                complete: resolve,
              }),
            );
          }
        }),
      ),
    );
    await turn.turnId;
    for (const n of [t.started(), t.delta('m', 'd1'), t.delta('m', 'd2'), t.completed()])
      peer.send(n);
    await first;
    await joined;
    expect(late).toEqual(['turn/started', 'd1', 'd2', 'turn/completed']);
    await codex.close();
  });

  it('steer() and interrupt() send the turn id the server gave', async () => {
    const { peer, codex, threads } = await setup();
    scriptTurnStart(peer, 'tu-9', undefined, { started: true });
    peer.handle('turn/steer', () => ({ result: { turnId: 'tu-9' } }));
    peer.handle('turn/interrupt', () => {
      setTimeout(() => peer.send(turnEvents('th-1', 'tu-9').completed('interrupted') as never), 5);
      return { result: {} };
    });
    const turn = threads[0]!.turn('go');
    const result = lastValueFrom(turn);
    await turn.steer([{ type: 'text', text: 'and then' }]);
    await turn.interrupt();
    expect((await peer.next('turn/steer')).params).toMatchObject({ expectedTurnId: 'tu-9' });
    expect((await peer.next('turn/interrupt')).params).toEqual({
      threadId: 'th-1',
      turnId: 'tu-9',
    });
    expect((await result).method).toBe('turn/completed');
    await expect(turn.interrupt()).resolves.toBeUndefined();
    await codex.close();
  });

  it('steer() after interrupt() is refused as turn_ended, without asking the server', async () => {
    const { peer, codex, threads } = await setup();
    scriptTurnStart(peer, 'tu-9', undefined, { started: true });
    peer.handle('turn/steer', () => ({
      error: { code: -32600, message: 'no active turn to steer' },
    }));
    // Answered, but the turn's end (turn/completed) comes only later: the gap a steer can fall in.
    peer.handle('turn/interrupt', () => ({ result: {} }));
    const turn = threads[0]!.turn('go');
    const result = lastValueFrom(turn);
    await turn.turnId;
    await turn.interrupt();
    await expect(turn.steer('and then')).rejects.toMatchObject({
      code: 'turn_ended',
      method: 'turn/steer',
    });
    expect(peer.received.some((m) => m.method === 'turn/steer')).toBe(false);
    peer.send(turnEvents('th-1', 'tu-9').completed('interrupted'));
    expect((await result).method).toBe('turn/completed');
    await codex.close();
  });

  it('steerWhen drops an input that arrives after interrupt(): the stream ends as interrupted', async () => {
    const { peer, codex, threads } = await setup();
    scriptTurnStart(peer, 'tu-9', undefined, { started: true });
    peer.handle('turn/interrupt', () => ({ result: {} }));
    const inputs = new Subject<string>();
    const turn = threads[0]!.turn('go');
    const result = lastValueFrom(turn.pipe(steerWhen(inputs)));
    await turn.turnId;
    await turn.interrupt();
    inputs.next('too late');
    // The refused steer settles before the turn's end arrives (else the end alone drops it).
    await new Promise((resolve) => setImmediate(resolve));
    peer.send(turnEvents('th-1', 'tu-9').completed('interrupted'));
    expect(await result).toMatchObject({
      method: 'turn/completed',
      params: { turn: { status: 'interrupted' } },
    });
    expect(peer.received.some((m) => m.method === 'turn/steer')).toBe(false);
    await codex.close();
  });

  it('interrupts when every subscriber unsubscribes, unless told not to', async () => {
    const { peer, codex, threads } = await setup();
    scriptTurnStart(peer, 'tu-1', undefined, { started: true });
    peer.handle('turn/interrupt', () => ({ result: {} }));
    const turn = threads[0]!.turn('x');
    const a = turn.subscribe();
    const b = turn.subscribe();
    await turn.turnId;
    a.unsubscribe();
    await new Promise((r) => setTimeout(r, 10));
    expect(peer.received.some((m) => m.method === 'turn/interrupt')).toBe(false);
    b.unsubscribe();
    expect((await peer.next('turn/interrupt')).params).toEqual({
      threadId: 'th-1',
      turnId: 'tu-1',
    });
    peer.send(turnEvents('th-1', 'tu-1').completed('interrupted'));

    scriptTurnStart(peer, 'tu-2', undefined, { started: true });
    await new Promise((r) => setTimeout(r, 10));
    const kept = threads[0]!.turn('y', { interruptOnUnsubscribe: false });
    const s = kept.subscribe();
    await kept.turnId;
    s.unsubscribe();
    await new Promise((r) => setTimeout(r, 20));
    expect(peer.received.filter((m) => m.method === 'turn/interrupt')).toHaveLength(1);
    await codex.close();
  });

  it('break in for-await interrupts the turn', async () => {
    const { peer, codex, threads } = await setup();
    scriptTurnStart(peer, 'tu-1');
    peer.handle('turn/interrupt', () => ({ result: {} }));
    const t = turnEvents('th-1', 'tu-1');
    const turn = threads[0]!.turn('x');
    void turn.turnId.then(() => {
      peer.send(t.started());
      peer.send(t.delta('m', 'a'));
    });
    const seen: string[] = [];
    for await (const event of turn) {
      seen.push(event.method);
      if (event.method === 'item/agentMessage/delta') break;
    }
    expect(seen).toEqual(['turn/started', 'item/agentMessage/delta']);
    expect((await peer.next('turn/interrupt')).params).toMatchObject({ turnId: 'tu-1' });
    await codex.close();
  });

  it('an AbortSignal interrupts a running turn and stops one that has not started', async () => {
    const { peer, codex, threads } = await setup();
    scriptTurnStart(peer, 'tu-1', undefined, { started: true });
    peer.handle('turn/interrupt', () => {
      setTimeout(() => peer.send(turnEvents('th-1', 'tu-1').completed('interrupted') as never), 5);
      return { result: {} };
    });
    const controller = new AbortController();
    const running = threads[0]!.run('x', { signal: controller.signal });
    await peer.next('turn/start');
    await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await expect(running).resolves.toMatchObject({ status: 'interrupted' });

    const aborted = AbortSignal.abort();
    await expect(threads[0]!.run('y', { signal: aborted })).rejects.toMatchObject({
      code: 'aborted',
    });
    expect(peer.received.filter((m) => m.method === 'turn/start')).toHaveLength(1);
    await codex.close();
  });

  it('rejects bad input before anything is sent, naming the accepted shapes', async () => {
    const { peer, codex, threads } = await setup();
    const thread = threads[0]!;
    expect(() => thread.turn(42 as never)).toThrow(InvalidInputError);
    expect(() => thread.turn(42 as never)).toThrow(
      /input is number 42; expected a string, or an input object/,
    );
    expect(() => thread.turn([] as never)).toThrow(/input is empty/);
    expect(() => thread.turn([{ type: 'text', text: 'ok' }, { type: 'video' }] as never)).toThrow(
      /input\[1\]\.type/,
    );
    expect(() => thread.turn({ type: 'localImage' } as never)).toThrow(
      /input\.path must be a string/,
    );
    expect(() => thread.turn('x', { outputSchema: 'not a schema' as never })).toThrow(
      /options\.outputSchema/,
    );
    await expect(thread.run({ type: 'text' } as never)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(codex.resumeThread('')).rejects.toThrow(/threadId must be a non-empty string/);
    await new Promise((r) => setTimeout(r, 10));
    expect(
      peer.received.filter((m) => m.method === 'turn/start' || m.method === 'thread/resume'),
    ).toEqual([]);
    await codex.close();
  });

  it('close() errors a running turn with ClosedError; a crash with CodexProcessError', async () => {
    const first = await setup();
    scriptTurnStart(first.peer, 'tu-1');
    const turn = first.threads[0]!.turn('x');
    const ended = lastValueFrom(turn).catch((e: unknown) => e);
    await turn.turnId;
    await first.codex.close();
    expect(await ended).toBeInstanceOf(ClosedError);
    // Like every CodexError, it names the call the user made.
    expect(await ended).toMatchObject({ code: 'closed', method: 'turn/start' });

    const second = await setup();
    scriptTurnStart(second.peer, 'tu-1');
    const running = second.threads[0]!.run('x');
    await second.peer.next('turn/start');
    await new Promise((r) => setTimeout(r, 10));
    await second.peer.crash({ exitCode: null, signal: 'SIGKILL' });
    await expect(running).rejects.toBeInstanceOf(CodexProcessError);
  });
});

describe('a turn that arrives whole in one read', () => {
  it('the next run() on the thread starts at once, not as a TurnActiveError', async () => {
    const peer = new FakePeer();
    peer.handle('thread/start', () => ({ result: { thread: threadInfo('th-1') } }));
    let n = 0;
    // The response and every event of the turn in one write, as a WebSocket batch can deliver.
    peer.handle('turn/start', (_params, message) => {
      const turnId = `tu-${++n}`;
      const t = turnEvents('th-1', turnId);
      const lines = [
        { id: message.id, result: { turn: turnObject(turnId, 'inProgress') } },
        t.started(),
        t.message('m', `answer ${n}`),
        t.completed(),
      ];
      peer.sendRaw(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
      return undefined;
    });
    const codex = await Codex.connect(peer.transport);
    const thread = await codex.startThread();
    const answers: Array<string | null> = [];
    // Back to back, as a loop of awaits runs them: nothing between the end and the next start.
    for (let i = 0; i < 5; i++) answers.push((await thread.run(`turn ${i}`)).finalResponse);
    expect(answers).toEqual(['answer 1', 'answer 2', 'answer 3', 'answer 4', 'answer 5']);
    await codex.close();
  });
});
