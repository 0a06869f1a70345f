/**
 * Remote edges against a raw WebSocket peer (spec/support/raw-websocket-peer): `close()` during a
 * reconnect dial leaves no socket or timer; every way of supplying a token that fails (missing,
 * empty or several-line file, a throwing, hanging or wrong `bearer()`, a token no header can
 * carry) is an AuthenticationError naming the source and never the token; timeouts that no timer
 * can hold are refused.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import {
  AuthenticationError,
  Codex,
  CodexError,
  InvalidInputError,
  WebSocketTransport,
  signedBearer,
} from '../../src/index.js';
import type { RemoteOptions } from '../../src/index.js';
import { MAX_CREDENTIAL_FILE_BYTES } from '../../src/transport/read-credential-file.js';
import { trackLibraryTimers } from '../support/library-timers.js';
import { noUncaught } from '../support/no-uncaught.js';
import { answerHandshake, rawWebSocketPeer } from '../support/raw-websocket-peer.js';
import type { RawPeer } from '../support/raw-websocket-peer.js';

/** Bounds a wait in the test (a hang fails it; the figure is not asserted). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<T>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sockets and timers the process holds, by kind (what would keep it alive). */
function resources(): { sockets: number; timers: number } {
  const info = process.getActiveResourcesInfo();
  return {
    sockets: info.filter((kind) => kind.startsWith('TCP')).length,
    timers: info.filter((kind) => kind === 'Timeout').length,
  };
}

describe('close() during a reconnect dial', () => {
  it('ends the socket being dialed at once: no socket or timer of the client is left', async () => {
    await noUncaught(async () => {
      let silent = false;
      const peer = await rawWebSocketPeer({
        mode: () => (silent ? 'silent' : 'upgrade'),
        onConnection: (connection) => void answerHandshake(connection),
      });
      const codex = await Codex.connect(
        // A dial that hangs in the upgrade would wait out this whole timeout.
        { url: peer.url!, heartbeatIntervalMs: false, connectTimeoutMs: 120_000 },
        { reconnect: { retries: 3, backoff: { initialMs: 1, maxMs: 1 } } },
      );
      const states: string[] = [];
      codex.connectionState$.subscribe((state) => states.push(state));
      const timers = trackLibraryTimers();
      try {
        const baseline = resources();
        // The server now accepts TCP and never answers an upgrade; the connection is dropped.
        silent = true;
        const dialed = peer.nextAccepted();
        peer.accepted[0]!.destroy();
        const dialing = await within(dialed, 10_000, 'the reconnect dial');
        expect(states.at(-1)).toBe('connecting');
        await within(codex.close(), 5_000, 'close()');
        // The client ended the dialed TCP connection itself (the peer never would).
        await within(
          new Promise((resolve) =>
            dialing.destroyed ? resolve(null) : dialing.once('close', resolve),
          ),
          5_000,
          'the dialed socket to close',
        );
        await new Promise((resolve) => setImmediate(resolve));
        expect(timers.pending()).toEqual([]);
        // One socket fewer than while connected (the client's), none more; no timer more.
        const after = resources();
        expect(after.sockets).toBeLessThan(baseline.sockets);
        expect(after.timers).toBeLessThanOrEqual(baseline.timers);
        expect(states.at(-1)).toBe('closed');
      } finally {
        timers.restore();
        await codex.close();
        await peer.close();
      }
    });
  }, 30_000);

  it('a transport closed while it dials rejects start() and holds nothing', async () => {
    const peer = await rawWebSocketPeer({ mode: () => 'silent' });
    const timers = trackLibraryTimers();
    try {
      const transport = new WebSocketTransport({ url: peer.url!, connectTimeoutMs: 120_000 });
      const accepted = peer.nextAccepted();
      const started = transport.start().catch((e: unknown) => e);
      const socket = await within(accepted, 10_000, 'the dial');
      await transport.close();
      expect(await within(started, 5_000, 'start() to settle')).toMatchObject({ code: 'closed' });
      await within(
        new Promise((resolve) =>
          socket.destroyed ? resolve(null) : socket.once('close', resolve),
        ),
        5_000,
        'the dialed socket to close',
      );
      expect(timers.pending()).toEqual([]);
    } finally {
      timers.restore();
      await peer.close();
    }
  });
});

