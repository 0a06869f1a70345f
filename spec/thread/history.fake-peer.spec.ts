/** Paging of a thread's turns and items: every page, in order, fetched only as needed. */
import { lastValueFrom, take, toArray } from 'rxjs';
import { Codex } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';
import type { SentMessage } from '../support/fake-peer.js';

const PAGES: Record<string, { data: Array<{ id: string }>; nextCursor: string | null }> = {
  first: { data: [{ id: 't3' }, { id: 't2' }], nextCursor: 'c1' },
  c1: { data: [{ id: 't1' }], nextCursor: null },
};

async function setup() {
  const peer = new FakePeer()
    .handle('thread/start', () => ({
      result: { thread: { id: 'th-1', status: { type: 'idle' }, preview: '', ephemeral: false } },
    }))
    .handle('thread/turns/list', (params) => {
      const cursor = (params as { cursor?: string }).cursor;
      return { result: { ...PAGES[cursor ?? 'first'], backwardsCursor: null } };
    });
  const codex = await Codex.connect(peer.transport);
  const thread = await codex.startThread();
  const lists = (): SentMessage[] => peer.received.filter((m) => m.method === 'thread/turns/list');
  return { peer, codex, thread, lists };
}

describe('thread history paging', () => {
  it('turns() walks every page with the cursor the server gave, passing the options', async () => {
    const { codex, thread, lists } = await setup();
    const ids: string[] = [];
    for await (const turn of thread.turns({ limit: 2, itemsView: 'full' })) ids.push(turn.id);
    expect(ids).toEqual(['t3', 't2', 't1']);
    expect(lists().map((m) => m.params)).toEqual([
      { threadId: 'th-1', limit: 2, itemsView: 'full' },
      { threadId: 'th-1', limit: 2, itemsView: 'full', cursor: 'c1' },
    ]);
    await codex.close();
  });

  it('turns$() is cold and lazy: take(2) fetches one page only', async () => {
    const { codex, thread, lists } = await setup();
    const turns$ = thread.turns$();
    expect(lists()).toHaveLength(0);
    const two = await lastValueFrom(turns$.pipe(take(2), toArray()));
    expect(two.map((t) => t.id)).toEqual(['t3', 't2']);
    expect(lists()).toHaveLength(1);
    const all = await lastValueFrom(turns$.pipe(toArray()));
    expect(all.map((t) => t.id)).toEqual(['t3', 't2', 't1']);
    await codex.close();
  });

  it('breaking out of items() stops fetching', async () => {
    const { peer, codex, thread } = await setup();
    peer.handle('thread/items/list', () => ({
      result: {
        data: [{ turnId: 't1', item: { type: 'userMessage', id: 'i1' } }],
        nextCursor: 'more',
        backwardsCursor: null,
      },
    }));
    for await (const entry of thread.items({ turnId: 't1' })) {
      expect(entry.turnId).toBe('t1');
      break;
    }
    expect(peer.received.filter((m) => m.method === 'thread/items/list')).toHaveLength(1);
    await codex.close();
  });
});
