/**
 * Losing a remote app-server, with and without `reconnect`, and several clients on one server:
 * the real binary as a listener, the scripted model, loopback only.
 */
import path from 'node:path';
import { filter, firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { Codex, ConnectionLostError, startListener } from '../../src/index.js';
import type { AnyServerRequest, AppServerListener, ConnectionState } from '../../src/index.js';
import { createCodexHome } from '../../src/testing/codex-home.js';
import type { CodexHome } from '../../src/testing/codex-home.js';
import { ScriptedModelServer, reply } from '../../src/testing/scripted-model-server.js';
import { trackLibraryTimers } from '../support/library-timers.js';

/** Bounds a wait in the test (a hang fails it; the figure is not asserted). */
async function within<T>(promise: Promise<T>, ms = 15_000, what = 'the awaited step'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<T>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no result in ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('remote app-server: loss, reconnect, several clients', () => {
  let model: ScriptedModelServer;
  let home: CodexHome;
  const listeners: AppServerListener[] = [];
  const clients: Codex[] = [];

  beforeAll(async () => {
    model = await ScriptedModelServer.start({
      responder: (request) => {
        const prompt = request.lastUserText();
        if (prompt === 'long') return reply.hang('working');
        if (request.messageTexts('user').some((text) => text.includes('source="goal"')))
          return reply.hang('working on the goal');
        if (prompt === 'risky' && request.functionCallOutputs().length === 0)
          return reply.escalatedCommand(`touch ${path.join(home.workspace, 'risky')}`, 'risky');
        return reply.text(`echo: ${prompt}`);
      },
    });
    home = await createCodexHome({
      modelUrl: model.url,
      approvalPolicy: 'on-request',
      sandboxMode: 'workspace-write',
    });
  });
  afterAll(async () => {
    for (const client of clients) await client.close();
    for (const listener of listeners) await listener.close();
    await model.close();
    await home.cleanup();
  });

  async function listen(options: { port?: number; token?: string } = {}) {
    const listener = await startListener({
      codexHome: home.path,
      env: home.env,
      cwd: home.workspace,
      ...options,
    });
    listeners.push(listener);
    return listener;
  }

  async function connect(listener: AppServerListener, reconnect?: boolean) {
    const client = await Codex.connect(
      listener.connectOptions,
      reconnect ? { reconnect: { retries: 40, backoff: { initialMs: 50, maxMs: 250 } } } : {},
    );
    clients.push(client);
    return client;
  }

  it('fails the running turn with ConnectionLostError, dials again, and the thread resumes with its history', async () => {
    const first = await listen();
    const url = new URL(first.connectOptions.url);
    // The token through bearer(): asked again at each connect (a signed one would be fresh).
    let bearerCalls = 0;
    const codex = await Codex.connect(
      {
        url: first.connectOptions.url,
        bearer: () => {
          bearerCalls++;
          return first.connectOptions.token!;
        },
      },
      { reconnect: { retries: 40, backoff: { initialMs: 50, maxMs: 250 } } },
    );
    clients.push(codex);
    const states: ConnectionState[] = [];
    codex.connectionState$.subscribe((state) => states.push(state));
    const thread = await codex.startThread();
    await thread.run('before');

    const turn = thread.turn('long');
    const ended = lastValueFrom(turn).catch((error: unknown) => error);
    await firstValueFrom(turn.pipe(filter((e) => e.method === 'item/agentMessage/delta')));
    process.kill(first.pid!, 'SIGKILL');
    const error = await within(ended);
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect((error as ConnectionLostError).url).toBe(`ws://127.0.0.1:${url.port}`);
    // While it is away, requests fail at once; nothing is queued to run later.
    await expect(codex.listThreads()).rejects.toBeInstanceOf(ConnectionLostError);

    // Same port, same token, same CODEX_HOME: the client gets back in by itself.
    await listen({ port: Number(url.port), token: first.connectOptions.token! });
    await within(firstValueFrom(codex.connectionState$.pipe(filter((s) => s === 'ready'))));
    expect(states).toEqual(expect.arrayContaining(['ready', 'reconnecting', 'connecting']));
    expect(states.at(-1)).toBe('ready');
    expect(bearerCalls).toBeGreaterThanOrEqual(2);

    await thread.reconnect();
    const turns = await lastValueFrom(thread.turns$({ sortDirection: 'asc' }).pipe(toArray()));
    expect(turns.length).toBeGreaterThanOrEqual(1);
    expect(turns[0]!.status).toBe('completed');
    const after = await thread.run('after');
    expect(after.finalResponse).toBe('echo: after');
    // The thread's history came back with it: the model sees the turns before the loss.
    expect(model.modelRequests.at(-1)!.messageTexts('user')).toEqual(
      expect.arrayContaining(['before', 'after']),
    );
  }, 60_000);

  it('fails a running goal turn with ConnectionLostError too', async () => {
    const listener = await listen();
    const codex = await connect(listener, true);
    const thread = await codex.startThread();
    const turn = thread.turn('Reach the goal', { goal: true });
    const ended = lastValueFrom(turn).catch((error: unknown) => error);
    await within(firstValueFrom(turn.pipe(filter((e) => e.method === 'item/agentMessage/delta'))));
    let state: ConnectionState | undefined;
    codex.connectionState$.subscribe((s) => (state = s));
    process.kill(listener.pid!, 'SIGKILL');
    expect(await within(ended)).toBeInstanceOf(ConnectionLostError);
    // Failed by the loss itself, while the client still dials (not when it gives up).
    expect(state).not.toBe('closed');
    // Its server is gone for good: stop dialing, so its backoff timers do not outlive the test.
    await codex.close();
  });

  it('gives up after its retries: the client closes, its streams error with the loss', async () => {
    const listener = await listen();
    const codex = await Codex.connect(listener.connectOptions, {
      reconnect: { retries: 2, backoff: { initialMs: 20, maxMs: 40 } },
    });
    clients.push(codex);
    const notifications = lastValueFrom(codex.notifications$).catch((error: unknown) => error);
    const states = lastValueFrom(codex.connectionState$.pipe(toArray()));
    process.kill(listener.pid!, 'SIGKILL');
    expect(await within(notifications)).toBeInstanceOf(ConnectionLostError);
    expect(await within(states)).toEqual(
      expect.arrayContaining(['ready', 'reconnecting', 'connecting', 'closed']),
    );
    expect(codex.isClosed).toBe(true);
  }, 30_000);

  it('close() during a reconnect backoff ends it at once, leaving no timer behind', async () => {
    // (No other client of this file is reconnecting now: their timers would count here too.)
    const listener = await listen();
    const codex = await Codex.connect(listener.connectOptions, {
      reconnect: { retries: 3, backoff: { initialMs: 60_000, maxMs: 60_000 } },
    });
    const states = lastValueFrom(codex.connectionState$.pipe(toArray()));
    const timers = trackLibraryTimers();
    try {
      process.kill(listener.pid!, 'SIGKILL');
      await within(
        firstValueFrom(codex.connectionState$.pipe(filter((s) => s === 'reconnecting'))),
      );
      await within(codex.close(), 5_000);
      expect(await within(states, 5_000)).toEqual(['ready', 'reconnecting', 'closed']);
      expect(timers.pending()).toEqual([]);
    } finally {
      timers.restore();
    }
  });

  it('rejects reconnect options it cannot follow, and reconnect on a transport it cannot dial again', async () => {
    const listener = await listen();
    await expect(
      Codex.connect(listener.connectOptions, { reconnect: { retries: -1 } }),
    ).rejects.toThrow(/reconnect.retries must be a whole number/);
    await expect(
      Codex.connect(listener.connectOptions, { reconnect: { backoff: { initialMs: 0 } } }),
    ).rejects.toThrow(/reconnect.backoff.initialMs/);
    // Past the longest Node timer a wait would fire at once: every attempt dialed without a pause.
    for (const maxMs of [Infinity, 3e9, NaN])
      await expect(
        Codex.connect(listener.connectOptions, { reconnect: { backoff: { maxMs } } }),
      ).rejects.toThrow(/reconnect.backoff.maxMs must be/);
    // A spawned server cannot be dialed again: refused, and the server it started is stopped.
    await expect(
      Codex.start({ codexHome: home.path, env: home.env, reconnect: true }),
    ).rejects.toThrow(/reconnect needs a server to dial again/);
  });

  it('two clients on one thread: both see its turns, either may interrupt, the approval goes to each', async () => {
    const listener = await listen();
    const a = await connect(listener);
    const b = await connect(listener);
    const threadA = await a.startThread();
    await threadA.run('hello');
    const threadB = await b.resumeThread(threadA.id);

    // B sees A's turn, and interrupts it: A's stream ends interrupted.
    const seenByB: string[] = [];
    const watchingB = threadB.events$.subscribe((e) => {
      if (e.method === 'turn/started' || e.method === 'turn/completed') seenByB.push(e.method);
    });
    // B's copy of the end comes over its own connection: not necessarily before A's.
    const endedForB = firstValueFrom(
      threadB.events$.pipe(filter((e) => e.method === 'turn/completed')),
    );
    const turn = threadA.turn('long');
    const endedForA = lastValueFrom(turn);
    await firstValueFrom(turn.pipe(filter((e) => e.method === 'item/agentMessage/delta')));
    const turnId = await turn.turnId;
    await b.request('turn/interrupt', { threadId: threadA.id, turnId });
    const last = await within(endedForA, 15_000, "A's interrupted turn");
    expect(last.method === 'turn/completed' && last.params.turn.status).toBe('interrupted');
    await within(endedForB, 15_000, "B's copy of the interrupted turn's end");
    expect(seenByB).toEqual(['turn/started', 'turn/completed']);
    watchingB.unsubscribe();

    // An approval: each subscribed client is asked; the first answer counts.
    const askedA: AnyServerRequest[] = [];
    const askedB: AnyServerRequest[] = [];
    threadA.serverRequests$.subscribe((r) => askedA.push(r));
    threadB.serverRequests$.subscribe((r) => {
      askedB.push(r);
      r.respond({ decision: 'decline' } as never);
    });
    const result = await within(threadA.run('risky'), 15_000, "A's turn with the approval");
    const command = result.items.find((item) => item.type === 'commandExecution');
    expect(command?.type === 'commandExecution' && command.status).toBe('declined');
    expect(askedB).toHaveLength(1);
    // A was asked too; B's answer settled it for both (the server cleared A's copy).
    // A was asked too. Whether (and when) the server then clears A's copy varies from run to run
    // (see docs/remote.md), so only that A was asked is asserted.
    expect(askedA).toHaveLength(1);
  }, 60_000);
});