describe('token sources that fail', () => {
  let peer: RawPeer;
  let dir: string;
  const authorizations: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'codex-rx-token-'));
    peer = await rawWebSocketPeer({
      onConnection: (connection) => {
        authorizations.push(/^authorization:\s*(.*)$/im.exec(connection.request)?.[1] ?? '');
        void answerHandshake(connection);
      },
    });
  });
  afterAll(async () => {
    await peer.close();
    await rm(dir, { recursive: true, force: true });
  });

  const SECRET = 'tok-0123456789abcdef-the-secret';
  const file = async (name: string, content: string): Promise<string> => {
    const where = path.join(dir, name);
    await writeFile(where, content, { mode: 0o600 });
    return where;
  };

  /** Connects and returns the error, checking it is typed, names `source` and quotes no secret. */
  async function refused(options: Partial<RemoteOptions>, source: string | RegExp): Promise<Error> {
    const before = authorizations.length;
    const error = (await Codex.connect({ url: peer.url!, ...options }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ code: 'authentication_failed', status: undefined });
    const named = (error as AuthenticationError).source!;
    if (typeof source === 'string') expect(named).toBe(source);
    else expect(named).toMatch(source);
    expect(error.message).toContain(named);
    const shown = `${String(error)} ${JSON.stringify(error)} ${error.stack ?? ''}`;
    expect(shown).not.toContain(SECRET);
    expect(shown).not.toContain('second-line');
    // Nothing was sent: no upgrade with a half-read or wrong token.
    expect(authorizations.length).toBe(before);
    return error;
  }

  it('a missing token file names the file', async () => {
    const missing = path.join(dir, 'no-such-token');
    const error = await refused({ tokenFile: missing }, `tokenFile ${missing}`);
    expect(error.message).toMatch(/could not be read \(ENOENT\)/);
  });

  it('a token file of several lines, or empty, is refused before anything is sent', async () => {
    const several = await file('several', `${SECRET}\nsecond-line-of-it\n`);
    expect((await refused({ tokenFile: several }, `tokenFile ${several}`)).message).toMatch(
      /holds 2 lines; it must hold one token/,
    );
    const empty = await file('empty', ' \n');
    expect((await refused({ tokenFile: empty }, `tokenFile ${empty}`)).message).toMatch(/is empty/);
  });

  it('a FIFO, a device or a huge file as the token file is refused at once, without reading it', async () => {
    // A FIFO with no writer would block the read (and the process's exit) past every timeout.
    const fifo = path.join(dir, 'token-fifo');
    await execa('mkfifo', [fifo]);
    const error = await refused({ tokenFile: fifo }, `tokenFile ${fifo}`);
    expect(error.message).toMatch(/could not be read \(not a regular file\)/);
    expect((await refused({ tokenFile: '/dev/zero' }, 'tokenFile /dev/zero')).message).toMatch(
      /not a regular file/,
    );
    const huge = await file('huge', 'x'.repeat(MAX_CREDENTIAL_FILE_BYTES + 1));
    expect((await refused({ tokenFile: huge }, `tokenFile ${huge}`)).message).toMatch(
      /larger than 65536 bytes/,
    );
  });

  it('a token file with a trailing newline is one token, and is sent', async () => {
    const good = await file('good', `${SECRET}\n`);
    const codex = await Codex.connect({ url: peer.url!, tokenFile: good });
    await codex.close();
    expect(authorizations.at(-1)).toBe(`Bearer ${SECRET}`);
  });

  it('a bearer() that throws, hangs or returns no token names bearer()', async () => {
    const thrown = await refused(
      {
        bearer: () => {
          throw new TypeError('no key in the vault');
        },
      },
      'bearer()',
    );
    expect(thrown.message).toMatch(/threw: TypeError: no key in the vault/);
    expect(thrown.cause).toBeInstanceOf(TypeError);
    await refused({ bearer: () => Promise.reject(new Error('vault down')) }, 'bearer()');
    const timers = trackLibraryTimers();
    try {
      const hung = await refused(
        { bearer: () => new Promise<string>(() => undefined), connectTimeoutMs: 100 },
        'bearer()',
      );
      expect(hung.message).toMatch(/did not return within 100 ms/);
      expect(timers.pending()).toEqual([]);
    } finally {
      timers.restore();
    }
    const notString = await refused({ bearer: () => undefined as unknown as string }, 'bearer()');
    expect(notString.message).toMatch(/gave undefined, not a string/);
    await refused({ bearer: () => '' }, 'bearer()');
    await refused({ bearer: () => `${SECRET}\nsecond-line` }, 'bearer()');
  });

  it('signedBearer(): a missing secret file is named; no secret at all is refused at once', async () => {
    const missing = path.join(dir, 'no-such-secret');
    const error = await refused({ bearer: signedBearer({ secretFile: missing }) }, 'bearer()');
    expect(error.message).toContain(`secretFile ${missing} could not be read (ENOENT)`);
    const empty = await file('empty-secret', '\n');
    expect(
      (await refused({ bearer: signedBearer({ secretFile: empty }) }, 'bearer()')).message,
    ).toMatch(/signedBearer: secret is empty/);
    expect(() => signedBearer({})).toThrow(InvalidInputError);
    expect(() => signedBearer({ secret: SECRET, ttlSeconds: Number.NaN })).toThrow(
      /ttlSeconds must be a number/,
    );
  });

  it('a token no header can carry (a line break, spaces, non-ASCII) is refused, not quoted', async () => {
    await refused({ token: `${SECRET}\r\nX-Injected: second-line` }, 'token');
    await refused({ token: `${SECRET} second-line` }, 'token');
    await refused({ token: `${SECRET}é` }, 'token');
    await refused({ token: '' }, 'token');
  });
});

