import { firstValueFrom, filter, lastValueFrom } from 'rxjs';
import { ClosedError, CodexError, CodexPool, CodexProcessError } from '../../src/index.js';
import type { PoolLoad, Thread } from '../../src/index.js';
import { reply } from '../../src/testing/scripted-model-server.js';
import type { Responder } from '../../src/testing/scripted-model-server.js';
import { processExists } from '../support/real-codex.js';
import { codexChildren, poolFixture } from './pool-fixture.js';
import type { PoolFixture } from './pool-fixture.js';

const LONG = 120_000;

/** Each turn runs `sleep <s>` first, then answers `done: <its input>`. */
const sleepThenDone =
  (seconds: number): Responder =>
  (request) =>
    request.functionCallOutputs().length > 0
      ? reply.text(`done: ${request.lastUserText()}`)
      : reply.execCommand(`sleep ${seconds}`);

function loadWhere(pool: CodexPool, test: (load: PoolLoad) => boolean): Promise<PoolLoad> {
  return firstValueFrom(pool.load$.pipe(filter(test)));
}

describe('CodexPool against real app-servers', () => {
  let fixture: PoolFixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  it(
    'places threads on both members; a killed member fails only its own turns, is restarted, and close() leaves no process',
    async () => {
      fixture = await poolFixture(2, { responder: sleepThenDone(8) });
      const pool = await fixture.start();
      const pids = pool.memberNames.map((name) => pool.member(name)!.pid!);
      const threads: Thread[] = [];
      for (let i = 0; i < 4; i++) threads.push(await pool.startThread());
      const placed = threads.map((t) => pool.memberOf(t.id));
      expect(new Set(placed)).toEqual(new Set(['member-0', 'member-1']));
      expect(placed.filter((m) => m === 'member-0')).toHaveLength(2);

      const settled: Array<{ member: string; at: number; outcome: unknown }> = [];
      const runs = threads.map((thread, i) =>
        thread.run(`task ${i}`).then(
          (result) => settled.push({ member: placed[i]!, at: Date.now(), outcome: result }),
          (error: unknown) => settled.push({ member: placed[i]!, at: Date.now(), outcome: error }),
        ),
      );
      // All four are running their `sleep 8` once the model has been asked four times.
      await fixture.model.waitForModelRequests(4, 60_000);
      expect((await firstValueFrom(pool.load$)).activeTurns).toBe(4);
      process.kill(pids[0]!, 'SIGKILL');
      await Promise.all(runs);

      const lost = settled.filter((s) => s.member === 'member-0');
      const kept = settled.filter((s) => s.member === 'member-1');
      for (const { outcome } of lost) {
        expect(outcome).toBeInstanceOf(CodexProcessError);
        expect(outcome).toMatchObject({ signal: 'SIGKILL' });
      }
      for (const { outcome } of kept)
        expect(outcome).toMatchObject({
          status: 'completed',
          finalResponse: expect.stringMatching(/^done: task/),
        });
      // The lost member's turns ended before the other member's finished their sleep.
      expect(Math.max(...lost.map((s) => s.at))).toBeLessThan(Math.min(...kept.map((s) => s.at)));

      // A new thread after the loss runs (on whichever member is ready).
      fixture.model.respondWith((request) => reply.text(`after: ${request.lastUserText()}`));
      const fresh = await pool.startThread();
      expect((await fresh.run('still there?')).finalResponse).toBe('after: still there?');

      // member-0 comes back as a new server; its threads resume there by id.
      await loadWhere(pool, (load) => load.members.every((m) => m.state === 'ready'));
      const restarted = pool.member('member-0')!.pid!;
      expect(restarted).not.toBe(pids[0]);
      const again = await pool.resumeThread(threads[0]!.id);
      expect(pool.memberOf(again.id)).toBe('member-0');
      expect((await again.run('once more')).finalResponse).toBe('after: once more');

      expect(codexChildren().sort()).toEqual([pids[1]!, restarted].sort());
      await pool.close();
      for (const pid of [...pids, restarted]) expect(processExists(pid)).toBe(false);
      expect(codexChildren()).toEqual([]);
      expect(await firstValueFrom(pool.load$, { defaultValue: 'completed' })).toBe('completed');
    },
    LONG,
  );

  it(
    'a second pool over the same root resumes a thread on its member, and the model sees its history',
    async () => {
      fixture = await poolFixture(2);
      const first = await fixture.start();
      const threads = [await first.startThread(), await first.startThread()];
      const target = threads[1]!;
      const member = first.memberOf(target.id);
      fixture.model.enqueue(reply.text('noted'));
      await target.run('The code word is pelican.');
      await first.close();

      const second = await fixture.start();
      expect(second.memberOf(target.id)).toBeUndefined();
      const resumed = await second.resumeThread(target.id);
      expect(second.memberOf(target.id)).toBe(member);
      fixture.model.enqueue(reply.text('pelican'));
      expect((await resumed.run('What was the code word?')).finalResponse).toBe('pelican');
      const last = fixture.model.modelRequests.at(-1)!;
      expect(last.messageTexts('user').join('\n')).toContain('The code word is pelican.');
      expect(last.messageTexts('assistant')).toContain('noted');

      const missing = await second
        .resumeThread('00000000-0000-7000-8000-000000000000')
        .catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(CodexError);
      expect(missing).toMatchObject({ code: 'thread_not_found', method: 'thread/resume' });
    },
    LONG,
  );

  it(
    'admission: with maxActiveTurnsPerMember 1 the third turn on two members waits in the queue, starts when a slot frees, and close() ends queued turns too',
    async () => {
      fixture = await poolFixture(2);
      const pool = await fixture.start({ maxActiveTurnsPerMember: 1 });
      const threads = [
        await pool.startThread(),
        await pool.startThread(),
        await pool.startThread(),
      ];
      expect(new Set(threads.map((t) => pool.memberOf(t.id))).size).toBe(2);
      fixture.model.enqueue(reply.hang('one'), reply.hang('two'), reply.hang('three'));
      const turns = threads.map((t, i) => t.turn(`turn ${i}`));
      const ends = turns.map((turn) => lastValueFrom(turn).catch((e: unknown) => e));
      const queued = await loadWhere(
        pool,
        (load) => load.queuedTurns === 1 && load.activeTurns === 2,
      );
      expect(queued.members.map((m) => m.activeTurns)).toEqual([1, 1]);
      await fixture.model.waitForModelRequests(2, 60_000);
      // The queued turn has not reached its server: the model was asked twice only.
      await new Promise((r) => setTimeout(r, 500));
      expect(fixture.model.modelRequests).toHaveLength(2);

      // Interrupting the first turn on the queued turn's member lets the queued one start.
      const queuedIndex = 2;
      const sameMember = threads.findIndex(
        (t, i) =>
          i !== queuedIndex && pool.memberOf(t.id) === pool.memberOf(threads[queuedIndex]!.id),
      );
      await turns[sameMember]!.interrupt();
      await ends[sameMember];
      await fixture.model.waitForModelRequests(3, 60_000);
      await loadWhere(pool, (load) => load.queuedTurns === 0 && load.activeTurns === 2);

      // Another queued turn, then close mid-everything: every turn ends with ClosedError.
      fixture.model.enqueue(reply.hang('four'));
      const fourth = lastValueFrom(threads[sameMember]!.turn('turn 3')).catch((e: unknown) => e);
      await loadWhere(pool, (load) => load.queuedTurns === 1);
      await pool.close();
      const outcomes = await Promise.all([...ends, fourth].filter((_, i) => i !== sameMember));
      for (const outcome of outcomes) expect(outcome).toBeInstanceOf(ClosedError);
      expect(codexChildren()).toEqual([]);
      await expect(pool.startThread()).rejects.toMatchObject({ code: 'closed' });
    },
    LONG,
  );
});

