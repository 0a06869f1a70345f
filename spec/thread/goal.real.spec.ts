import { Subject, filter, firstValueFrom, lastValueFrom, map, take, toArray } from 'rxjs';
import { interruptWhen, steerWhen } from '../../src/index.js';
import type { ThreadGoal, TurnEvent } from '../../src/index.js';
import { reply } from '../../src/testing/scripted-model-server.js';
import type { ModelRequest } from '../../src/testing/scripted-model-server.js';
import { startRealCodex } from '../support/real-codex.js';
import type { RealCodex } from '../support/real-codex.js';

const completeGoal = () => reply.functionCall('update_goal', { status: 'complete' });

/** Whether the model call is for a goal turn (the server adds the goal's context). */
const goalContext = (request: ModelRequest) =>
  request.messageTexts('user').some((text) => text.includes('source="goal"'));

describe('goal turns against the real app-server', () => {
  let real: RealCodex;
  beforeAll(async () => {
    real = await startRealCodex();
  });
  afterAll(() => real.close());

  it('runs the goal turn by turn as one turn, until the model marks it complete', async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(reply.text('Step one done.'), completeGoal(), reply.text('All done.'));
    const turn = thread.turn('Write the release notes', { goal: true });
    const events: TurnEvent[] = await lastValueFrom(turn.pipe(toArray()));
    expect(events.filter((e) => e.method === 'turn/started')).toHaveLength(1);
    expect(events.filter((e) => e.method === 'turn/completed')).toHaveLength(1);
    const logical = await turn.turnId;
    expect(new Set(events.map((e) => (e.params as { turnId?: string }).turnId ?? logical))).toEqual(
      new Set([logical]),
    );
    expect(turn.turnIds).toHaveLength(2);
    expect(turn.turnIds[0]).toBe(logical);
    expect(turn.goal).toMatchObject({ status: 'complete', objective: 'Write the release notes' });
    expect(real.model.modelRequests.slice(-3).every(goalContext)).toBe(true);
  });

  it('run() gives one result: the last answer, every item, usage summed, the goal, the turn ids', async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(reply.text('Step one done.'), completeGoal(), reply.text('All done.'));
    const result = await thread.run('Write the release notes', { goal: true });
    expect(result.status).toBe('completed');
    expect(result.finalResponse).toBe('All done.');
    expect(
      result.items.flatMap((item) => (item.type === 'agentMessage' ? [item.text] : [])),
    ).toEqual(['Step one done.', 'All done.']);
    expect(result.turnIds).toHaveLength(2);
    expect(result.id).toBe(result.turnIds![0]);
    expect(result.goal?.status).toBe('complete');
    // A fresh thread: the goal's turns are all it spent, so their sum is the thread's total.
    expect(result.usage!.last.totalTokens).toBe(result.usage!.total.totalTokens);
    expect(result.usage!.last.totalTokens).toBe(45);
  });

  it('stops at the token budget with status budgetLimited', async () => {
    const thread = await real.codex.startThread();
    real.model.respondWith(() => reply.text('Still working.'));
    try {
      const result = await thread.run('Keep going', { goal: { tokenBudget: 20 } });
      expect(result.goal).toMatchObject({ status: 'budgetLimited', tokenBudget: 20 });
      expect(result.turnIds!.length).toBeGreaterThanOrEqual(2);
      expect(result.status).toBe('completed');
    } finally {
      real.model.respondWith(() => reply.httpError(500, 'no script'));
    }
  });

  it('interruptWhen in the second turn pauses the goal and ends the turn interrupted', async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(reply.text('Step one done.'), reply.hang('Working on step two'));
    const turn = thread.turn('Refactor the module', { goal: true });
    const stop = new Subject<void>();
    const events = lastValueFrom(turn.pipe(interruptWhen(stop), toArray()));
    // The second turn's first words: the goal is mid-way through its second turn.
    await firstValueFrom(
      turn.pipe(filter((e) => e.method === 'item/agentMessage/delta' && turn.turnIds.length === 2)),
    );
    const requestsBefore = real.model.modelRequests.length;
    stop.next();
    const all = await events;
    const completed = all.at(-1)!;
    expect(completed.method).toBe('turn/completed');
    expect(completed.method === 'turn/completed' && completed.params.turn.status).toBe(
      'interrupted',
    );
    expect(turn.goal?.status).toBe('paused');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(real.model.modelRequests.length).toBe(requestsBefore);
  });

  it('steerWhen sends the input to the goal turn that runs', async () => {
    const thread = await real.codex.startThread();
    // Hangs until steered; then marks the goal complete and, after that call's output, answers.
    real.model.respondWith((request) =>
      !request.messageTexts('user').includes('focus on the tests')
        ? reply.hang('Thinking about everything')
        : request.input.at(-1)?.type === 'function_call_output'
          ? reply.text('Steered and done.')
          : completeGoal(),
    );
    try {
      const turn = thread.turn('Improve the project', { goal: true });
      const result = await lastValueFrom(
        turn.pipe(
          steerWhen(
            turn.pipe(
              filter((e) => e.method === 'item/agentMessage/delta'),
              take(1),
              map(() => 'focus on the tests'),
            ),
          ),
          toArray(),
        ),
      );
      const texts = result.flatMap((e) =>
        e.method === 'item/completed' && e.params.item.type === 'agentMessage'
          ? [e.params.item.text]
          : [],
      );
      expect(texts).toContain('Steered and done.');
      expect(turn.goal?.status).toBe('complete');
    } finally {
      real.model.respondWith(() => reply.httpError(500, 'no script'));
    }
  });

  it('an abort signal interrupts the goal turn; the goal methods read and change the goal', async () => {
    const thread = await real.codex.startThread();
    const goals: Array<ThreadGoal | null> = [];
    const watching = thread.goal$.subscribe((goal) => goals.push(goal));
    real.model.enqueue(reply.hang('Working'));
    const abort = new AbortController();
    const turn = thread.turn('Long task', { goal: true, signal: abort.signal });
    const done = lastValueFrom(turn);
    await firstValueFrom(turn.pipe(filter((e) => e.method === 'item/agentMessage/delta')));
    abort.abort();
    const last = await done;
    expect(last.method === 'turn/completed' && last.params.turn.status).toBe('interrupted');

    expect(await thread.getGoal()).toMatchObject({ status: 'paused', objective: 'Long task' });
    await thread.clearGoal();
    expect(await thread.getGoal()).toBeNull();
    const set = await thread.setGoal({ objective: 'Another task', status: 'paused' });
    expect(set).toMatchObject({ objective: 'Another task', status: 'paused' });
    watching.unsubscribe();
    expect(goals.map((goal) => goal?.status ?? null)).toEqual(
      expect.arrayContaining(['active', 'paused', null]),
    );
  });

  it('an interrupt in the first millisecond ends the goal turn; the next run() waits for its end', async () => {
    const thread = await real.codex.startThread();
    // Interrupted in its first moments, the goal turn may or may not have called the model.
    real.model.respondWith((request) =>
      request.lastUserText() === 'meanwhile'
        ? reply.text('After the goal')
        : reply.hang('Starting'),
    );
    const turn = thread.turn('Anything', { goal: true });
    const done = lastValueFrom(turn);
    const interrupted = turn.interrupt();
    // This client is ending the goal turn: the next run starts once it has ended, not meanwhile.
    const next = await thread.run('meanwhile');
    expect(turn.ended).toBe(true);
    expect(next).toMatchObject({ status: 'completed', finalResponse: 'After the goal' });
    await interrupted;
    const last = await done;
    expect(last.method === 'turn/completed' && last.params.turn.status).toBe('interrupted');
    expect(turn.turnIds).toHaveLength(1);
    expect(turn.turnIds).not.toContain(next.id);
    expect((await thread.getGoal())?.status).toBe('paused');
  });
});
