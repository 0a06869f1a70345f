import { Codex } from '../../src/index.js';
import type { Thread } from '../../src/index.js';
import { FakePeer } from '../../spec/support/fake-peer.js';
import { turnObject } from '../../spec/support/turn-fixtures.js';

/** A codex-rx client connected to an in-process peer that hands out thread and turn ids. */
export async function inMemoryClient(): Promise<{
  peer: FakePeer;
  codex: Codex;
  startThread: () => Promise<Thread>;
}> {
  let threads = 0;
  let turns = 0;
  const peer = new FakePeer()
    .handle('thread/start', () => ({
      result: { thread: { id: `th-${threads++}`, status: { type: 'idle' } } },
    }))
    .handle('turn/start', () => ({ result: { turn: turnObject(`tu-${turns++}`, 'inProgress') } }));
  const codex = await Codex.connect(peer.transport);
  return { peer, codex, startThread: () => codex.startThread() };
}
