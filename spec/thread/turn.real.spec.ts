import { Subject, filter, firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import {
  TurnActiveError,
  agentMessageDeltas,
  completedItems,
  interruptWhen,
  steerWhen,
  toRunResult,
} from '../../src/index.js';
import type { Thread } from '../../src/index.js';
import { reply } from '../../src/testing/scripted-model-server.js';
import { startRealCodex } from '../support/real-codex.js';
import type { RealCodex } from '../support/real-codex.js';
import { TRANSPORTS } from '../support/transports.js';
import { completedStatus } from '../support/turn-fixtures.js';

/** Resolves once `thread` has seen its running turn's first agent-message delta. */
function firstDelta(thread: Thread): Promise<unknown> {
  return firstValueFrom(thread.events$.pipe(filter((n) => n.method === 'item/agentMessage/delta')));
}

describe.each(TRANSPORTS)('thread.turn() against the real app-server over %s', (transport) => {
  let real: RealCodex;
  beforeAll(async () => {
    real = await startRealCodex({ transport });
  });
  afterAll(() => real.close());

  it('streams deltas in order and completes after turn/completed', async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(
      reply.text('Hello, streaming world', { chunks: ['Hello', ', ', 'streaming', ' world'] }),
    );
    const turn = thread.turn('stream it');
    const [deltas, events] = await Promise.all([
      lastValueFrom(turn.pipe(agentMessageDeltas(), toArray())),
      lastValueFrom(turn.pipe(toArray())),
    ]);
    expect(deltas).toEqual(['Hello', ', ', 'streaming', ' world']);
    expect(events[0]!.method).toBe('turn/started');
    expect(completedStatus(events)).toBe('completed');
    expect(events.every((e) => e.params.threadId === thread.id)).toBe(true);
    const turnId = await turn.turnId;
    expect(
      events.every((e) => ('turnId' in e.params ? e.params.turnId : e.params.turn.id) === turnId),
    ).toBe(true);
  });

  it('replays the turn so far to a late subscriber', async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(reply.hang('partial'));
    const turn = thread.turn('long one');
    const early = lastValueFrom(turn.pipe(toArray()));
    await firstDelta(thread);
    const late = lastValueFrom(turn.pipe(toArray()));
    await turn.interrupt();
    const [earlyEvents, lateEvents] = await Promise.all([early, late]);
    expect(lateEvents).toEqual(earlyEvents);
    expect(lateEvents.map((e) => e.method)).toContain('item/agentMessage/delta');
    expect(completedStatus(lateEvents)).toBe('interrupted');
  });

  it('steer() adds input to the running turn and changes the answer', async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(
      reply.hang('working on the first plan'),
      reply.text('Done with the new plan', { phase: 'final_answer' }),
    );
    const turn = thread.turn('start with plan A');
    const result = lastValueFrom(turn.pipe(toRunResult()));
    await firstDelta(thread);
    const before = real.model.modelRequests.length;
    await turn.steer('switch to plan B');
    const done = await result;
    expect(done.finalResponse).toBe('Done with the new plan');
    expect(done.id).toBe(await turn.turnId);
    expect(real.model.modelRequests).toHaveLength(before + 1);
    expect(real.model.modelRequests.at(-1)!.lastUserText()).toBe('switch to plan B');
  });

  it('interrupt() ends the turn with status interrupted, and the thread stays usable', async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(reply.hang());
    const turn = thread.turn('never finishes');
    const result = lastValueFrom(turn.pipe(toRunResult()));
    await firstDelta(thread);
    await turn.interrupt();
    expect((await result).status).toBe('interrupted');
    real.model.enqueue(reply.text('fresh turn'));
    expect((await thread.run('next')).finalResponse).toBe('fresh turn');
  });

  it('interruptWhen() interrupts on the notifier and runs on to turn/completed', async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(reply.hang('streaming'));
    const stop$ = new Subject<void>();
    const events = lastValueFrom(thread.turn('go').pipe(interruptWhen(stop$), toArray()));
    await firstDelta(thread);
    stop$.next();
    expect(completedStatus(await events)).toBe('interrupted');
  });

  it('steerWhen() steers the turn whose events flow through it with each emission', async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(reply.hang('first draft'), reply.text('Revised per your note'));
    const notes$ = new Subject<string>();
    const items = lastValueFrom(
      thread.turn('write a draft').pipe(steerWhen(notes$), completedItems(), toArray()),
    );
    await firstDelta(thread);
    notes$.next('make it shorter');
    const done = await items;
    expect(done.some((i) => i.type === 'agentMessage' && i.text === 'Revised per your note')).toBe(
      true,
    );
    expect(real.model.modelRequests.at(-1)!.lastUserText()).toBe('make it shorter');
  });

  it('an AbortSignal interrupts the running turn', async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(reply.hang());
    const controller = new AbortController();
    const result = thread.run('abortable', { signal: controller.signal });
    await firstDelta(thread);
    controller.abort();
    expect((await result).status).toBe('interrupted');
  });

  it('unsubscribing every subscriber interrupts the turn', async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(reply.hang());
    const completed = firstValueFrom(
      thread.events$.pipe(filter((n) => n.method === 'turn/completed')),
    );
    const subscription = thread.turn('watch briefly').subscribe();
    await firstDelta(thread);
    subscription.unsubscribe();
    const end = await completed;
    expect(end.method === 'turn/completed' && end.params.turn.status).toBe('interrupted');
  });

  it('for await with break interrupts the turn', async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(reply.hang('tick'));
    const completed = firstValueFrom(
      thread.events$.pipe(filter((n) => n.method === 'turn/completed')),
    );
    const seen: string[] = [];
    for await (const event of thread.turn('iterate')) {
      seen.push(event.method);
      if (event.method === 'item/agentMessage/delta') break;
    }
    expect(seen[0]).toBe('turn/started');
    const end = await completed;
    expect(end.method === 'turn/completed' && end.params.turn.status).toBe('interrupted');
  });

  it('refuses a second turn on a busy thread instead of minting a phantom turn', async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(reply.hang());
    const first = thread.turn('busy');
    const firstDone = lastValueFrom(first.pipe(toArray()));
    await firstDelta(thread);
    await expect(thread.run('second')).rejects.toBeInstanceOf(TurnActiveError);
    await first.interrupt();
    await firstDone;
  });

  it('thread.events$ carries this thread only', async () => {
    const [a, b] = await Promise.all([real.codex.startThread(), real.codex.startThread()]);
    real.model.respondWith((request) => reply.text(`echo: ${request.lastUserText()}`));
    const aEvents: string[] = [];
    const sub = a.events$.subscribe((n) => aEvents.push(JSON.stringify(n.params)));
    await Promise.all([a.run('for a'), b.run('for b')]);
    sub.unsubscribe();
    expect(aEvents.length).toBeGreaterThan(3);
    expect(aEvents.some((p) => p.includes(b.id))).toBe(false);
  });
});
