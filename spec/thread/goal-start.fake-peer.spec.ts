/**
 * A goal turn ended while `thread/goal/set` (or the sign-in check before it) is still in flight:
 * the stream errors typed and nothing is thrown into the event loop.
 */
import { lastValueFrom } from 'rxjs';
import { ClosedError, Codex, CodexProcessError } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';
import { noUncaught } from '../support/no-uncaught.js';

const threadInfo = { id: 'th-1', status: { type: 'idle' }, preview: '', ephemeral: false };

describe('a goal turn that ends before thread/goal/set answers', () => {
  it.each([
    {
      end: 'close()',
      stop: (_peer: FakePeer, codex: Codex) => codex.close(),
      expected: ClosedError,
    },
    {
      end: 'the server dies',
      stop: (peer: FakePeer) => peer.crash(),
      expected: CodexProcessError,
    },
  ])('$end: the stream errors typed, no unhandled rejection', async ({ stop, expected }) => {
    await noUncaught(async () => {
      const peer = new FakePeer().handle('thread/start', () => ({
        result: { thread: threadInfo },
      }));
      // Left unanswered: the goal's start is in flight when the client ends.
      peer.handle('thread/goal/set', () => undefined);
      const codex = await Codex.connect(peer.transport);
      const thread = await codex.startThread();
      const turn = thread.turn('Ship it', { goal: true });
      const ended = lastValueFrom(turn).catch((error: unknown) => error);
      await peer.next('thread/goal/set');
      await stop(peer, codex);
      expect(await ended).toBeInstanceOf(expected);
      await turn.whenEnded();
      await codex.close();
    });
  });
});
