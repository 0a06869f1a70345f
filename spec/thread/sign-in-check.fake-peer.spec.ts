import { Codex, JsonRpcError, NotSignedInError } from '../../src/index.js';
import type { Logger } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';
import type { PeerReply } from '../support/fake-peer.js';
import { answerTurns } from '../support/turn-fixtures.js';

const threadInfo = { id: 'th-1', status: { type: 'idle' }, preview: '', ephemeral: false };

async function clientFor(accountRead: () => PeerReply) {
  const debug: string[] = [];
  const logger: Logger = {
    error: () => undefined,
    warn: () => undefined,
    info: () => undefined,
    debug: (m) => debug.push(m),
  };
  const peer = new FakePeer()
    .handle('account/read', accountRead)
    .handle('thread/start', () => ({ result: { thread: threadInfo } }));
  answerTurns(peer, 'th-1', (t) => [t.started(), t.message('m', 'done'), t.completed()]);
  const codex = await Codex.connect(peer.transport, { logger });
  return { peer, codex, debug, thread: await codex.startThread() };
}

describe('the sign-in check before the first turn', () => {
  it.each([
    ['method not found (-32601)', -32601, 'Method not found'],
    [
      'unknown variant (-32600)',
      -32600,
      'Invalid request: unknown variant `account/read`, expected one of `initialize`',
    ],
  ])('is skipped when the server answers account/read with %s', async (_, code, message) => {
    const { peer, codex, debug, thread } = await clientFor(() => ({ error: { code, message } }));
    expect((await thread.run('one')).finalResponse).toBe('done');
    expect((await thread.run('two')).finalResponse).toBe('done');
    // Asked once, logged once: the server will not learn the method between turns.
    expect(peer.received.filter((m) => m.method === 'account/read')).toHaveLength(1);
    expect(debug.filter((line) => line.includes('account/read'))).toHaveLength(1);
    await codex.close();
  });

  it('still fails the turn for another error of account/read', async () => {
    const { codex, thread } = await clientFor(() => ({
      error: { code: -32603, message: 'internal error' },
    }));
    await expect(thread.run('one')).rejects.toBeInstanceOf(JsonRpcError);
    await codex.close();
  });

  it('still fails the turn when the server says sign-in is needed', async () => {
    const { codex, thread } = await clientFor(() => ({
      result: { account: null, userId: null, requiresOpenaiAuth: true, workspaceRouting: null },
    }));
    await expect(thread.run('one')).rejects.toBeInstanceOf(NotSignedInError);
    await codex.close();
  });
});
