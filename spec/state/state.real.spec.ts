import { existsSync } from 'node:fs';
import path from 'node:path';
import { firstValueFrom, lastValueFrom, tap, toArray } from 'rxjs';
import { toTurnState } from '../../src/index.js';
import type {
  AnyServerRequest,
  ItemState,
  ThreadState,
  TurnState,
  Codex,
} from '../../src/index.js';
import { item, reply } from '../../src/testing/scripted-model-server.js';
import { reopen, startRealCodex } from '../support/real-codex.js';
import type { RealCodex } from '../support/real-codex.js';

/** The protocol's part of an item: without the fields the fold adds. */
function protocolPart(state: ItemState): unknown {
  const { lifecycle: _lifecycle, ...rest } = state as ItemState & { output?: unknown };
  delete (rest as { output?: unknown }).output;
  delete (rest as { progress?: unknown }).progress;
  return rest;
}

describe('UI state against the real app-server', () => {
  let real: RealCodex;
  beforeAll(async () => {
    real = await startRealCodex({ approvalPolicy: 'on-request', sandboxMode: 'workspace-write' });
  });
  afterAll(() => real.close());

  it("a turn's last toTurnState() snapshot matches the server's thread/read of that turn", async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(
      reply.of([
        item.reasoning('Checking the folder'),
        item.message('Looking.', { phase: 'commentary' }),
        item.functionCall('exec_command', { cmd: "printf 'a\\n'; printf 'b\\n'" }),
      ]),
      reply.text('Two lines.', { phase: 'final_answer' }),
    );
    const states = await lastValueFrom(thread.turn('Look around').pipe(toTurnState(), toArray()));
    const last = states.at(-1)!;
    const stored = (await thread.read({ includeTurns: true })).thread.turns.at(-1)!;

    expect(last.turnId).toBe(stored.id);
    expect(last.status).toBe(stored.status);
    expect(last.items.map(protocolPart)).toEqual(stored.items);
    expect(last.finalResponse).toBe('Two lines.');
    expect(last.items.find((i) => i.type === 'commandExecution')).toMatchObject({
      output: 'a\nb\n',
      exitCode: 0,
    });
    expect(last.usage?.total.totalTokens).toBeGreaterThan(0);
    // Streaming was seen on the way, not only the end.
    expect(
      states.some((s) =>
        s.items.some((i) => i.type === 'agentMessage' && i.lifecycle !== 'completed'),
      ),
    ).toBe(true);
  });

  it('shows an approval pending without changing how it is answered (the safe default declines)', async () => {
    const thread = await real.codex.startThread();
    const marker = path.join(real.home.workspace, 'declined.txt');
    real.model.enqueue(reply.escalatedCommand(`touch ${marker}`, 'write it'), reply.text('ok'));
    const states = await lastValueFrom(thread.turn('Write it').pipe(toTurnState(), toArray()));
    const waiting = states.find((s) => s.pendingRequests.length > 0);
    expect(waiting?.pendingRequests[0]).toMatchObject({
      method: 'item/commandExecution/requestApproval',
    });
    const last = states.at(-1)!;
    expect(last.pendingRequests).toEqual([]);
    expect(last.items.find((i) => i.type === 'commandExecution')).toMatchObject({
      status: 'declined',
    });
    expect(existsSync(marker)).toBe(false);
  });

  it('a UI that answers the pending request it sees in the state runs the command', async () => {
    const thread = await real.codex.startThread();
    const marker = path.join(real.home.workspace, 'accepted.txt');
    real.model.enqueue(reply.escalatedCommand(`touch ${marker}`, 'write it'), reply.text('ok'));
    const turn = thread.turn('Write it');
    const handles = new Map<unknown, AnyServerRequest>();
    turn.serverRequests$.subscribe((request) => handles.set(request.id, request));
    // Answered from the state's own subscriber, by the id the snapshot shows, as a store's listener would.
    const last = await lastValueFrom(
      turn.pipe(
        toTurnState(),
        tap((state: TurnState) => {
          for (const pending of state.pendingRequests) {
            const handle = handles.get(pending.id);
            if (handle?.method === 'item/commandExecution/requestApproval' && !handle.isSettled)
              handle.respond({ decision: 'accept' });
          }
        }),
      ),
    );
    expect(last.items.find((i) => i.type === 'commandExecution')).toMatchObject({
      status: 'completed',
    });
    expect(existsSync(marker)).toBe(true);
  });

  it('a thread.state$() subscribed while an approval waits shows it, then its answer', async () => {
    const thread = await real.codex.startThread();
    const marker = path.join(real.home.workspace, 'late-state.txt');
    real.model.enqueue(reply.escalatedCommand(`touch ${marker}`, 'write it'), reply.text('ok'));
    const turn = thread.turn('Write it');
    const requests: AnyServerRequest[] = [];
    turn.serverRequests$.subscribe((request) => requests.push(request));
    const ended = lastValueFrom(turn);
    for (let i = 0; i < 600 && requests.length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(requests.map((r) => r.method)).toEqual(['item/commandExecution/requestApproval']);
    // Only now, with the approval open, does the UI mount.
    const snapshots: ThreadState[] = [];
    const subscription = thread.state$().subscribe((state) => snapshots.push(state));
    try {
      // Its first snapshot comes a tick later (state$ seeds asynchronously); no event comes meanwhile.
      for (let i = 0; i < 200 && snapshots.length < 2; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
      const open = snapshots.at(-1)!;
      expect(open.activeTurnId).toBe(await turn.turnId);
      expect(open.turns.at(-1)!.pendingRequests.map((p) => p.id)).toEqual([requests[0]!.id]);
      const approval = requests[0]!;
      if (approval.method === 'item/commandExecution/requestApproval')
        approval.respond({ decision: 'decline' });
      await ended;
      const last = snapshots.at(-1)!;
      expect(last.turns.at(-1)!.pendingRequests).toEqual([]);
      expect(last.turns.at(-1)!.status).toBe('completed');
      expect(existsSync(marker)).toBe(false);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('thread.state$({ history: true }) shows a resumed thread its history, then live turns', async () => {
    const first = await startRealCodex();
    let second: Codex | undefined;
    try {
      const thread = await first.codex.startThread();
      first.model.enqueue(reply.text('First answer.'));
      await thread.run('First question');
      await first.codex.close();

      second = await reopen(first);
      const resumed = await second.resumeThread(thread.id);
      const snapshots: ThreadState[] = [];
      const subscription = resumed.state$({ history: true }).subscribe((s) => snapshots.push(s));
      try {
        const seeded = await firstValueFrom(resumed.state$({ history: true }));
        expect(seeded.turns.map((t) => [t.status, t.finalResponse])).toEqual([
          ['completed', 'First answer.'],
        ]);

        first.model.enqueue(reply.text('Second answer.'));
        await resumed.run('Second question');
        const last = snapshots.at(-1)!;
        expect(last.threadId).toBe(thread.id);
        expect(last.turns.map((t) => [t.status, t.finalResponse])).toEqual([
          ['completed', 'First answer.'],
          ['completed', 'Second answer.'],
        ]);
        expect(last.activeTurnId).toBeNull();
        // The history turn kept its identity while the live one streamed.
        expect(last.turns[0]).toBe(snapshots[0]!.turns[0]);
      } finally {
        subscription.unsubscribe();
      }
    } finally {
      await second?.close();
      await first.close();
    }
  });

  it('a late subscriber in the first moments of a turn folds to the same end', async () => {
    const thread = await real.codex.startThread();
    real.model.enqueue(reply.text('Same for both.'));
    const turn = thread.turn('Go');
    const early = lastValueFrom(turn.pipe(toTurnState()));
    // Joins between turn/start's response and turn/started, from the replay.
    await turn.turnId;
    const late = await lastValueFrom(turn.pipe(toTurnState()));
    expect(late).toEqual(await early);
    expect(late.finalResponse).toBe('Same for both.');
  });
});
