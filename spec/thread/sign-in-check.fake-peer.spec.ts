import {
  ClosedError,
  Codex,
  CodexProcessError,
  JsonRpcError,
  NotSignedInError,
} from '../../src/index.js';
import type { Logger } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';
import type { PeerReply } from '../support/fake-peer.js';
import { answerTurns } from '../support/turn-fixtures.js';

const threadInfo = { id: 'th-1', status: { type: 'idle' }, preview: '', ephemeral: false };

async function clientFor(accountRead: () => PeerReply | undefined) {
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

  it('closing during the first run() fails it naming turn/start, not the check the user never called', async () => {
    // The server never answers the check: the client closes while it waits.
    const { peer, codex, thread } = await clientFor(() => undefined);
    const run = thread.run('one').catch((e: unknown) => e);
    await peer.next('account/read');
    await codex.close();
    const error = await run;
    expect(error).toBeInstanceOf(ClosedError);
    expect(error).toMatchObject({ method: 'turn/start', code: 'closed' });
    expect(String((error as Error).message)).toBe('turn/start: the Codex client is closed');
  });

  it('a server that dies during the check fails run() naming turn/start, with the cause kept', async () => {
    const { peer, codex, thread } = await clientFor(() => undefined);
    const run = thread.run('one').catch((e: unknown) => e);
    await peer.next('account/read');
    await peer.crash({ exitCode: 1 });
    const error = await run;
    expect(error).toBeInstanceOf(CodexProcessError);
    expect(error).toMatchObject({ method: 'turn/start', exitCode: 1 });
    expect(String((error as Error).message)).not.toContain('account/read');
    await codex.close();
  });
});