describe('CodexPool bad input', () => {
  it.each([
    [{ size: 0, root: '/tmp/x' }, 'size', '0'],
    [{ size: -1, root: '/tmp/x' }, 'size', '-1'],
    [{ size: NaN, root: '/tmp/x' }, 'size', 'NaN'],
    [{ size: 1.5, root: '/tmp/x' }, 'size', '1.5'],
    [{ size: 2 }, 'root', 'undefined'],
    [{ size: 2, root: '' }, 'root', '""'],
    [{ size: 2, root: '/tmp/x', codexHome: '/tmp/y' }, 'codexHome', 'root/member'],
    [{ size: 2, root: '/tmp/x', maxActiveTurnsPerMember: 0 }, 'maxActiveTurnsPerMember', '0'],
    [{ size: 2, root: '/tmp/x', placement: 'first' }, 'placement', 'function'],
  ])('CodexPool.start(%j) names %s', async (options, field, shown) => {
    const error = await CodexPool.start(options as never).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'InvalidInputError', field });
    expect((error as Error).message).toContain(shown);
    expect(codexChildren()).toEqual([]);
  });

  it.each([
    [{ members: [] }, 'members'],
    [{}, 'members'],
    [
      {
        members: [
          { url: 'ws://127.0.0.1:1', name: 'a' },
          { url: 'ws://127.0.0.1:2', name: 'a' },
        ],
      },
      'members[1].name',
    ],
  ])('CodexPool.connect(%j) names %s', async (options, field) => {
    const error = await CodexPool.connect(options as never).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'InvalidInputError', field });
  });
});
