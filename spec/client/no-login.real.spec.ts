/**
 * A server with no credentials for its model provider never ends a turn on its own (it retries
 * "Reconnecting… waiting for network"). The client must say so at once, and a stalled turn must
 * end when the user asks for a bound.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Codex, NotSignedInError, TimeoutError } from '../../src/index.js';
import { HERMETIC_ENV } from '../../src/testing/codex-home.js';
import { reply } from '../../src/testing/scripted-model-server.js';
import { startRealCodex } from '../support/real-codex.js';

describe('no login, no progress', () => {
  it('run() on a server with an empty CODEX_HOME fails at once with NotSignedInError', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'codex-rx-empty-home-'));
    const codex = await Codex.start({ codexHome: home, cwd: home, env: { ...HERMETIC_ENV } });
    try {
      const thread = await codex.startThread({ ephemeral: true });
      const error = await thread.run('hello').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotSignedInError);
      expect(error).toMatchObject({
        code: 'not_signed_in',
        method: 'turn/start',
        data: { requiresOpenaiAuth: true, account: null },
      });
      expect(String((error as Error).message)).toMatch(/codex login|loginApiKey/);
      expect(codex.routingStats()).toMatchObject({ turns: 0, starting: 0 });
      // Nothing was started on the server: the thread is free for the next attempt.
      await expect(thread.run('again')).rejects.toBeInstanceOf(NotSignedInError);
    } finally {
      await codex.close();
      await rm(home, { recursive: true, force: true });
    }
  });

  it('turnStallTimeoutMs interrupts a turn that stops making progress', async () => {
    const real = await startRealCodex({ codex: { turnStallTimeoutMs: 500 } });
    try {
      const thread = await real.codex.startThread();
      real.model.enqueue(reply.hang('started, then silence'));
      const error = await thread.run('long one').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toMatchObject({ code: 'turn_stalled', timeoutMs: 500 });
      // The server's turn was interrupted: the thread takes the next one.
      real.model.enqueue(reply.text('next'));
      await expect(thread.run('next', { turnStallTimeoutMs: 10_000 })).resolves.toMatchObject({
        finalResponse: 'next',
      });
    } finally {
      await real.close();
    }
  });
});
