/**
 * Remote executors against the real binaries: `codex exec-server`s, each in a UTS namespace of
 * its own (its own hostname, as another machine would have), registered with a real app-server
 * driven by the scripted model.
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inspect } from 'node:util';
import { filter, firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import {
  EnvironmentLostError,
  EnvironmentUnavailableError,
  InvalidInputError,
  startExecServer,
} from '../../src/index.js';
import type { EnvironmentStatus, ExecServer, RunResult } from '../../src/index.js';
import { reply } from '../../src/testing/scripted-model-server.js';
import type { ModelRequest } from '../../src/testing/scripted-model-server.js';
import { processTree, waitUntilGone } from '../support/process-tree.js';
import { startRealCodex } from '../support/real-codex.js';
import type { RealCodex } from '../support/real-codex.js';

function canUnshare(): boolean {
  try {
    execFileSync('unshare', ['--uts', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
// `unshare --uts` needs root (or user namespaces): without it, a hostname cannot tell machines apart.
const UNSHARE = canUnshare();
const withUnshare = UNSHARE ? describe : describe.skip;
if (!UNSHARE) console.warn('executors.real: skipped, `unshare --uts` is not available here');

function executor(
  real: RealCodex,
  hostname: string,
  extra: { port?: number; token?: string } = {},
) {
  return startExecServer({
    codexHome: real.home.path,
    env: real.home.env,
    cwd: real.home.workspace,
    ...extra,
    wrap: ({ executable, args }) => ({
      executable: 'unshare',
      args: ['--uts', 'sh', '-c', `hostname ${hostname} && exec "$0" "$@"`, executable, ...args],
    }),
  });
}

/** Whether the model is called back with a command's output (else: a new user message). */
function afterCommand(request: ModelRequest): boolean {
  return request.input.at(-1)?.type === 'function_call_output';
}

function commandOutputs(result: RunResult): string[] {
  return result.items.flatMap((item) =>
    item.type === 'commandExecution' ? [(item.aggregatedOutput ?? '').trim()] : [],
  );
}

withUnshare('executors (codex exec-server) in their own UTS namespaces', () => {
  let real: RealCodex;
  const executors: ExecServer[] = [];
  beforeEach(async () => {
    real = await startRealCodex();
  });
  afterEach(async () => {
    for (const e of executors.splice(0)) await e.close();
    await real.close();
  });

  it("each thread's commands run on its own executor: `hostname` prints that executor's", async () => {
    const a = await executor(real, 'exec-a');
    const b = await executor(real, 'exec-b');
    executors.push(a, b);
    await real.codex.addEnvironment({ environmentId: 'a', ...a.environment });
    await real.codex.addEnvironment({ environmentId: 'b', ...b.environment });
    expect(await real.codex.environmentStatus('a')).toEqual({
      environmentId: 'a',
      status: 'ready',
    });
    const cwd = real.home.workspace;
    const onA = await real.codex.startThread({ environments: [{ environmentId: 'a', cwd }] });
    const onB = await real.codex.startThread({ environments: [{ environmentId: 'b', cwd }] });
    real.model.respondWith((request) =>
      !afterCommand(request) ? reply.execCommand('hostname') : reply.text('done'),
    );
    const [ra, rb] = await Promise.all([onA.run('where are you?'), onB.run('where are you?')]);
    expect(commandOutputs(ra)).toEqual(['exec-a']);
    expect(commandOutputs(rb)).toEqual(['exec-b']);
  });

  it('an executor killed mid-command fails that turn with EnvironmentLostError; the other goes on; re-adding after a restart works', async () => {
    const a = await executor(real, 'exec-a');
    const b = await executor(real, 'exec-b');
    executors.push(a, b);
    await real.codex.addEnvironment({ environmentId: 'a', ...a.environment });
    await real.codex.addEnvironment({ environmentId: 'b', ...b.environment });
    const cwd = real.home.workspace;
    const onA = await real.codex.startThread({ environments: [{ environmentId: 'a', cwd }] });
    const onB = await real.codex.startThread({ environments: [{ environmentId: 'b', cwd }] });
    real.model.respondWith((request) => {
      if (afterCommand(request)) return reply.text('done');
      return request.lastUserText() === 'long'
        ? reply.execCommand('sleep 20')
        : reply.execCommand('sleep 3 && hostname');
    });
    const seen: EnvironmentStatus[] = [];
    const watch = real.codex.environmentStatus$('a').subscribe((s) => seen.push(s));
    const turnA = onA.turn('long');
    const endA = lastValueFrom(turnA.pipe(toArray())).catch((e: unknown) => e);
    const runB = onB.run('short');
    const turnAId = await turnA.turnId;
    const serverEndedA = firstValueFrom(
      real.codex.notifications$.pipe(
        filter((n) => n.method === 'turn/completed' && n.params.turn.id === turnAId),
      ),
    );
    // Kill the executor once its `sleep 20` runs (its tree: the wrapper, the server, the sleep).
    const deadline = Date.now() + 30_000;
    while (!processTree(a.pid!).some((p) => p.command === 'sleep 20')) {
      if (Date.now() > deadline) throw new Error('sleep 20 never ran on executor a');
      await new Promise((r) => setTimeout(r, 100));
    }
    const treeOfA = processTree(a.pid!);
    process.kill(a.pid!, 'SIGKILL');
    const error = await endA;
    expect(error).toBeInstanceOf(EnvironmentLostError);
    const lost = error as EnvironmentLostError;
    expect(lost).toMatchObject({ environmentId: 'a', threadId: onA.id, code: 'environment_lost' });
    expect(lost.reason).toMatch(/recovering|connect|closed|disconnect/i);
    expect(lost.failedItems).toEqual([
      expect.objectContaining({ type: 'commandExecution', status: 'failed' }),
    ]);
    expect(seen.map((s) => s.status)).toContain('disconnected');
    expect(seen.find((s) => s.status === 'disconnected')?.error).toBe(lost.reason);
    // The other executor's thread is untouched.
    expect(commandOutputs(await runB)).toEqual(['exec-b']);
    // Nothing of the killed executor's tree is left (its `sleep 20` included).
    expect(await waitUntilGone(treeOfA)).toEqual([]);
    // Restart it on the same port with the same token, add it again: thread A runs there again.
    const url = new URL(a.url);
    const again = await executor(real, 'exec-a', { port: Number(url.port), token: a.token! });
    executors.push(again);
    await real.codex.addEnvironment({ environmentId: 'a', ...again.environment });
    // The server ends the failed turn after the interrupt; wait for that before the next.
    await serverEndedA;
    real.model.respondWith((request) =>
      !afterCommand(request) ? reply.execCommand('hostname') : reply.text('done'),
    );
    expect(commandOutputs(await onA.run('and now?'))).toEqual(['exec-a']);
    expect(seen.at(-1)?.status).toBe('ready');
    watch.unsubscribe();
  });

  it('a wrong token is an EnvironmentUnavailableError (authentication_failed) that never shows the token', async () => {
    const a = await executor(real, 'exec-a');
    executors.push(a);
    const wrong = 'wrong-token-0123456789abcdef';
    const error = await real.codex
      .addEnvironment({ environmentId: 'a', url: a.url, token: wrong })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentUnavailableError);
    expect(error).toMatchObject({ code: 'authentication_failed', environmentId: 'a', url: a.url });
    const shown = [
      (error as Error).message,
      inspect(error, { depth: 10 }),
      JSON.stringify(error),
      JSON.stringify((error as EnvironmentUnavailableError).data),
      inspect(a),
      JSON.stringify(a),
    ].join('\n');
    expect(shown).toContain('401');
    expect(shown).not.toContain(wrong);
    expect(shown).not.toContain(a.token!);
    // The token file (mode 0600) is the executor's: it goes with close().
  });
});

