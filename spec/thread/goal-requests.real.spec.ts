import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { lastValueFrom, tap } from 'rxjs';
import { toTurnState } from '../../src/index.js';
import type {
  AnyServerRequest,
  ApprovalDecision,
  TurnObservable,
  TurnState,
} from '../../src/index.js';
import { reply } from '../../src/testing/scripted-model-server.js';
import type { ScriptedReply } from '../../src/testing/scripted-model-server.js';
import { startRealCodex } from '../support/real-codex.js';
import type { RealCodex } from '../support/real-codex.js';

const completeGoal = () => reply.functionCall('update_goal', { status: 'complete' });

/** A promise and the function that settles it. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * A goal turn's stream folded with toTurnState(): every snapshot, and the first one that shows
 * a pending request (rejected if the turn ends without showing one).
 */
function watchStates(turn: TurnObservable): {
  waiting: Promise<TurnState>;
  done: Promise<TurnState>;
} {
  const first = deferred<TurnState>();
  const done = lastValueFrom(
    turn.pipe(
      toTurnState(),
      tap((state) => {
        if (state.pendingRequests.length > 0) first.resolve(state);
      }),
    ),
  );
  const waiting = Promise.race([
    first.promise,
    done.then(
      () => Promise.reject(new Error('the goal turn ended without a pending request')),
      (error: unknown) => Promise.reject(error as Error),
    ),
  ]);
  return { waiting, done };
}