describe('timeout options', () => {
  it.each([
    ['connectTimeoutMs', 0],
    ['connectTimeoutMs', -1],
    ['heartbeatIntervalMs', Number.NaN],
    ['heartbeatIntervalMs', 0.5],
    ['heartbeatTimeoutMs', 2 ** 31],
    ['heartbeatTimeoutMs', Number.POSITIVE_INFINITY],
  ] as const)('%s: %p is refused, naming the option', (field, value) => {
    const make = () => new WebSocketTransport({ url: 'ws://127.0.0.1:1', [field]: value });
    expect(make).toThrow(InvalidInputError);
    expect(make).toThrow(new RegExp(`^Codex.connect: ${field} must be a whole number`));
  });
});

describe('url', () => {
  it.each([
    ['ftp://127.0.0.1:1', /must be ws:\/\/ or wss:\/\/, not ftp:\/\//],
    ['ws://127.0.0.1:1/#frag', /must not have a #fragment/],
    ['not a url', /is not a valid URL/],
  ])('%s is refused before dialing, with a CodexError (invalid_input)', async (url, message) => {
    const error = await Codex.connect({ url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodexError);
    expect(error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(message) });
  });

  it('with two credential sources is refused, naming them and neither value', async () => {
    const error = (await Codex.connect({
      url: 'ws://127.0.0.1:1',
      token: 'secret-token-value',
      tokenFile: '/nonexistent',
    }).catch((e: unknown) => e)) as CodexError;
    expect(error).toBeInstanceOf(CodexError);
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(
      /at most one of token, tokenFile and bearer, not token and tokenFile/,
    );
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain('secret-token-value');
  });
});

describe('startListener() with no binary to start', () => {
  it('fails typed and leaves no listener folder (with its token file) behind', async () => {
    const { startListener, CodexBinaryNotFoundError } = await import('../../src/index.js');
    const { readdir } = await import('node:fs/promises');
    const listeners = async () =>
      (await readdir(tmpdir())).filter((name) => name.startsWith('codex-rx-listener-'));
    const before = new Set(await listeners());
    const saved = process.env.CODEX_RX_CODEX_PATH;
    process.env.CODEX_RX_CODEX_PATH = path.join(tmpdir(), 'no-such-dir', 'codex');
    try {
      await expect(startListener()).rejects.toBeInstanceOf(CodexBinaryNotFoundError);
    } finally {
      if (saved === undefined) delete process.env.CODEX_RX_CODEX_PATH;
      else process.env.CODEX_RX_CODEX_PATH = saved;
    }
    expect((await listeners()).filter((name) => !before.has(name))).toEqual([]);
  });
});