describe('addEnvironment input (no executor needed)', () => {
  let real: RealCodex;
  beforeAll(async () => {
    real = await startRealCodex();
  });
  afterAll(() => real.close());

  it.each([
    [{ environmentId: '', url: 'ws://127.0.0.1:1' }, 'environmentId'],
    [{ environmentId: 'x', url: 'http://127.0.0.1:1' }, 'url'],
    [{ environmentId: 'x', url: 'not a url' }, 'url'],
    [{ environmentId: 'x', url: 'ws://127.0.0.1:1', token: 'a b' }, 'token'],
    [{ environmentId: 'x', url: 'ws://127.0.0.1:1', token: 't', bearer: 'u' }, 'bearer'],
    [
      { environmentId: 'x', url: 'ws://127.0.0.1:1', tokenFile: '/nonexistent/codex-rx-token' },
      'tokenFile',
    ],
  ])('%j is an InvalidInputError naming %s', async (options, field) => {
    const error = await real.codex.addEnvironment(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field });
  });

  it('a token file with several lines, a throwing bearer(): typed errors that name the source, never the value', async () => {
    const file = path.join(real.home.path, 'two-lines');
    await writeFile(file, 'first-secret-line\nsecond-secret-line\n', { mode: 0o600 });
    const several = await real.codex
      .addEnvironment({ environmentId: 'x', url: 'ws://127.0.0.1:1', tokenFile: file })
      .catch((e: unknown) => e);
    expect(several).toMatchObject({ field: 'tokenFile' });
    expect(String((several as Error).message)).not.toMatch(/secret-line/);
    const thrown = await real.codex
      .addEnvironment({
        environmentId: 'x',
        url: 'ws://127.0.0.1:1',
        bearer: () => {
          throw new Error('could not read hunter2-hunter2');
        },
      })
      .catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(InvalidInputError);
    expect(thrown).toMatchObject({ field: 'bearer' });
    expect(inspect(thrown)).not.toContain('hunter2');
  });

  it('an unknown environment id answers status unknown; nothing listening is EnvironmentUnavailableError', async () => {
    expect(await real.codex.environmentStatus('nope')).toMatchObject({ status: 'unknown' });
    const error = await real.codex
      .addEnvironment({
        environmentId: 'gone',
        url: 'ws://127.0.0.1:1',
        token: 'some-token-value',
        readyTimeoutMs: 5000,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentUnavailableError);
    expect(error).toMatchObject({ code: 'environment_unavailable' });
    expect(inspect(error)).not.toContain('some-token-value');
  });

  it('environmentStatus$ is shared: a late subscriber gets the status now; it completes when the client closes', async () => {
    const other = await startRealCodex();
    try {
      await other.codex.addEnvironment({
        environmentId: 'later',
        url: 'ws://127.0.0.1:1',
        waitUntilReady: false,
      });
      const status$ = other.codex.environmentStatus$('later');
      const first = firstValueFrom(status$.pipe(filter((s) => s.status === 'disconnected')));
      const held = status$.subscribe();
      await first;
      // Subscribed after the only change: it still gets the current status at once.
      expect(await firstValueFrom(status$)).toMatchObject({ status: 'disconnected' });
      const all = lastValueFrom(status$.pipe(toArray()));
      await other.codex.close();
      expect((await all).length).toBeGreaterThan(0);
      held.unsubscribe();
    } finally {
      await other.close();
    }
  });

  it('close() of an executor leaves no process of its tree', async () => {
    const e = await startExecServer({ codexHome: real.home.path, env: real.home.env });
    const tree = processTree(e.pid!);
    expect(tree.length).toBeGreaterThan(0);
    await e.close();
    expect(await waitUntilGone(tree)).toEqual([]);
  });
});