describe('server requests of a goal turn against the real app-server', () => {
  let real: RealCodex;
  let marker: string;
  beforeAll(async () => {
    real = await startRealCodex({ approvalPolicy: 'on-request', sandboxMode: 'workspace-write' });
    marker = path.join(real.home.workspace, 'goal-marker.txt');
  });
  afterAll(() => real.close());
  afterEach(async () => {
    real.model.respondWith(() => reply.httpError(500, 'no script'));
    await rm(marker, { force: true });
  });

  const escalated = (): ScriptedReply =>
    reply.escalatedCommand(`touch ${marker}`, 'write the marker');

  const cases: Array<{
    name: string;
    /** The goal's model calls: the approval comes in this turn of the goal (1-based). */
    askingTurn: number;
    script: () => ScriptedReply[];
    decision: ApprovalDecision;
  }> = [
    {
      name: 'the first turn',
      askingTurn: 1,
      // Turn 1: the command, then an answer (the goal stays active: the server runs turn 2).
      script: () => [
        escalated(),
        reply.text('Step one done.'),
        completeGoal(),
        reply.text('Done.'),
      ],
      decision: 'accept',
    },
    {
      name: 'the second turn',
      askingTurn: 2,
      // Turn 1 answers; turn 2 runs the command, then marks the goal complete.
      script: () => [
        reply.text('Step one done.'),
        escalated(),
        completeGoal(),
        reply.text('Done.'),
      ],
      decision: 'accept',
    },
    {
      name: 'the second turn, declined',
      askingTurn: 2,
      script: () => [
        reply.text('Step one done.'),
        escalated(),
        completeGoal(),
        reply.text('Done.'),
      ],
      decision: 'decline',
    },
  ];

  it.each(cases)(
    "an approval in $name: the goal turn's handler answers it, its state shows it pending, the command follows the answer ($decision)",
    async ({ askingTurn, script, decision }) => {
      const thread = await real.codex.startThread();
      real.model.enqueue(...script());
      const answer = deferred<ApprovalDecision>();
      const asked: Array<string | undefined> = [];
      const turn = thread.turn('Write the marker, then finish', {
        goal: true,
        handlers: {
          'item/commandExecution/requestApproval': async (params) => {
            asked.push(params.turnId);
            return { decision: await answer.promise };
          },
        },
      });
      const streamed: AnyServerRequest[] = [];
      const watching = turn.serverRequests$.subscribe((request) => streamed.push(request));
      const { waiting, done } = watchStates(turn);

      const pending = await waiting;
      expect(turn.turnIds).toHaveLength(askingTurn);
      const askingTurnId = turn.turnIds[askingTurn - 1];
      // The goal turn's state is the logical turn's, its pending request included.
      expect(pending.turnId).toBe(await turn.turnId);
      expect(pending.pendingRequests).toHaveLength(1);
      expect(pending.pendingRequests[0]).toMatchObject({
        method: 'item/commandExecution/requestApproval',
        params: { turnId: await turn.turnId },
      });
      expect(asked).toEqual([askingTurnId]);
      expect(streamed.map((request) => [request.method, request.turnId])).toEqual([
        ['item/commandExecution/requestApproval', askingTurnId],
      ]);
      expect(existsSync(marker)).toBe(false);
      // A state fold joining now gets the open request with the replay (at once), under the same id.
      let late: TurnState | undefined;
      turn
        .pipe(toTurnState())
        .subscribe((state) => (late = state))
        .unsubscribe();
      expect(late?.pendingRequests).toEqual(pending.pendingRequests);

      answer.resolve(decision);
      const last = await done;
      watching.unsubscribe();
      expect(last.status).toBe('completed');
      expect(last.pendingRequests).toEqual([]);
      expect(turn.turnIds).toHaveLength(2);
      expect(turn.goal?.status).toBe('complete');
      const command = last.items.find((item) => item.type === 'commandExecution');
      expect(command).toMatchObject({ status: decision === 'accept' ? 'completed' : 'declined' });
      expect(existsSync(marker)).toBe(decision === 'accept');
      await expect(streamed[0]!.resolved).resolves.toBeUndefined();
    },
  );

  it.each(['interrupt()', 'unsubscribing'])(
    '%s while the second turn waits for an approval: the request settles, the stream ends, the next run() works',
    async (how) => {
      const thread = await real.codex.startThread();
      real.model.enqueue(reply.text('Step one done.'), escalated());
      // Never answered by the handler: only the end of the turn can settle the request.
      const never = deferred<ApprovalDecision>();
      const turn = thread.turn('Write the marker, then finish', {
        goal: true,
        handlers: {
          'item/commandExecution/requestApproval': async () => ({ decision: await never.promise }),
        },
      });
      const streamed: AnyServerRequest[] = [];
      const watching = turn.serverRequests$.subscribe((request) => streamed.push(request));
      const pending = deferred<TurnState>();
      const states: TurnState[] = [];
      let ended: 'complete' | 'error' | undefined;
      const subscription = turn.pipe(toTurnState()).subscribe({
        next: (state) => {
          states.push(state);
          if (state.pendingRequests.length > 0) pending.resolve(state);
        },
        complete: () => (ended = 'complete'),
        error: () => (ended = 'error'),
      });
      await Promise.race([
        pending.promise,
        turn.whenEnded().then(() => Promise.reject(new Error('ended without a pending request'))),
      ]);
      expect(turn.turnIds).toHaveLength(2);

      if (how === 'interrupt()') await turn.interrupt();
      else subscription.unsubscribe();
      await turn.whenEnded();
      watching.unsubscribe();

      if (how === 'interrupt()') {
        expect(ended).toBe('complete');
        expect(states.at(-1)).toMatchObject({ status: 'interrupted', pendingRequests: [] });
      }
      expect(streamed).toHaveLength(1);
      await expect(streamed[0]!.resolved).resolves.toBeUndefined();
      expect(streamed[0]!.isSettled).toBe(true);
      expect((await thread.getGoal())?.status).toBe('paused');

      real.model.enqueue(reply.text('Something else, done.'));
      const next = await thread.run('Now something else');
      expect(next).toMatchObject({ status: 'completed', finalResponse: 'Something else, done.' });
      // The handler's late answer goes nowhere: the request was settled when the turn ended.
      never.resolve('accept');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(existsSync(marker)).toBe(false);
    },
  );
});
