/**
 * The real server answers `turn/start` at once but reports the turn active (`turn/started`) a
 * little later, and until then refuses `turn/interrupt` and `turn/steer` with "no active turn".
 * Whatever a user does in a turn's first moments must still take effect.
 */
import { Subject, filter, firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { interruptWhen, toRunResult } from '../../src/index.js';
import { reply } from '../../src/testing/scripted-model-server.js';
import { startRealCodex } from '../support/real-codex.js';
import type { RealCodex } from '../support/real-codex.js';
import { TRANSPORTS } from '../support/transports.js';
import { completedStatus } from '../support/turn-fixtures.js';

describe.each(TRANSPORTS)(
  'control in the first moments of a turn (real app-server over %s)',
  (transport) => {
    let real: RealCodex;
    beforeAll(async () => {
      real = await startRealCodex({ transport });
    });
    afterAll(() => real.close());
    // A turn interrupted before its first model call leaves no request behind, so replies are
    // chosen by prompt rather than queued: the 'long task' never finishes on its own.
    beforeEach(() => {
      real.model.respondWith((request) => {
        const texts = request.messageTexts();
        if (texts.includes('plan B')) return reply.text('steered answer');
        if (texts.at(-1) === 'next one') return reply.text('second answer');
        return reply.hang('never finishes');
      });
    });

    it('interrupt() right after subscribing ends the turn interrupted', async () => {
      const thread = await real.codex.startThread();
      const turn = thread.turn('long task');
      const events = lastValueFrom(turn.pipe(toArray()));
      await turn.interrupt();
      expect(completedStatus(await events)).toBe('interrupted');
    });

    it('interrupt() between the turn/start response and turn/started', async () => {
      const thread = await real.codex.startThread();
      const turn = thread.turn('long task');
      const events = lastValueFrom(turn.pipe(toArray()));
      await turn.turnId; // the response is in; turn/started is not
      await turn.interrupt();
      expect(completedStatus(await events)).toBe('interrupted');
    });

    it('interruptWhen fired in the first millisecond', async () => {
      const thread = await real.codex.startThread();
      const stop$ = new Subject<void>();
      const events = lastValueFrom(thread.turn('long task').pipe(interruptWhen(stop$), toArray()));
      stop$.next();
      expect(completedStatus(await events)).toBe('interrupted');
    });

    it('run() with a signal that aborts after 1 ms resolves interrupted', async () => {
      const thread = await real.codex.startThread();
      const result = await thread.run('long task', { signal: AbortSignal.timeout(1) });
      expect(result.status).toBe('interrupted');
    });

    it('unsubscribing 5 ms in interrupts the turn, and the next run() works', async () => {
      const thread = await real.codex.startThread();
      const ended = firstValueFrom(
        thread.events$.pipe(filter((n) => n.method === 'turn/completed')),
      );
      const subscription = thread.turn('long task').subscribe();
      await new Promise((r) => setTimeout(r, 5));
      subscription.unsubscribe();
      const completed = await ended;
      expect(completed.method === 'turn/completed' && completed.params.turn.status).toBe(
        'interrupted',
      );
      const next = await thread.run('next one');
      expect(next).toMatchObject({ status: 'completed', finalResponse: 'second answer' });
    });

    it('steer() right after the turn/start response reaches the turn', async () => {
      const thread = await real.codex.startThread();
      // Steered before the model was first called, the input joins that call; later, the next one.
      const turn = thread.turn('plan A');
      const result = lastValueFrom(turn.pipe(toRunResult()));
      await turn.turnId;
      await turn.steer('plan B');
      expect((await result).finalResponse).toBe('steered answer');
    });
  },
);
