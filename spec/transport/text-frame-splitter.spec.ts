/**
 * The splitter that reads plain text frames ahead of `ws`: whatever way the socket cuts the
 * bytes, every text frame it reads is delivered once, in order, and every other frame reaches
 * `ws` byte for byte in its place in the stream.
 */
import { MAX_SPLIT_PAYLOAD, TextFrameSplitter } from '../../src/transport/text-frame-splitter.js';
import { frame } from '../support/websocket-frame.js';

const text = (payload: Buffer | string): Buffer => frame(0x81, payload);
const ping = (payload = ''): Buffer => frame(0x89, payload);
const pong = (payload = ''): Buffer => frame(0x8a, payload);
const close = (): Buffer => frame(0x88, Buffer.from([0x03, 0xe8]));

/** Forwarded bytes as base64: a 1 MiB Buffer compared element by element is slow. */
type Out = { text: string } | { forwarded: string };

/**
 * What the splitter made of `bytes` cut into `chunks`: texts, and the forwarded bytes between
 * them (consecutive forwards joined, as `ws`'s receiver sees one stream).
 */
function run(bytes: Buffer, cuts: readonly number[]): { out: Out[]; splitter: TextFrameSplitter } {
  const out: Out[] = [];
  let forwarded: Buffer[] = [];
  const flush = (): void => {
    if (forwarded.length > 0) out.push({ forwarded: Buffer.concat(forwarded).toString('base64') });
    forwarded = [];
  };
  const splitter = new TextFrameSplitter(
    (source, start, end) => {
      flush();
      out.push({ text: source.slice(start, end) });
    },
    (chunk) => forwarded.push(Buffer.from(chunk)),
  );
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > from) splitter.push(bytes.subarray(from, cut));
    from = Math.max(from, cut);
  }
  flush();
  return { out, splitter };
}

/** What the splitter should make of these frames: `true` marks a frame it reads itself. */
function expected(frames: readonly (readonly [Buffer, string | false])[]): Out[] {
  const out: Out[] = [];
  let forwarded: Buffer[] = [];
  for (const [bytes, asText] of frames) {
    if (asText === false) {
      forwarded.push(bytes);
      continue;
    }
    if (forwarded.length > 0) out.push({ forwarded: Buffer.concat(forwarded).toString('base64') });
    forwarded = [];
    out.push({ text: asText });
  }
  if (forwarded.length > 0) out.push({ forwarded: Buffer.concat(forwarded).toString('base64') });
  return out;
}

/** A small seeded generator, so a failing cut pattern can be reproduced. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/** The ways a socket might cut the stream: whole, byte by byte, and seeded random cuts. */
function cuttings(length: number): (readonly number[])[] {
  const out: (readonly number[])[] = [[], Array.from({ length }, (_, i) => i)];
  for (let seed = 1; seed <= 20; seed++) {
    const next = random(seed);
    const cuts: number[] = [];
    for (let at = 0; at < length;) {
      at += 1 + Math.floor(next() * (seed % 2 ? 40 : 700));
      cuts.push(at);
    }
    out.push(cuts);
  }
  return out;
}

const json = (n: number, extra = ''): string =>
  JSON.stringify({ method: 'item/agentMessage/delta', params: { delta: `token${n}${extra}` } });

