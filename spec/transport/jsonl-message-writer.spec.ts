import { PassThrough, Writable } from 'node:stream';
import { JsonlMessageWriter, WriteClosedError } from '../../src/transport/jsonl-message-writer.js';

describe('JsonlMessageWriter', () => {
  it('writes one line per message without the jsonrpc member', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const writer = new JsonlMessageWriter(out);
    await writer.write({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { a: 'ü\n' },
    } as never);
    await writer.write({ jsonrpc: '2.0', method: 'initialized' } as never);
    expect(chunks.join('')).toBe(
      '{"id":1,"method":"initialize","params":{"a":"ü\\n"}}\n{"method":"initialized"}\n',
    );
  });

  it('waits for drain when the stream buffer is full, keeping order', async () => {
    const written: string[] = [];
    let release: (() => void) | undefined;
    let inFlight = 0;
    let maxInFlight = 0;
    // A slow sink: each write completes only when the test releases it.
    const sink = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _enc, done) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        written.push(chunk.toString());
        release = () => {
          inFlight--;
          done();
        };
      },
    });
    const writer = new JsonlMessageWriter(sink);
    const writes = Array.from({ length: 20 }, (_, i) =>
      writer.write({ jsonrpc: '2.0', method: `m${i}` } as never),
    );
    let settled = 0;
    writes.forEach((w) => void w.then(() => settled++));
    await new Promise((r) => setImmediate(r));
    // The first write filled the 16-byte buffer: the writer holds the rest back instead of queueing them all.
    expect(sink.writableLength).toBeLessThan(100);
    expect(settled).toBeLessThan(20);
    while (settled < 20) {
      release?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(written.map((l) => (JSON.parse(l) as { method: string }).method)).toEqual(
      Array.from({ length: 20 }, (_, i) => `m${i}`),
    );
    expect(maxInFlight).toBe(1);
  });

  it('rejects writes after the stream closed', async () => {
    const out = new PassThrough();
    const writer = new JsonlMessageWriter(out);
    let closed = false;
    writer.onClose(() => (closed = true));
    out.destroy();
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(true);
    await expect(writer.write({ jsonrpc: '2.0', method: 'x' } as never)).rejects.toBeInstanceOf(
      WriteClosedError,
    );
  });
});
