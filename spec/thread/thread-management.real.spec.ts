import { from, lastValueFrom, toArray } from 'rxjs';
import { JsonRpcError } from '../../src/index.js';
import { reply } from '../../src/testing/scripted-model-server.js';
import { startRealCodex } from '../support/real-codex.js';
import type { RealCodex } from '../support/real-codex.js';

describe('thread management against the real app-server', () => {
  let real: RealCodex;
  beforeAll(async () => {
    real = await startRealCodex();
  });
  afterAll(() => real.close());

  async function threadWithOneTurn(prompt: string) {
    const thread = await real.codex.startThread();
    real.model.enqueue(reply.text(`answer to ${prompt}`));
    await thread.run(prompt);
    return thread;
  }

  it('unsubscribe() leaves the thread, which can be resumed later', async () => {
    const thread = await threadWithOneTurn('leave me');
    await expect(thread.unsubscribe()).resolves.toEqual({ status: 'unsubscribed' });
    await expect(thread.unsubscribe()).resolves.toEqual({ status: 'notSubscribed' });
    const again = await real.codex.resumeThread(thread.id);
    real.model.enqueue(reply.text('back again'));
    await expect(again.run('hello again')).resolves.toMatchObject({ finalResponse: 'back again' });
  });

  it("pages a thread's turns (newest first) and items (oldest first)", async () => {
    const thread = await threadWithOneTurn('first question');
    real.model.enqueue(reply.text('answer to second question'));
    await thread.run('second question');
    const turns = await lastValueFrom(
      thread.turns$({ limit: 1, itemsView: 'full' }).pipe(toArray()),
    );
    expect(turns).toHaveLength(2);
    const texts = (turn: (typeof turns)[number]) =>
      turn.items.flatMap((item) => (item.type === 'agentMessage' ? [item.text] : []));
    expect(texts(turns[0]!)).toEqual(['answer to second question']);
    expect(texts(turns[1]!)).toEqual(['answer to first question']);
    const items: string[] = [];
    for await (const entry of thread.items({ limit: 1 })) {
      if (entry.item.type === 'userMessage' || entry.item.type === 'agentMessage')
        items.push(entry.item.type);
    }
    expect(items).toEqual(['userMessage', 'agentMessage', 'userMessage', 'agentMessage']);
  });

  it('threads$ reports thread lifecycle: started, renamed, archived', async () => {
    const seen: Array<{ method: string; threadId: string }> = [];
    const watching = real.codex.threads$.subscribe((n) =>
      seen.push({
        method: n.method,
        threadId: 'threadId' in n.params ? n.params.threadId : n.params.thread.id,
      }),
    );
    const thread = await real.codex.startThread();
    real.model.enqueue(reply.text('ok'));
    await thread.run('materialise me');
    await thread.setName('Lifecycle');
    await real.codex.archiveThread(thread.id);
    await new Promise((r) => setTimeout(r, 200));
    watching.unsubscribe();
    const ours = seen.filter((n) => n.threadId === thread.id).map((n) => n.method);
    expect(ours).toEqual(
      expect.arrayContaining([
        'thread/started',
        'thread/status/changed',
        'thread/name/updated',
        'thread/archived',
      ]),
    );
    expect(seen.every((n) => n.method.startsWith('thread/'))).toBe(true);
  });

  it('names and reads a thread', async () => {
    const thread = await threadWithOneTurn('name me');
    await thread.setName('My named thread');
    const read = await real.codex.readThread(thread.id);
    expect(read.thread.id).toBe(thread.id);
    expect(read.thread.name).toBe('My named thread');
    expect((await thread.read()).thread.name).toBe('My named thread');
  });

  it('lists threads page by page and across all pages', async () => {
    const made = [
      await threadWithOneTurn('list one'),
      await threadWithOneTurn('list two'),
      await threadWithOneTurn('list three'),
    ];
    const page = await real.codex.listThreads({ limit: 2 });
    expect(page.data).toHaveLength(2);
    expect(page.nextCursor).toEqual(expect.any(String));
    const all = await lastValueFrom(from(real.codex.allThreads({ limit: 2 })).pipe(toArray()));
    const ids = all.map((t) => t.id);
    for (const thread of made) expect(ids).toContain(thread.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('archives and unarchives', async () => {
    const thread = await threadWithOneTurn('archive me');
    await real.codex.archiveThread(thread.id);
    const archived = await real.codex.listThreads({ archived: true });
    expect(archived.data.map((t) => t.id)).toContain(thread.id);
    const restored = await real.codex.unarchiveThread(thread.id);
    expect(restored.id).toBe(thread.id);
    const active = await real.codex.listThreads({});
    expect(active.data.map((t) => t.id)).toContain(thread.id);
  });

  it('forks a thread into a new one that keeps the history', async () => {
    const thread = await threadWithOneTurn('fork source');
    const fork = await real.codex.forkThread(thread.id);
    expect(fork.id).not.toBe(thread.id);
    real.model.enqueue(reply.text('from the fork'));
    expect((await fork.run('continue in fork')).finalResponse).toBe('from the fork');
    expect(real.model.modelRequests.at(-1)!.messageTexts('user')).toEqual(
      expect.arrayContaining(['fork source', 'continue in fork']),
    );
  });

  it('compacts a thread (the server summarises through the model)', async () => {
    const thread = await threadWithOneTurn('compact me');
    const before = real.model.modelRequests.length;
    real.model.enqueue(reply.text('summary of the conversation'));
    await thread.compact();
    await real.model.waitForModelRequests(before + 1);
    expect(real.model.modelRequests.length).toBe(before + 1);
  });

  it('lists models', async () => {
    const models = await real.codex.listModels();
    expect(Array.isArray(models.data)).toBe(true);
  });

  it('reports server errors as JsonRpcError naming the method', async () => {
    const error = await real.codex
      .readThread('00000000-0000-0000-0000-000000000000')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JsonRpcError);
    expect(error).toMatchObject({ method: 'thread/read' });
  });
});