describe('TextFrameSplitter', () => {
  it('reads text frames itself and forwards every other frame in its place, however the bytes are cut', () => {
    const big = json(0, 'x'.repeat(70_000)); // a 64-bit length
    const huge = json(1, 'y'.repeat(MAX_SPLIT_PAYLOAD)); // past the splitter's own limit
    const frames: [Buffer, string | false][] = [
      [text(json(1)), json(1)],
      [text(json(2, ' – naïve ✓ 🎉')), json(2, ' – naïve ✓ 🎉')],
      [text(json(3, ' a real \uFFFD in the text')), json(3, ' a real \uFFFD in the text')],
      [ping('are you there'), false],
      [text(json(4, 'z'.repeat(200))), json(4, 'z'.repeat(200))], // a 16-bit length
      [text(''), ''],
      [frame(0x01, '{"method":"frag'), false], // a fragmented message: `ws` assembles it
      [ping(), false],
      [frame(0x00, 'mented","params":'), false],
      [frame(0x80, '{}}'), false],
      [text(big), big],
      [frame(0x82, Buffer.from([1, 2, 3])), false], // binary: `ws` reports it
      [pong('beat'), false],
      [text(huge), false],
      [text(json(5)), json(5)],
    ];
    const bytes = Buffer.concat(frames.map(([b]) => b));
    const want = expected(frames);
    for (const cuts of cuttings(bytes.length).filter((c) => c.length < 200_000)) {
      const { out, splitter } = run(bytes, cuts);
      expect(out).toEqual(want);
      expect(splitter.forwardingAll).toBe(false);
    }
    // Byte by byte through the whole stream, too (the huge frame is forwarded as it comes).
    const byByte = run(
      bytes,
      Array.from({ length: bytes.length }, (_, i) => i),
    ).out;
    expect(byByte).toEqual(want);
  });

  it('a text frame of invalid UTF-8 goes to `ws` (which fails the connection), with all after it', () => {
    const invalid = text(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    const frames: [Buffer, string | false][] = [
      [text(json(1)), json(1)],
      [text(json(2)), json(2)],
      [invalid, false],
      [text(json(3)), false],
      [ping(), false],
      [text(json(4)), false],
    ];
    const bytes = Buffer.concat(frames.map(([b]) => b));
    for (const cuts of cuttings(bytes.length)) {
      const { out, splitter } = run(bytes, cuts);
      expect(out).toEqual(expected(frames));
      expect(splitter.forwardingAll).toBe(true);
    }
  });

  it('a payload with a NUL byte of its own is still one text, its neighbours intact', () => {
    const withNul = '{"method":"a\u0000b"}';
    const frames: [Buffer, string | false][] = [
      [text(json(1)), json(1)],
      [text(withNul), withNul],
      [text(json(2)), json(2)],
    ];
    const bytes = Buffer.concat(frames.map(([b]) => b));
    for (const cuts of cuttings(bytes.length))
      expect(run(bytes, cuts).out).toEqual(expected(frames));
  });

  it.each([
    ['a close frame', close()],
    ['a masked frame (servers must not mask)', frame(0x81, json(9), Buffer.from([1, 2, 3, 4]))],
    ['a frame with a reserved bit set (no extension was agreed)', frame(0xc1, json(9))],
    ['an unknown opcode', frame(0x83, 'x')],
  ])('after %s, everything goes to `ws`', (_name, odd) => {
    const frames: [Buffer, string | false][] = [
      [text(json(1)), json(1)],
      [odd, false],
      [text(json(2)), false],
    ];
    const bytes = Buffer.concat(frames.map(([b]) => b));
    for (const cuts of cuttings(bytes.length)) {
      const { out, splitter } = run(bytes, cuts);
      expect(out).toEqual(expected(frames));
      expect(splitter.forwardingAll).toBe(true);
    }
  });

  it('inside a fragmented message every frame goes to `ws`, even a whole text frame (its protocol error to report)', () => {
    const frames: [Buffer, string | false][] = [
      [frame(0x01, '{"a":'), false],
      [text(json(1)), false],
      [frame(0x80, '1}'), false],
      [text(json(2)), json(2)],
    ];
    const bytes = Buffer.concat(frames.map(([b]) => b));
    for (const cuts of cuttings(bytes.length))
      expect(run(bytes, cuts).out).toEqual(expected(frames));
  });

  it('streams a frame too large to hold through to `ws` as it arrives', () => {
    const huge = text(json(1, 'y'.repeat(MAX_SPLIT_PAYLOAD)));
    const pieces: number[] = [];
    const splitter = new TextFrameSplitter(
      () => undefined,
      (bytes) => pieces.push(bytes.length),
    );
    splitter.push(huge.subarray(0, 64 * 1024));
    expect(pieces).toEqual([64 * 1024]);
    splitter.push(huge.subarray(64 * 1024));
    expect(pieces.reduce((a, b) => a + b, 0)).toBe(huge.length);
  });

  it('a throwing receiver loses nothing: the rest of the chunk is delivered, then the error is thrown', () => {
    const seen: string[] = [];
    const splitter = new TextFrameSplitter(
      (source, start, end) => {
        const value = source.slice(start, end);
        seen.push(value);
        if (value === json(2)) throw new Error('boom');
      },
      () => undefined,
    );
    const bytes = Buffer.concat([text(json(1)), text(json(2)), text(json(3)), ping()]);
    expect(() => splitter.push(bytes)).toThrow('boom');
    splitter.push(text(json(4)));
    expect(seen).toEqual([json(1), json(2), json(3), json(4)]);
  });
});
