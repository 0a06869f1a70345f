import { Subject, firstValueFrom, lastValueFrom, switchMap, take, tap, toArray } from 'rxjs';
import {
  ClosedError,
  Codex,
  InvalidInputError,
  JsonRpcError,
  TimeoutError,
} from '../../src/index.js';
import type { ThreadSearchEvent } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';
import type { SentMessage } from '../support/fake-peer.js';

const hit = (id: string) => ({ thread: { id }, snippet: `about ${id}` });
const final = (ids: string[]) => ({
  data: ids.map(hit),
  nextCursor: null,
  backwardsCursor: null,
});

async function connect() {
  const peer = new FakePeer();
  const searches = new Subject<SentMessage>();
  // Left unanswered: each test answers (or not) by hand, in the order it wants on the wire.
  peer.handle('thread/search/stream', (_params, message) => {
    searches.next(message);
    return undefined;
  });
  const codex = await Codex.connect(peer.transport);
  return { peer, codex, searches };
}

describe('codex.searchThreads$ on the wire', () => {
  it('sends thread/search/stream, emits the partials of its request id only, then the final page', async () => {
    const { peer, codex, searches } = await connect();
    const sent = firstValueFrom(searches);
    const events = lastValueFrom(
      codex.searchThreads$('zebra', { limit: 5, archived: false }).pipe(toArray()),
    );
    const request = await sent;
    expect(request.params).toEqual({ limit: 5, archived: false, searchTerm: 'zebra' });
    // Another request's partials (same connection) are not ours.
    peer.notify('thread/search/partial', { requestId: 9999, data: [hit('other')] });
    peer.notify('thread/search/partial', { requestId: request.id, data: [hit('a')] });
    peer.notify('thread/search/partial', { requestId: `${String(request.id)}`, data: [hit('s')] });
    peer.notify('thread/search/partial', { requestId: request.id, data: [hit('b')] });
    peer.respond(request.id, final(['b', 'a']));
    expect(await events).toEqual<ThreadSearchEvent[]>([
      { type: 'partial', data: [hit('a')] as never },
      { type: 'partial', data: [hit('b')] as never },
      { type: 'final', response: final(['b', 'a']) as never },
    ]);
    // Finished on its own: nothing to cancel.
    await new Promise((r) => setTimeout(r, 20));
    expect(peer.received.some((m) => m.method === 'thread/search/stream/cancel')).toBe(false);
    await codex.close();
  });

  it('is cold: each subscription sends its own request and sees only its own partials', async () => {
    const { peer, codex, searches } = await connect();
    const two = firstValueFrom(searches.pipe(take(2), toArray()));
    const search$ = codex.searchThreads$('zebra');
    const first = lastValueFrom(search$.pipe(toArray()));
    const second = lastValueFrom(search$.pipe(toArray()));
    const [r1, r2] = await two;
    expect(r1!.id).not.toEqual(r2!.id);
    peer.notify('thread/search/partial', { requestId: r2!.id, data: [hit('two')] });
    peer.notify('thread/search/partial', { requestId: r1!.id, data: [hit('one')] });
    peer.respond(r1!.id, final(['one']));
    peer.respond(r2!.id, final(['two']));
    expect((await first).map((e) => e.type)).toEqual(['partial', 'final']);
    expect((await first)[0]).toEqual({ type: 'partial', data: [hit('one')] });
    expect((await second)[0]).toEqual({ type: 'partial', data: [hit('two')] });
    await codex.close();
  });

  it('unsubscribing before the end sends thread/search/stream/cancel with its request id', async () => {
    const { peer, codex, searches } = await connect();
    peer.handle('thread/search/stream/cancel', () => ({ result: {} }));
    const sent = firstValueFrom(searches);
    const seen: ThreadSearchEvent[] = [];
    const subscription = codex.searchThreads$('zebra').subscribe((e) => seen.push(e));
    const request = await sent;
    peer.notify('thread/search/partial', { requestId: request.id, data: [hit('a')] });
    await new Promise((r) => setTimeout(r, 20));
    subscription.unsubscribe();
    const cancel = await peer.next('thread/search/stream/cancel');
    expect(cancel.params).toEqual({ requestId: request.id });
    // What the server still sends for it goes nowhere, and the stream's request is not pending.
    peer.notify('thread/search/partial', { requestId: request.id, data: [hit('late')] });
    peer.respond(request.id, final(['a']));
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([{ type: 'partial', data: [hit('a')] }]);
    expect(codex.routingStats().pendingRequests).toBe(0);
    await codex.close();
  });

  it('take(1): the late final answer after its own cancel is no warning (debug at most)', async () => {
    const peer = new FakePeer();
    const held: SentMessage[] = [];
    peer.handle('thread/search/stream', (_params, message) => {
      held.push(message);
      return undefined;
    });
    peer.handle('thread/search/stream/cancel', () => ({ result: {} }));
    const logs: Array<[string, string]> = [];
    const at = (level: string) => (m: string) => void logs.push([level, m]);
    const logger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
    const codex = await Codex.connect(peer.transport, { logger });
    for (let i = 0; i < 3; i++) {
      const first = firstValueFrom(codex.searchThreads$(`zebra ${i}`).pipe(take(1)));
      await peer.next('thread/search/stream');
      const request = held.at(-1)!;
      peer.notify('thread/search/partial', { requestId: request.id, data: [hit('a')] });
      await expect(first).resolves.toMatchObject({ type: 'partial' });
      await peer.next('thread/search/stream/cancel');
      // The server answers anyway, after the client cancelled.
      peer.respond(request.id, final(['a']));
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(logs.filter(([level]) => level === 'warn' || level === 'error')).toEqual([]);
    expect(logs.filter(([, m]) => /given up on/.test(m)).map(([level]) => level)).toEqual([
      'debug',
      'debug',
      'debug',
    ]);
    await codex.close();
  });

  it('switchMap to a new query cancels the previous search by its id; its late partials go nowhere', async () => {
    const { peer, codex, searches } = await connect();
    peer.handle('thread/search/stream/cancel', () => ({ result: {} }));
    const queries = new Subject<string>();
    const seen: ThreadSearchEvent[] = [];
    const done = lastValueFrom(
      queries.pipe(
        switchMap((q) => codex.searchThreads$(q)),
        tap((e) => seen.push(e)),
      ),
    );
    const two = firstValueFrom(searches.pipe(take(2), toArray()));
    queries.next('zeb');
    queries.next('zebra');
    const [first, second] = await two;
    expect((await peer.next('thread/search/stream/cancel')).params).toEqual({
      requestId: first!.id,
    });
    peer.notify('thread/search/partial', { requestId: first!.id, data: [hit('stale')] });
    peer.notify('thread/search/partial', { requestId: second!.id, data: [hit('fresh')] });
    peer.respond(second!.id, final(['fresh']));
    queries.complete();
    await done;
    expect(seen).toEqual([
      { type: 'partial', data: [hit('fresh')] },
      { type: 'final', response: final(['fresh']) },
    ]);
    await codex.close();
  });

  it('skips malformed partials (no params, no data array) without erroring', async () => {
    const { peer, codex, searches } = await connect();
    const sent = firstValueFrom(searches);
    const events = lastValueFrom(codex.searchThreads$('zebra').pipe(toArray()));
    const request = await sent;
    peer.notify('thread/search/partial', undefined);
    peer.notify('thread/search/partial', { requestId: request.id });
    peer.notify('thread/search/partial', { requestId: request.id, data: 'nope' });
    peer.respond(request.id, final(['a']));
    expect(await events).toEqual([{ type: 'final', response: final(['a']) }]);
    await codex.close();
  });

  it('errors with the typed error: JsonRpcError from the server, TimeoutError, ClosedError', async () => {
    const { peer, codex, searches } = await connect();
    const sent = firstValueFrom(searches);
    const refused = lastValueFrom(codex.searchThreads$('zebra')).catch((e: unknown) => e);
    peer.respondError((await sent).id, -32600, 'Invalid request: unknown variant');
    const error = await refused;
    expect(error).toBeInstanceOf(JsonRpcError);
    expect(error).toMatchObject({ method: 'thread/search/stream', code: -32600 });

    const late = await lastValueFrom(codex.searchThreads$('zebra', { timeoutMs: 30 })).catch(
      (e: unknown) => e,
    );
    expect(late).toBeInstanceOf(TimeoutError);
    // Given up on by our timeout: the server is told to stop searching for nobody.
    const timedOut = peer.received.filter((m) => m.method === 'thread/search/stream').at(-1);
    for (
      let i = 0;
      i < 50 && !peer.received.some((m) => m.method === 'thread/search/stream/cancel');
      i++
    )
      await new Promise((r) => setTimeout(r, 10));
    expect(peer.received.filter((m) => m.method === 'thread/search/stream/cancel')).toEqual([
      expect.objectContaining({ params: { requestId: timedOut?.id } }),
    ]);

    const pending = lastValueFrom(codex.searchThreads$('zebra')).catch((e: unknown) => e);
    await codex.close();
    expect(await pending).toBeInstanceOf(ClosedError);
    void peer;
  });

  it('refuses an empty query or bad options at once, naming them', async () => {
    const { codex } = await connect();
    expect(() => codex.searchThreads$('  ')).toThrow(InvalidInputError);
    expect(() => codex.searchThreads$('  ')).toThrow(/thread\/search\/stream: query must be/);
    expect(() => codex.searchThreads$(42 as never)).toThrow(/query must be a non-empty string/);
    expect(() => codex.searchThreads$('x', { timeoutMs: -1 })).toThrow(/options\.timeoutMs/);
    expect(() => codex.searchThreads$('x', null as never)).toThrow(/options must be an object/);
    expect(() => codex.searchThreads$('x', ['a'] as never)).toThrow(/options must be an object/);
    for (const timeoutMs of [Infinity, 2 ** 31, 0.5])
      expect(() => codex.searchThreads$('x', { timeoutMs })).toThrow(/options\.timeoutMs/);
    await codex.close();
  });
});
