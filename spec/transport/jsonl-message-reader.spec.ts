import { PassThrough } from 'node:stream';
import type { Message } from 'vscode-jsonrpc/node';
import {
  JsonlMessageReader,
  MalformedMessageError,
} from '../../src/transport/jsonl-message-reader.js';
import { CodexError, MessageTooLargeError } from '../../src/index.js';

function harness(maxMessageBytes?: number) {
  const stream = new PassThrough();
  const reader = new JsonlMessageReader(stream, maxMessageBytes);
  const messages: Array<Record<string, unknown>> = [];
  const errors: Error[] = [];
  let closed = false;
  reader.listen((m: Message) => messages.push(m));
  reader.onError((e) => errors.push(e));
  reader.onClose(() => (closed = true));
  const feed = async (...chunks: Array<string | Buffer>) => {
    for (const chunk of chunks) stream.write(chunk);
    await new Promise((r) => setImmediate(r));
  };
  return { stream, messages, errors, feed, isClosed: () => closed };
}

describe('JsonlMessageReader', () => {
  it('stops with MessageTooLargeError when a line outgrows maxMessageBytes', async () => {
    const h = harness(1024);
    await h.feed('{"method":"ok"}\n{"method":"big","params":"', 'x'.repeat(600));
    expect(h.errors).toEqual([]);
    await h.feed('é'.repeat(300)); // 600 more bytes, 300 characters: the limit counts bytes
    expect(h.errors).toHaveLength(1);
    expect(h.errors[0]).toBeInstanceOf(MessageTooLargeError);
    expect(h.errors[0]).toBeInstanceOf(CodexError);
    expect(h.errors[0]).toMatchObject({ code: 'message_too_large', limit: 1024 });
    await h.feed('"}\n{"method":"after"}\n');
    expect(h.messages.map((m) => m.method)).toEqual(['ok']);
    expect(h.errors).toHaveLength(1);
  });

  it('accepts a message of exactly the limit split over many chunks', async () => {
    const line = `{"method":"m","params":"${'y'.repeat(1000)}"}`;
    const h = harness(line.length);
    const chunks = line.match(/.{1,100}/g)!;
    await h.feed(...chunks, '\n');
    expect(h.errors).toEqual([]);
    expect(h.messages).toHaveLength(1);
  });

  it('joins a message split across chunks', async () => {
    const h = harness();
    await h.feed('{"method":"a",', '"params":{"x":1}', '}\n');
    expect(h.messages).toEqual([{ method: 'a', params: { x: 1 } }]);
  });

  it('splits several messages in one chunk, in order', async () => {
    const h = harness();
    await h.feed('{"id":1,"result":1}\n{"id":2,"result":2}\n{"method":"n"}\n');
    expect(h.messages).toEqual([{ id: 1, result: 1 }, { id: 2, result: 2 }, { method: 'n' }]);
  });

  it('accepts \\r\\n endings and skips blank lines', async () => {
    const h = harness();
    await h.feed('{"method":"a"}\r\n\r\n\n   \n{"method":"b"}\n');
    expect(h.messages.map((m) => m.method)).toEqual(['a', 'b']);
    expect(h.errors).toEqual([]);
  });

  it('decodes a UTF-8 character split across chunks', async () => {
    const h = harness();
    const bytes = Buffer.from('{"method":"m","params":{"t":"héllo 🚀 世界"}}\n', 'utf8');
    const rocket = bytes.indexOf(0xf0);
    await h.feed(
      bytes.subarray(0, rocket + 2),
      bytes.subarray(rocket + 2, rocket + 3),
      bytes.subarray(rocket + 3),
    );
    expect(h.messages).toEqual([{ method: 'm', params: { t: 'héllo 🚀 世界' } }]);
  });

  it('reads a line of several MB delivered in small chunks', async () => {
    const h = harness();
    const big = 'x'.repeat(6 * 1024 * 1024);
    const line = Buffer.from(`{"method":"big","params":{"s":"${big}"}}\n`);
    for (let i = 0; i < line.length; i += 64 * 1024)
      h.stream.write(line.subarray(i, i + 64 * 1024));
    await new Promise((r) => setImmediate(r));
    expect(h.messages).toHaveLength(1);
    expect((h.messages[0]!.params as { s: string }).s).toHaveLength(big.length);
  });

  it('reports a malformed line through onError and goes on', async () => {
    const h = harness();
    await h.feed('not json\n{"method":"after"}\n[1,2]\n42\nnull\n{"method":"last"}\n');
    expect(h.messages).toEqual([{ method: 'after' }, { method: 'last' }]);
    expect(h.errors).toHaveLength(4);
    expect(h.errors.every((e) => e instanceof MalformedMessageError)).toBe(true);
    expect((h.errors[0] as MalformedMessageError).line).toBe('not json');
  });

  it('keeps an unterminated last line until its newline arrives, and fires onClose at end', async () => {
    const h = harness();
    await h.feed('{"method":"a"}\n{"method":"b"');
    expect(h.messages).toHaveLength(1);
    await h.feed('}\n');
    expect(h.messages).toHaveLength(2);
    h.stream.end();
    await new Promise((r) => setImmediate(r));
    expect(h.isClosed()).toBe(true);
  });

  it('refuses a second listen()', () => {
    const reader = new JsonlMessageReader(new PassThrough());
    reader.listen(() => undefined);
    expect(() => reader.listen(() => undefined)).toThrow(/only once/);
  });
});
