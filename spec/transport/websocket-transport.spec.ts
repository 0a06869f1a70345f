/**
 * The WebSocket transport against a peer that writes exact bytes (spec/support/raw-websocket-peer:
 * the upgrade done by hand on `node:net`, no WebSocket library on that side): text frames arrive
 * whole and in order around pings, fragments and binary frames; after any protocol violation
 * nothing more is delivered, pending requests fail with ConnectionLostError and the client is
 * closed at once, though the peer holds TCP open; the heartbeat reports a silent peer within
 * interval + timeout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jest } from '@jest/globals';
import { firstValueFrom, take, toArray } from 'rxjs';
import { Codex, ConnectionLostError, WebSocketTransport } from '../../src/index.js';
import type { RemoteOptions, ServerNotification } from '../../src/index.js';
import { noUncaught } from '../support/no-uncaught.js';
import { answerHandshake, rawWebSocketPeer } from '../support/raw-websocket-peer.js';
import type { RawPeer, RawPeerConnection, RawPeerOptions } from '../support/raw-websocket-peer.js';
import { frame } from '../support/websocket-frame.js';
import { turnObject } from '../support/turn-fixtures.js';

interface Peer {
  peer: RawPeer;
  /** The connection, once the client has initialized. */
  connected: Promise<RawPeerConnection>;
}

/** A raw peer that answers `initialize` and leaves each connection to the test. */
async function peer(options: RawPeerOptions = {}): Promise<Peer> {
  let connected!: (connection: RawPeerConnection) => void;
  const ready = new Promise<RawPeerConnection>((resolve) => (connected = resolve));
  const peer = await rawWebSocketPeer({
    ...options,
    onConnection: (connection) =>
      void answerHandshake(connection).then(() => connected(connection)),
  });
  return { peer, connected: ready };
}

function delta(n: number, text = `token${n} `): ServerNotification {
  return {
    method: 'item/agentMessage/delta',
    params: { threadId: 'th', turnId: 'tu', itemId: 'it', delta: text },
  };
}

const text = (n: number): Buffer => frame(0x81, JSON.stringify(delta(n)));

