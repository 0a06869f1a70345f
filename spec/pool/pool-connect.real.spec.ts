import { inspect } from 'node:util';
import path from 'node:path';
import { firstValueFrom, filter } from 'rxjs';
import { CodexPool, ConnectionLostError, startListener } from '../../src/index.js';
import type { AppServerListener } from '../../src/index.js';
import { HERMETIC_ENV } from '../../src/testing/codex-home.js';
import { reply } from '../../src/testing/scripted-model-server.js';
import { processExists } from '../support/real-codex.js';
import { codexChildren, poolFixture } from './pool-fixture.js';
import type { PoolFixture } from './pool-fixture.js';

const LONG = 120_000;

describe('CodexPool.connect over real listeners', () => {
  let fixture: PoolFixture | undefined;
  const listeners: AppServerListener[] = [];
  afterEach(async () => {
    await Promise.all(listeners.splice(0).map((l) => l.close()));
    await fixture?.close();
    fixture = undefined;
  });

  it(
    'spreads threads over the listeners; a killed listener fails its own turn with ConnectionLostError while the other runs; no token in inspect; close() mid-redial leaves nothing',
    async () => {
      fixture = await poolFixture(2);
      for (let i = 0; i < 2; i++)
        listeners.push(
          await startListener({
            listen: 'ws',
            codexHome: path.join(fixture.root, `member-${i}`),
            cwd: fixture.workspace,
            env: { ...HERMETIC_ENV },
          }),
        );
      const pool = await CodexPool.connect({
        members: listeners.map((l, i) => ({ ...l.connectOptions, name: `ws-${i}` })),
        reconnect: { retries: 2, backoff: { initialMs: 50, maxMs: 100 } },
        restartDelayMs: 60_000,
      });
      for (const l of listeners)
        expect(inspect(pool, { depth: 10 })).not.toContain(l.connectOptions.token!);

      const [a, b] = [await pool.startThread(), await pool.startThread()];
      expect([pool.memberOf(a.id), pool.memberOf(b.id)].sort()).toEqual(['ws-0', 'ws-1']);
      const onZero = pool.memberOf(a.id) === 'ws-0' ? a : b;
      const onOne = onZero === a ? b : a;
      fixture.model.respondWith((request) =>
        request.lastUserText() === 'hang'
          ? reply.hang('…')
          : reply.text(`ok: ${request.lastUserText()}`),
      );
      const doomed = onZero.run('hang').catch((e: unknown) => e);
      await fixture.model.waitForModelRequests(1, 60_000);
      const killed = listeners[0]!.pid!;
      process.kill(killed, 'SIGKILL');
      expect(await doomed).toBeInstanceOf(ConnectionLostError);
      expect((await onOne.run('still here')).finalResponse).toBe('ok: still here');
      await firstValueFrom(pool.load$.pipe(filter((l) => l.members[0]!.state !== 'ready')));
      // A thread started now goes to the live member.
      const fresh = await pool.startThread();
      expect(pool.memberOf(fresh.id)).toBe('ws-1');

      // ws-0 stays gone: its own reconnect gives up and the pool waits (60 s) to dial it again.
      await firstValueFrom(pool.load$.pipe(filter((l) => l.members[0]!.state === 'unavailable')));
      const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      await pool.close();
      const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      expect(timersAfter).toBeLessThan(timersBefore);
      expect(processExists(killed)).toBe(false);
      // The pool started no process of its own; the listener still running is the test's.
      expect(codexChildren()).toEqual([listeners[1]!.pid]);
    },
    LONG,
  );
});
