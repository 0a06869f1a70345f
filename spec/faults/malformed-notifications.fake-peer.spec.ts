/**
 * Notifications that parse as JSON but lack what the SDK must read: they are logged and
 * skipped, the turn they belong to fails with a ProtocolError, and nothing throws into the event
 * loop (an uncaught exception here would end the host process).
 */
import { Codex, ProtocolError } from '../../src/index.js';
import type { Logger } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';
import { noUncaught } from '../support/no-uncaught.js';
import { turnEvents, turnObject } from '../support/turn-fixtures.js';

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
}

async function setup() {
  const peer = new FakePeer();
  peer.handle('thread/start', () => ({
    result: { thread: { id: 'th-1', status: { type: 'idle' }, preview: '', ephemeral: false } },
  }));
  peer.handle('turn/start', () => ({ result: { turn: turnObject('tu-1', 'inProgress') } }));
  const logger = recordingLogger();
  const codex = await Codex.connect(peer.transport, { logger });
  const thread = await codex.startThread();
  return { peer, codex, thread, logger, t: turnEvents('th-1', 'tu-1') };
}

describe('malformed notifications', () => {
  it('turn/completed without its turn fails the running turn with ProtocolError', () =>
    noUncaught(async () => {
      const { peer, codex, thread, logger, t } = await setup();
      const run = thread.run('go');
      await peer.next('turn/start');
      peer.send(t.started());
      peer.notify('turn/completed', { threadId: 'th-1' });
      const error = await run.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProtocolError);
      expect(error).toMatchObject({ method: 'turn/completed', code: 'protocol_error' });
      expect(String((error as Error).message)).toMatch(/params\.turn is not an object/);
      expect(logger.warnings.join('\n')).toMatch(/skipped a malformed turn\/completed/);
      await codex.close();
    }));

  it('item/completed with item: null fails its turn; run() settles', () =>
    noUncaught(async () => {
      const { peer, codex, thread, t } = await setup();
      const run = thread.run('go');
      await peer.next('turn/start');
      peer.send(t.started());
      peer.notify('item/completed', { threadId: 'th-1', turnId: 'tu-1', item: null });
      await expect(run).rejects.toBeInstanceOf(ProtocolError);
      expect(codex.routingStats()).toMatchObject({ turns: 0, starting: 0 });
      await codex.close();
    }));

  it('is skipped from notifications$ too, and later good events still flow', () =>
    noUncaught(async () => {
      const { peer, codex, thread, t } = await setup();
      const seen: string[] = [];
      codex.notifications$.subscribe((n) => seen.push(n.method));
      peer.notify('account/login/completed', undefined);
      peer.notify('item/agentMessage/delta', { threadId: 'th-1', turnId: 'x', delta: 42 });
      peer.notify('thread/tokenUsage/updated', 'not an object');
      const run = thread.run('go');
      await peer.next('turn/start');
      for (const n of [t.started(), t.message('m', 'fine'), t.completed()]) peer.send(n);
      await expect(run).resolves.toMatchObject({ finalResponse: 'fine' });
      expect(seen).toEqual(['turn/started', 'item/completed', 'turn/completed']);
      await codex.close();
    }));

  it('account/login/completed without params does not crash a pending login', () =>
    noUncaught(async () => {
      const { peer, codex } = await setup();
      peer.handle('account/login/start', () => ({
        result: { type: 'chatgpt', loginId: 'l-1', authUrl: 'http://127.0.0.1/auth' },
      }));
      const login = await codex.loginChatgpt();
      peer.notify('account/login/completed', undefined);
      peer.notify('account/login/completed', { loginId: 'l-1', success: true, error: null });
      await expect(login.completed).resolves.toMatchObject({ success: true });
      await codex.close();
    }));

  it('unknown methods with odd params still pass through', () =>
    noUncaught(async () => {
      const { peer, codex } = await setup();
      const seen: unknown[] = [];
      codex.notifications$.subscribe((n) => seen.push(n));
      peer.notify('future/thing', { anything: [1, 2] });
      await new Promise((r) => setTimeout(r, 10));
      expect(seen).toMatchObject([{ method: 'future/thing', params: { anything: [1, 2] } }]);
      await codex.close();
    }));
});