/** Writes `bytes` in uneven pieces, each in its own turn of the event loop (its own read). */
async function writeInPieces(connection: RawPeerConnection, bytes: Buffer): Promise<void> {
  let seed = 7;
  for (let at = 0; at < bytes.length;) {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    const size = 1 + (seed % 3000);
    connection.write(bytes.subarray(at, at + size));
    at += size;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function connect(
  url: string,
  logs: string[] = [],
  options: Partial<RemoteOptions> = {},
): Promise<{ codex: Codex; transport: WebSocketTransport }> {
  const transport = new WebSocketTransport({ url, heartbeatIntervalMs: false, ...options });
  await transport.start();
  const codex = await Codex.connect(transport, {
    logger: { warn: (message) => logs.push(message), error: (message) => logs.push(message) },
  });
  return { codex, transport };
}

/** Lets real I/O run for `ms` of real time, whether or not timers are faked. */
async function realWait(ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) await new Promise((resolve) => setImmediate(resolve));
}

/** Waits (real time, timers faked or not) for `done()` to hold, up to 5 s. */
async function whenReal(done: () => boolean): Promise<void> {
  const until = performance.now() + 5_000;
  while (!done() && performance.now() < until)
    await new Promise((resolve) => setImmediate(resolve));
}

/** Waits for `done()` to hold, up to 5 s. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('WebSocketTransport, acknowledging what arrives', () => {
  // codex app-server does not set TCP_NODELAY, so a frame it writes while the last is unacked
  // waits for the client's delayed ACK (about 40 ms a turn); the client's data carries the ACK.
  it.each(['tcp', 'unix'] as const)(
    'over %s: a burst of messages gets one empty unsolicited pong on TCP, none on a unix socket',
    async (via) => {
      const dir = via === 'unix' ? await mkdtemp(path.join(tmpdir(), 'codex-rx-ack-')) : undefined;
      const { peer: server, connected } = await peer(
        dir ? { socketPath: path.join(dir, 'peer.sock') } : {},
      );
      const transport = new WebSocketTransport({
        ...(dir ? { socketPath: server.socketPath! } : { url: server.url! }),
        heartbeatIntervalMs: false,
      });
      await transport.start();
      const codex = await Codex.connect(transport);
      try {
        const connection = await connected;
        await realWait(100); // the handshake's own prompts come and go
        const pongs: string[] = [];
        connection.onControl((opcode, payload) => {
          if (opcode === 0xa) pongs.push(payload.toString());
        });
        const seen: unknown[] = [];
        const subscription = codex.notifications$.subscribe((n) => seen.push(n));
        connection.write(Buffer.concat([text(0), text(1), text(2)]));
        await whenReal(() => seen.length === 3 && pongs.length >= (via === 'tcp' ? 1 : 0));
        await realWait(100);
        expect(pongs).toEqual(via === 'tcp' ? [''] : []);
        connection.write(Buffer.concat([text(3), text(4)]));
        await whenReal(() => seen.length === 5 && pongs.length >= (via === 'tcp' ? 2 : 0));
        await realWait(100);
        expect(pongs).toEqual(via === 'tcp' ? ['', ''] : []);
        subscription.unsubscribe();
      } finally {
        await codex.close();
        await server.close();
        if (dir) await rm(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('WebSocketTransport, reading frames', () => {
  it('delivers every text frame whole and in order, around pings, a fragmented message and a binary frame', async () => {
    const { peer: server, connected } = await peer();
    const logs: string[] = [];
    const { codex } = await connect(server.url!, logs);
    try {
      const connection = await connected;
      const pongs: string[] = [];
      connection.onControl((opcode, payload) => {
        // (An empty pong is the client's own ACK prompt: see "acknowledging what arrives" above.)
        if (opcode === 0xa && payload.length) pongs.push(payload.toString());
      });
      const sent = [
        ...Array.from({ length: 300 }, (_, n) => delta(n)),
        delta(300, 'naïve – ✓ 🎉 and a real \uFFFD'),
        delta(301, 'x'.repeat(70_000)),
        delta(302, 'fragmented'),
        delta(303),
      ];
      const texts = sent.map((n) => JSON.stringify(n));
      const fragmented = texts[302]!;
      const bytes = Buffer.concat([
        ...texts.slice(0, 150).map((t) => frame(0x81, t)),
        frame(0x89, 'are you there'),
        ...texts.slice(150, 302).map((t) => frame(0x81, t)),
        frame(0x01, fragmented.slice(0, 10)),
        frame(0x89, 'mid-message'),
        frame(0x80, fragmented.slice(10)),
        frame(0x82, Buffer.from([1, 2, 3])),
        frame(0x81, texts[303]!),
      ]);
      const received = firstValueFrom(codex.notifications$.pipe(take(sent.length), toArray()));
      await writeInPieces(connection, bytes);
      expect(await received).toEqual(sent);
      await until(() => pongs.length === 2);
      expect(pongs).toEqual(['are you there', 'mid-message']);
      expect(logs.filter((line) => line.includes('binary frame'))).toHaveLength(1);
    } finally {
      await codex.close();
      await server.close();
    }
  });

  it("a turn's late subscriber gets every event so far, equal and in order, then the rest", async () => {
    let connected!: (connection: RawPeerConnection) => void;
    const ready = new Promise<RawPeerConnection>((resolve) => (connected = resolve));
    const server = await rawWebSocketPeer({
      onConnection: (connection) => {
        void answerHandshake(connection, (message) => {
          if (message.method === 'thread/start')
            return { thread: { id: 'th', status: { type: 'idle' } } };
          return message.method === 'turn/start' ? { turn: turnObject('tu', 'inProgress') } : {};
        });
        connected(connection);
      },
    });
    const { codex } = await connect(server.url!);
    try {
      const connection = await ready;
      const thread = await codex.startThread();
      const turn = thread.turn('go');
      const first: unknown[] = [];
      const firstDone = new Promise<void>((resolve, reject) =>
        turn.subscribe({ next: (e) => void first.push(e), complete: resolve, error: reject }),
      );
      await turn.turnId;
      // Multi-byte text, and frames from a few bytes to past a megabyte: what the turn keeps for
      // late subscribers spans many of its buffers and frames larger than any one of them.
      const sent = [
        ...Array.from({ length: 3000 }, (_, n) =>
          delta(n, n % 7 ? `token${n} ` : `naïve ✓ 🎉 ${n}`),
        ),
        delta(3000, 'é'.repeat(300_000)),
        delta(3001, '🎉'.repeat(400_000)),
        delta(3002, 'after the big ones'),
      ].map((d) => ({ ...d, params: { ...d.params, threadId: 'th', turnId: 'tu' } }));
      await writeInPieces(
        connection,
        Buffer.concat(sent.map((d) => frame(0x81, JSON.stringify(d)))),
      );
      await whenReal(() => first.length === sent.length);
      const late: unknown[] = [];
      const lateDone = new Promise<void>((resolve, reject) =>
        turn.subscribe({ next: (e) => void late.push(e), complete: resolve, error: reject }),
      );
      expect(late).toEqual(sent);
      const completed = {
        method: 'turn/completed',
        params: { threadId: 'th', turn: turnObject('tu', 'completed') },
      };
      connection.write(frame(0x81, JSON.stringify(completed)));
      await Promise.all([firstDone, lateDone]);
      expect(late).toEqual([...sent, completed]);
      expect(first).toEqual(late);
    } finally {
      await codex.close();
      await server.close();
    }
  });

  it('offers no extension: no permessage-deflate on the connection', async () => {
    const { peer: server, connected } = await peer();
    const { codex } = await connect(server.url!);
    try {
      expect((await connected).request).not.toMatch(/sec-websocket-extensions/i);
    } finally {
      await codex.close();
      await server.close();
    }
  });
});

/**
 * Frames `ws` refuses (RFC 6455 §5): each is sent after a valid notification and before another,
 * by a peer that then keeps TCP open and ignores the client's close frame.
 */
const VIOLATIONS: ReadonlyArray<readonly [string, Buffer]> = [
  ['a continuation with no message open', frame(0x80, 'orphan')],
  ['a control frame over 125 bytes', frame(0x89, 'p'.repeat(126))],
  ['a control frame without FIN', frame(0x09, 'ping')],
  [
    'a new data frame inside a fragmented message',
    Buffer.concat([frame(0x01, '{"method":'), frame(0x81, '"x"}')]),
  ],
  ['a masked server frame', frame(0x81, JSON.stringify(delta(99)), Buffer.from([1, 2, 3, 4]))],
  ['reserved bit 1 with no extension', frame(0xc1, JSON.stringify(delta(99)))],
  ['reserved bit 2', frame(0xa1, JSON.stringify(delta(99)))],
  ['reserved bit 3', frame(0x91, JSON.stringify(delta(99)))],
  ['an unknown opcode', frame(0x83, 'x')],
  ['a text frame of invalid UTF-8', frame(0x81, Buffer.from([0x7b, 0xff, 0x7d]))],
  [
    'a frame announcing more than the 64 MiB a message may have',
    Buffer.concat([Buffer.from([0x81, 127]), Buffer.from([0, 0, 0, 1, 0, 0, 0, 0])]),
  ],
];

describe('WebSocketTransport, after a protocol violation', () => {
  it.each(VIOLATIONS)(
    '%s: nothing after it is delivered, a pending request fails ConnectionLostError, the client is closed at once',
    async (_what, violation) => {
      await noUncaught(async () => {
        const { peer: server, connected } = await peer({ onClientClose: 'hold' });
        const logs: string[] = [];
        const { codex } = await connect(server.url!, logs);
        const seen: ServerNotification[] = [];
        codex.notifications$.subscribe({ next: (n) => seen.push(n), error: () => undefined });
        try {
          const connection = await connected;
          const pending = codex.request('account/read', {}).catch((e: unknown) => e);
          // One write: the valid frame after the violation is in the same read as it.
          connection.write(Buffer.concat([text(1), violation, text(2)]));
          // Another read later: `ws` must not be reading any more.
          await new Promise((resolve) => setTimeout(resolve, 20));
          connection.write(text(3));
          const error = await pending;
          expect(error).toBeInstanceOf(ConnectionLostError);
          expect((error as ConnectionLostError).reason).toMatch(/^WebSocket protocol error: /);
          expect(codex.isClosed).toBe(true);
          await new Promise((resolve) => setTimeout(resolve, 50));
          expect(seen).toEqual([delta(1)]);
          // The client ended TCP itself; the peer never closed its side.
          await connection.gone;
          expect(connection.socket.destroyed || connection.socket.writable).toBe(true);
        } finally {
          await codex.close();
          await server.close();
        }
      });
    },
    // Far below `ws`'s own 30 s closing handshake, which the held-open peer would stretch.
    10_000,
  );

  it('frames after a close frame are not delivered, and the client is closed promptly', async () => {
    await noUncaught(async () => {
      const { peer: server, connected } = await peer({ onClientClose: 'hold' });
      const { codex } = await connect(server.url!);
      const seen: ServerNotification[] = [];
      codex.notifications$.subscribe({ next: (n) => seen.push(n), error: () => undefined });
      try {
        const connection = await connected;
        const pending = codex.request('account/read', {}).catch((e: unknown) => e);
        connection.write(Buffer.concat([text(1), frame(0x88, Buffer.from([0x03, 0xe8])), text(2)]));
        await new Promise((resolve) => setTimeout(resolve, 20));
        connection.write(text(3));
        const error = await pending;
        expect(error).toBeInstanceOf(ConnectionLostError);
        expect(codex.isClosed).toBe(true);
        expect(seen).toEqual([delta(1)]);
      } finally {
        await codex.close();
        await server.close();
      }
    });
  }, 10_000);
});

describe('WebSocketTransport heartbeat', () => {
  afterEach(() => jest.useRealTimers());

  it('a peer that stops answering pings is reported at interval + timeout, saying so', async () => {
    // Fake timers for the heartbeat only; sockets, ticks and immediates stay real.
    jest.useFakeTimers({
      doNotFake: [
        'nextTick',
        'setImmediate',
        'clearImmediate',
        'queueMicrotask',
        'hrtime',
        'performance',
      ],
    });
    const { peer: server, connected } = await peer();
    const { codex } = await connect(server.url!, [], {
      heartbeatIntervalMs: 1_000,
      heartbeatTimeoutMs: 400,
    });
    try {
      const connection = await connected;
      const pings: number[] = [];
      connection.onControl((opcode) => opcode === 0x9 && pings.push(opcode));
      const pending = codex.request('account/read', {}).catch((e: unknown) => e);
      // Answered pings keep the connection.
      for (let i = 1; i <= 3; i++) {
        jest.advanceTimersByTime(1_000);
        await whenReal(() => pings.length === i);
        await realWait(200); // for the pong to reach the client
      }
      jest.advanceTimersByTime(500);
      expect(codex.isClosed).toBe(false);
      // Then silence: the next ping (at 4 s) goes unanswered.
      connection.ponging = false;
      jest.advanceTimersByTime(500);
      await whenReal(() => pings.length === 4);
      jest.advanceTimersByTime(399);
      expect(codex.isClosed).toBe(false);
      jest.advanceTimersByTime(1);
      const error = await pending;
      expect(error).toBeInstanceOf(ConnectionLostError);
      expect((error as ConnectionLostError).reason).toBe('no pong within 400 ms of a ping');
      expect(codex.isClosed).toBe(true);
    } finally {
      jest.useRealTimers();
      await codex.close();
      await server.close();
    }
  }, 20_000);
});
