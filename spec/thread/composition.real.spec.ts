/**
 * The ways RxJS users compose a turn, against the real app-server: shared, scheduled, made in a
 * higher-order operator, stopped and at once followed by the next.
 */
import {
  Subject,
  asyncScheduler,
  concatMap,
  filter,
  firstValueFrom,
  from,
  lastValueFrom,
  map,
  share,
  subscribeOn,
  switchMap,
  take,
  toArray,
} from 'rxjs';
import { interruptWhen, toRunResult, toTurnState } from '../../src/index.js';
import type { CodexNotification, Thread, TurnState } from '../../src/index.js';
import { reply } from '../../src/testing/scripted-model-server.js';
import { startRealCodex } from '../support/real-codex.js';
import type { RealCodex } from '../support/real-codex.js';
import { completedStatus } from '../support/turn-fixtures.js';

/** The statuses of the thread's next `count` completed turns, in order. */
function nextStatuses(thread: Thread, count: number): Promise<string[]> {
  return lastValueFrom(
    thread.events$.pipe(
      filter(
        (n): n is Extract<CodexNotification, { method: 'turn/completed' }> =>
          n.method === 'turn/completed',
      ),
      map((n) => n.params.turn.status),
      take(count),
      toArray(),
    ),
  );
}

const started = (thread: Thread): Promise<unknown> =>
  firstValueFrom(thread.events$.pipe(filter((n) => n.method === 'turn/started')));

describe('composing turns (real app-server)', () => {
  let real: RealCodex;
  beforeAll(async () => {
    real = await startRealCodex({ approvalPolicy: 'on-request', sandboxMode: 'workspace-write' });
  });
  afterAll(() => real.close());
  beforeEach(() => {
    real.model.respondWith((request) => {
      const last = request.lastUserText();
      if (last === 'write it')
        return request.functionCallOutputs().length > 0
          ? reply.text('ok')
          : reply.escalatedCommand('touch approved.txt', 'write it');
      if (last.startsWith('answer')) return reply.text(`answered: ${last}`);
      return reply.hang('never finishes');
    });
  });

  it('share() + toTurnState(): a second view of the turn shows the pending approval', async () => {
    const thread = await real.codex.startThread();
    const shared = thread.turn('write it').pipe(share());
    const raw = lastValueFrom(shared.pipe(toArray()));
    const states = await lastValueFrom(shared.pipe(toTurnState(), toArray()));
    const waiting = states.find((s: TurnState) => s.pendingRequests.length > 0);
    expect(waiting?.pendingRequests[0]).toMatchObject({
      method: 'item/commandExecution/requestApproval',
    });
    expect(states.at(-1)!.pendingRequests).toEqual([]);
    expect(completedStatus(await raw)).toBe('completed');
  });

  it('switchMap over three prompts: the first two end interrupted, the third completes', async () => {
    const thread = await real.codex.startThread();
    const prompts$ = new Subject<string>();
    const statuses = nextStatuses(thread, 3);
    const out = lastValueFrom(
      prompts$.pipe(
        switchMap((prompt) => thread.turn(prompt)),
        toArray(),
      ),
    );
    prompts$.next('long one');
    await started(thread);
    prompts$.next('long two');
    await started(thread);
    prompts$.next('answer three');
    prompts$.complete();
    const events = await out;
    expect(completedStatus(events)).toBe('completed');
    expect(await statuses).toEqual(['interrupted', 'interrupted', 'completed']);
  });

  it('concatMap over three prompts runs them one after another', async () => {
    const thread = await real.codex.startThread();
    const results = await lastValueFrom(
      from(['answer one', 'answer two', 'answer three']).pipe(
        concatMap((prompt) => thread.turn(prompt).pipe(toRunResult())),
        toArray(),
      ),
    );
    expect(results.map((result) => result.finalResponse)).toEqual([
      'answered: answer one',
      'answered: answer two',
      'answered: answer three',
    ]);
  });

  it('unsubscribe, then run() at once', async () => {
    const thread = await real.codex.startThread();
    const turn = thread.turn('long task');
    const subscription = turn.subscribe();
    await started(thread);
    subscription.unsubscribe();
    const result = await thread.run('answer now');
    expect(result).toMatchObject({ status: 'completed', finalResponse: 'answered: answer now' });
    // The stopped turn's end is awaitable, and had come before the next one started.
    await turn.whenEnded();
    expect(turn.ended).toBe(true);
  });

  it('unsubscribe between the turn/start response and turn/started, then run() at once', async () => {
    const thread = await real.codex.startThread();
    const turn = thread.turn('long task');
    const subscription = turn.subscribe();
    await turn.turnId; // answered; the server has not reported it started yet
    subscription.unsubscribe();
    const result = await thread.run('answer then');
    expect(result).toMatchObject({ status: 'completed', finalResponse: 'answered: answer then' });
  });

  it('interrupt() in the first millisecond, then run() at once', async () => {
    const thread = await real.codex.startThread();
    const turn = thread.turn('long task');
    const events = lastValueFrom(turn.pipe(toArray()));
    void turn.interrupt();
    const result = await thread.run('answer after');
    expect(result).toMatchObject({ status: 'completed', finalResponse: 'answered: answer after' });
    expect(completedStatus(await events)).toBe('interrupted');
  });

  it('subscribeOn(asyncScheduler) + interruptWhen interrupts the turn', async () => {
    const thread = await real.codex.startThread();
    const stop$ = new Subject<void>();
    const events = lastValueFrom(
      thread.turn('long task').pipe(subscribeOn(asyncScheduler), interruptWhen(stop$), toArray()),
    );
    // Fired before the turn is even subscribed: it acts on the turn's first event.
    stop$.next();
    expect(completedStatus(await events)).toBe('interrupted');
  });

  it('from(promise) + switchMap upstream of interruptWhen interrupts the turn', async () => {
    const thread = await real.codex.startThread();
    const stop$ = new Subject<void>();
    const events = lastValueFrom(
      from(Promise.resolve('long task')).pipe(
        switchMap((prompt) => thread.turn(prompt)),
        interruptWhen(stop$),
        toArray(),
      ),
    );
    await started(thread);
    stop$.next();
    expect(completedStatus(await events)).toBe('interrupted');
  });
});
