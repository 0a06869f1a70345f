/**
 * The WebSocket transport against an in-process peer that writes exact bytes: text frames read
 * straight from the socket arrive whole and in order between the frames `ws` still reads
 * (pings, fragments, binary), a protocol error still ends the connection, and a compressed
 * connection is read by `ws` alone.
 */
import type { AddressInfo, Socket } from 'node:net';
import { firstValueFrom, take, toArray } from 'rxjs';
import { WebSocketServer } from 'ws';
import type { ServerOptions, WebSocket } from 'ws';
import { Codex, ConnectionLostError, WebSocketTransport } from '../../src/index.js';
import type { ServerNotification } from '../../src/index.js';
import { noUncaught } from '../support/no-uncaught.js';
import { frame } from '../support/websocket-frame.js';

interface Peer {
  url: string;
  /** The server side of the connection, once the client has initialized. */
  connected: Promise<{ socket: WebSocket; raw: Socket }>;
  close(): Promise<void>;
}

/** A WebSocket server that answers `initialize`, then leaves the connection to the test. */
async function peer(options: ServerOptions = {}): Promise<Peer> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const connected = new Promise<{ socket: WebSocket; raw: Socket }>((resolve) => {
    server.on('connection', (socket) => {
      socket.on('message', (data) => {
        const message = JSON.parse((data as Buffer).toString('utf8')) as {
          id?: number;
          method: string;
        };
        if (message.method === 'initialize')
          socket.send(
            JSON.stringify({
              id: message.id,
              result: { userAgent: 'peer/0', codexHome: '/tmp', platformFamily: 'unix' },
            }),
          );
        if (message.method === 'initialized')
          resolve({ socket, raw: (socket as unknown as { _socket: Socket })._socket });
      });
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    connected,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

function delta(n: number, text = `token${n} `): ServerNotification {
  return {
    method: 'item/agentMessage/delta',
    params: { threadId: 'th', turnId: 'tu', itemId: 'it', delta: text },
  };
}

/** Writes `bytes` in uneven pieces, each in its own turn of the event loop (its own read). */
async function writeInPieces(raw: Socket, bytes: Buffer): Promise<void> {
  let seed = 7;
  for (let at = 0; at < bytes.length;) {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    const size = 1 + (seed % 3000);
    raw.write(bytes.subarray(at, at + size));
    at += size;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function connect(
  url: string,
  logs: string[] = [],
): Promise<{ codex: Codex; transport: WebSocketTransport }> {
  const transport = new WebSocketTransport({ url, heartbeatIntervalMs: false });
  await transport.start();
  const codex = await Codex.connect(transport, {
    logger: { warn: (message) => logs.push(message), error: (message) => logs.push(message) },
  });
  return { codex, transport };
}

/** Waits for `done()` to hold, up to 5 s. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('WebSocketTransport, reading frames', () => {
  it('delivers every text frame whole and in order, around pings, a fragmented message and a binary frame', async () => {
    const server = await peer();
    const logs: string[] = [];
    const { codex, transport } = await connect(server.url, logs);
    try {
      const { socket, raw } = await server.connected;
      const pongs: string[] = [];
      socket.on('pong', (data) => pongs.push(data.toString()));
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
      await writeInPieces(raw, bytes);
      expect(await received).toEqual(sent);
      // `ws` answered both pings (the answers reach the peer a moment after the last text).
      await until(() => pongs.length === 2);
      expect(pongs).toEqual(['are you there', 'mid-message']);
      expect(logs.filter((line) => line.includes('binary frame'))).toHaveLength(1);
      expect(transport.readsTextFramesAhead).toBe(true);
    } finally {
      await codex.close();
      await server.close();
    }
  });

  it('a text frame of invalid UTF-8 ends the connection as `ws` would: what came before is delivered, a pending request fails', async () => {
    await noUncaught(async () => {
      const server = await peer();
      const { codex } = await connect(server.url);
      try {
        const { raw } = await server.connected;
        const received = firstValueFrom(codex.notifications$.pipe(take(2), toArray()));
        const pending = codex.request('account/read', {});
        raw.write(
          Buffer.concat([
            frame(0x81, JSON.stringify(delta(1))),
            frame(0x81, JSON.stringify(delta(2))),
            frame(0x81, Buffer.from([0x7b, 0xff, 0x7d])),
            frame(0x81, JSON.stringify(delta(3))),
          ]),
        );
        expect(await received).toEqual([delta(1), delta(2)]);
        await expect(pending).rejects.toBeInstanceOf(ConnectionLostError);
        expect(codex.isClosed).toBe(true);
      } finally {
        await codex.close();
        await server.close();
      }
    });
  });

  it('with permessage-deflate agreed, `ws` reads every frame: compressed and plain ones keep their order', async () => {
    const server = await peer({ perMessageDeflate: { threshold: 0 } });
    const { codex, transport } = await connect(server.url);
    try {
      const { socket } = await server.connected;
      const sent = Array.from({ length: 200 }, (_, n) => delta(n, `token${n} `.repeat(n % 7)));
      const received = firstValueFrom(codex.notifications$.pipe(take(sent.length), toArray()));
      // Every third message uncompressed: a plain frame read ahead would overtake the inflating ones.
      sent.forEach((n, i) => socket.send(JSON.stringify(n), { compress: i % 3 !== 0 }));
      expect(await received).toEqual(sent);
      expect(transport.readsTextFramesAhead).toBe(false);
    } finally {
      await codex.close();
      await server.close();
    }
  });
});
