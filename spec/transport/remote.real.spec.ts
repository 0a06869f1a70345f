/**
 * What is particular to a listening app-server (WebSocket with a capability token, and WebSocket
 * over a unix socket): several clients, authentication, loss and
 * heartbeat. Turns, steering, interrupts, approvals and tools run over every transport in the
 * shared real-server suites (spec/support/transports.ts).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inspect } from 'node:util';
import {
  AuthenticationError,
  Codex,
  CodexProcessError,
  ConnectionLostError,
  signedBearer,
  startListener,
} from '../../src/index.js';
import type { AppServerListener } from '../../src/index.js';
import { createCodexHome } from '../../src/testing/codex-home.js';
import type { CodexHome } from '../../src/testing/codex-home.js';
import { ScriptedModelServer, reply } from '../../src/testing/scripted-model-server.js';

describe.each(['ws', 'unix'] as const)('a listening app-server over %s', (listen) => {
  let model: ScriptedModelServer;
  let home: CodexHome;
  let listener: AppServerListener;
  let codex: Codex;

  beforeAll(async () => {
    model = await ScriptedModelServer.start({
      responder: (request) => {
        const prompt = request.lastUserText();
        if (prompt === 'hi')
          return reply.text('over the wire', { chunks: ['over ', 'the ', 'wire'] });
        return reply.text(`echo: ${prompt}`);
      },
    });
    home = await createCodexHome({ modelUrl: model.url });
    listener = await startListener({
      listen,
      codexHome: home.path,
      env: home.env,
      cwd: home.workspace,
    });
    codex = await Codex.connect(listener.connectOptions);
  });
  afterAll(async () => {
    await codex?.close();
    await listener?.close();
    await model.close();
    await home.cleanup();
  });

  it('a second client on the same server sees a thread the first started', async () => {
    const other = await Codex.connect(listener.connectOptions);
    try {
      const thread = await codex.startThread();
      await thread.run('hello from A');
      const resumed = await other.resumeThread(thread.id);
      await expect(resumed.run('hello from B')).resolves.toMatchObject({
        finalResponse: 'echo: hello from B',
      });
      // B's turn continued A's conversation.
      expect(model.modelRequests.at(-1)!.messageTexts()).toContain('hello from A');
    } finally {
      await other.close();
    }
  });
});

describe('remote connection failures', () => {
  let model: ScriptedModelServer;
  let home: CodexHome;
  beforeAll(async () => {
    model = await ScriptedModelServer.start();
    home = await createCodexHome({ modelUrl: model.url });
  });
  afterAll(async () => {
    await model.close();
    await home.cleanup();
  });

  it('a wrong or missing token is an AuthenticationError that does not quote it', async () => {
    await using listener = await startListener({ codexHome: home.path, env: home.env });
    const url = listener.connectOptions.url;
    const wrong = 'not-the-right-token-0123456789';
    const error = await Codex.connect({ url, token: wrong }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, url, code: 'authentication_failed' });
    expect(JSON.stringify(error) + String(error)).not.toContain(wrong);
    await expect(Codex.connect({ url })).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('a server that exits before it listens is reported so: exit code and stderr tail in the message', async () => {
    const started = { codexHome: home.path, env: home.env };
    const refused = await startListener({ ...started, args: ['--no-such-flag'] }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(CodexProcessError);
    expect(refused).toMatchObject({ exitCode: 2, code: 'process_exit' });
    expect(String((refused as Error).message)).toMatch(
      /exited before listening on ws:\/\/127\.0\.0\.1:\d+: codex app-server exited with code 2\nlast stderr lines:[^]*--no-such-flag/,
    );
    // A port another server answers /readyz on: ours cannot bind and exits; that is no success.
    await using other = await startListener(started);
    const port = Number(new URL(other.connectOptions.url).port);
    const taken = await startListener({ ...started, port }).catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(CodexProcessError);
    expect(String((taken as Error).message)).toMatch(
      new RegExp(
        `exited before listening on ws://127\\.0\\.0\\.1:${port}: codex app-server exited with code 1[^]*Address in use`,
      ),
    );
    // A socket path another server holds is refused before a process starts.
    await using unix = await startListener({ ...started, listen: 'unix' });
    const socketPath = unix.connectOptions.socketPath;
    await expect(startListener({ ...started, listen: 'unix', socketPath })).rejects.toMatchObject({
      code: 'address_in_use',
      message: expect.stringContaining(`socket ${socketPath} is already in use`),
    });
  });

  it('a listener handle shows no token in util.inspect or JSON.stringify, yet connects', async () => {
    await using listener = await startListener({ codexHome: home.path, env: home.env });
    const token = listener.connectOptions.token!;
    for (const shown of [
      inspect(listener),
      inspect(listener, { depth: Infinity, showHidden: true }),
      inspect(listener.connectOptions),
      JSON.stringify(listener),
      JSON.stringify(listener.connectOptions),
    ]) {
      expect(shown).not.toContain(token);
    }
    expect(inspect(listener)).toContain('[redacted]');
    expect(JSON.parse(JSON.stringify(listener.connectOptions))).toEqual({
      url: listener.connectOptions.url,
      token: '[redacted]',
    });
    // The options still carry the token, spread or not.
    const codex = await Codex.connect({ ...listener.connectOptions, heartbeatIntervalMs: false });
    await codex.close();
  });

  it('a token file is read as one token: a trailing newline is fine, a second line is refused', async () => {
    await using listener = await startListener({ codexHome: home.path, env: home.env });
    const { url, token } = listener.connectOptions;
    const tokenFile = path.join(home.path, 'client-token');
    await writeFile(tokenFile, `${token!}\n`, { mode: 0o600 });
    const codex = await Codex.connect({ url, tokenFile });
    await expect(codex.listThreads()).resolves.toBeDefined();
    await codex.close();
    await writeFile(tokenFile, `${token!}\nsecond line\n`, { mode: 0o600 });
    const error = await Codex.connect({ url, tokenFile }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ source: `tokenFile ${tokenFile}`, status: undefined });
    expect(JSON.stringify(error) + String(error)).not.toContain(token!);
  });

  it('signed bearer tokens: a valid one connects; expired, wrong audience or wrong secret is refused', async () => {
    const secret = 'a-shared-secret-of-at-least-32-bytes-0123456789';
    await using listener = await startListener({
      codexHome: home.path,
      env: home.env,
      auth: { sharedSecret: secret, issuer: 'codex-rx-tests', audience: 'codex' },
    });
    const claims = { secret, issuer: 'codex-rx-tests', audience: 'codex' };
    const connect = (options: Parameters<typeof signedBearer>[0]) =>
      Codex.connect({ ...listener.connectOptions, bearer: signedBearer(options) });
    const codex = await connect(claims);
    model.enqueue(reply.text('signed in'));
    await expect((await codex.startThread()).run('hi')).resolves.toMatchObject({
      finalResponse: 'signed in',
    });
    await codex.close();
    for (const bad of [
      { ...claims, ttlSeconds: -120 },
      { ...claims, audience: 'someone-else' },
      { ...claims, secret: 'not-the-shared-secret-not-the-shared-secret' },
    ]) {
      await expect(connect(bad)).rejects.toBeInstanceOf(AuthenticationError);
    }
  });

  it.each(['ws', 'unix'] as const)(
    'over %s, a server killed mid-turn fails the turn and pending requests with ConnectionLostError',
    async (listen) => {
      const listener = await startListener({ listen, codexHome: home.path, env: home.env });
      // A connect that fails still ends the listener: it would outlive the test otherwise.
      const codex = await Codex.connect(listener.connectOptions).catch(async (error: unknown) => {
        await listener.close();
        throw error;
      });
      try {
        const thread = await codex.startThread();
        model.enqueue(reply.hang('working'));
        const run = thread.run('long').catch((e: unknown) => e);
        await model.waitForModelRequests(model.modelRequests.length + 1);
        process.kill(listener.pid!, 'SIGKILL');
        const error = await run;
        expect(error).toBeInstanceOf(ConnectionLostError);
        await expect(codex.listThreads()).rejects.toBeInstanceOf(ConnectionLostError);
      } finally {
        await codex.close();
        await listener.close();
      }
    },
  );

  it('a hung server (SIGSTOP) is detected by the heartbeat', async () => {
    const listener = await startListener({ codexHome: home.path, env: home.env });
    const codex = await Codex.connect({
      ...listener.connectOptions,
      // Wide enough that a loaded CI machine still answers every ping before the stop: a 200 ms
      // timeout once failed `initialize` itself at load 9 on 2 cores (and, before the catch
      // below, left that listener running for an hour).
      heartbeatIntervalMs: 500,
      heartbeatTimeoutMs: 3000,
    }).catch(async (error: unknown) => {
      await listener.close();
      throw error;
    });
    try {
      // Stopped first: a request sent before could be answered before the signal lands.
      process.kill(listener.pid!, 'SIGSTOP');
      const error = await codex.listThreads().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionLostError);
      expect(String((error as Error).message)).toMatch(/no pong/);
    } finally {
      process.kill(listener.pid!, 'SIGCONT');
      await codex.close();
      await listener.close();
    }
  });
});
