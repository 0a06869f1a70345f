import { isUtf8 } from 'node:buffer';

/**
 * Text frames up to this many payload bytes are read here. Larger ones stream through to `ws`
 * as they arrive, so this splitter never holds more than about this much of one frame.
 */
export const MAX_SPLIT_PAYLOAD = 1024 * 1024;

/** Where a batch's payloads are gathered before they are decoded; kept while this big. */
const SCRATCH_BYTES = 128 * 1024;

const FIN_TEXT = 0x81;
const FIN = 0x80;
const MASKED = 0x80;
const RSV_BITS = 0x70;
const OPCODE = 0x0f;
const CONTINUATION = 0x0;
const TEXT = 0x1;
const BINARY = 0x2;
const PING = 0x9;
const PONG = 0xa;
/** Never in a JSON text (control characters must be escaped), so it can part the payloads. */
const SEPARATOR = 0x00;

/**
 * Receives each text: `text.slice(start, end)` is one frame's payload. Frames read together
 * share one `text` (see {@link WireLine}).
 */
export type TextSink = (text: string, start: number, end: number) => void;

/**
 * Splits the bytes a WebSocket server sends into frames, and reads the common one itself: a
 * whole, unmasked, uncompressed text frame of valid UTF-8 goes to `onText`. Every other frame
 * (control frames, fragments, binary frames, large or malformed ones) goes to `forward` byte for
 * byte, in order, so that `ws`'s receiver sees a valid stream of the frames it is given and
 * answers pings, assembles fragments and fails the connection on a protocol error exactly as it
 * would have.
 *
 * Why: `ws`'s receiver allocates a Buffer and runs a stream callback per frame, and each frame
 * decoded on its own is a string of its own that a running turn's replay log keeps alive; a
 * stream of small notifications over WebSocket ran at about half the speed of the same bytes
 * over stdio. Here the text frames of one socket chunk are decoded together into one string
 * (as the JSONL reader decodes a chunk), their payloads parted by a byte JSON never contains.
 *
 * Only for connections without extensions: a compressed frame is inflated asynchronously by
 * `ws`, and a plain frame read here meanwhile would overtake it.
 */
export class TextFrameSplitter {
  /** The start of an incomplete frame (or header), as received. */
  #pending: Buffer[] = [];
  #pendingLength = 0;
  /** Bytes the incomplete frame (or its header) needs before it can be read. */
  #needed = 0;
  /** Bytes of a forwarded frame still to come, forwarded as they arrive. */
  #forwarding = 0;
  /** Inside a fragmented message, which `ws` assembles: every frame is forwarded until it ends. */
  #fragmented = false;
  /** After a close frame or a frame this splitter cannot size: `ws` reads everything. */
  #forwardAll = false;
  /** The text frames read but not yet delivered: frame start, payload start, end; per frame. */
  #batch = new Int32Array(3 * 1024);
  #batchLength = 0;
  #batchBytes = 0;
  /** Where each payload of a batch ends in its decoded text. */
  #ends = new Int32Array(1024);
  #scratch = Buffer.allocUnsafe(0);
  /** The first error `onText` threw during a push; thrown once the push is done. */
  #failure: { error: unknown } | undefined;

  constructor(
    private readonly onText: TextSink,
    private readonly forward: (bytes: Buffer) => void,
  ) {}

  /** Whether everything from now on goes to `forward` (after a close frame or a protocol error). */
  get forwardingAll(): boolean {
    return this.#forwardAll;
  }

  /**
   * Takes the next chunk of the socket's bytes. If `onText` throws, the rest of the chunk is
   * still delivered, then the first error is thrown.
   */
  push(chunk: Buffer): void {
    this.#push(chunk);
    const failure = this.#failure;
    if (failure) {
      this.#failure = undefined;
      throw failure.error;
    }
  }

  #push(chunk: Buffer): void {
    if (this.#forwardAll) {
      this.forward(chunk);
      return;
    }
    let bytes = chunk;
    if (this.#forwarding > 0) {
      if (bytes.length <= this.#forwarding) {
        this.#forwarding -= bytes.length;
        this.forward(bytes);
        return;
      }
      this.forward(bytes.subarray(0, this.#forwarding));
      bytes = bytes.subarray(this.#forwarding);
      this.#forwarding = 0;
    }
    if (this.#pendingLength > 0) {
      this.#pending.push(bytes);
      this.#pendingLength += bytes.length;
      if (this.#pendingLength < this.#needed) return;
      bytes = Buffer.concat(this.#pending, this.#pendingLength);
      this.#pending = [];
      this.#pendingLength = 0;
    }
    this.#split(bytes);
    this.#deliver(bytes);
  }

  #split(bytes: Buffer): void {
    const length = bytes.length;
    let offset = 0;
    while (offset < length) {
      const available = length - offset;
      if (available < 2) {
        this.#keep(bytes, offset, 2);
        return;
      }
      const first = bytes[offset]!;
      const second = bytes[offset + 1]!;
      let headerLength = second & MASKED ? 6 : 2;
      let payloadLength = second & 0x7f;
      if (payloadLength >= 126) {
        headerLength += payloadLength === 126 ? 2 : 8;
        if (available < headerLength) {
          this.#keep(bytes, offset, headerLength);
          return;
        }
        payloadLength =
          payloadLength === 126
            ? bytes.readUInt16BE(offset + 2)
            : bytes.readUInt32BE(offset + 2) * 2 ** 32 + bytes.readUInt32BE(offset + 6);
      }
      const total = headerLength + payloadLength;
      if (
        first === FIN_TEXT &&
        !(second & MASKED) &&
        payloadLength <= MAX_SPLIT_PAYLOAD &&
        !this.#fragmented
      ) {
        if (available < total) {
          this.#keep(bytes, offset, total);
          return;
        }
        this.#add(offset, offset + headerLength, offset + total);
        this.#batchBytes += payloadLength + 1;
        offset += total;
        continue;
      }
      // The texts before this frame go first: `ws` may deliver it at once.
      this.#deliver(bytes);
      if (this.#forwardAll) return;
      const opcode = first & OPCODE;
      const known =
        (first & RSV_BITS) === 0 &&
        !(second & MASKED) &&
        Number.isSafeInteger(total) &&
        (opcode === CONTINUATION ||
          opcode === TEXT ||
          opcode === BINARY ||
          opcode === PING ||
          opcode === PONG);
      if (!known) {
        // A close frame, or one `ws` will refuse: nothing after it is read here.
        this.#forwardAll = true;
        this.forward(bytes.subarray(offset));
        return;
      }
      if (opcode === TEXT || opcode === BINARY) this.#fragmented = !(first & FIN);
      else if (opcode === CONTINUATION && first & FIN) this.#fragmented = false;
      if (available < total) {
        this.#forwarding = total - available;
        this.forward(bytes.subarray(offset));
        return;
      }
      this.forward(bytes.subarray(offset, offset + total));
      offset += total;
    }
  }

  #add(frameStart: number, payloadStart: number, end: number): void {
    let batch = this.#batch;
    const at = this.#batchLength;
    if (at + 3 > batch.length) {
      batch = new Int32Array(batch.length * 2);
      batch.set(this.#batch);
      this.#batch = batch;
    }
    batch[at] = frameStart;
    batch[at + 1] = payloadStart;
    batch[at + 2] = end;
    this.#batchLength = at + 3;
  }

  #keep(bytes: Buffer, offset: number, needed: number): void {
    this.#pending = [bytes.subarray(offset)];
    this.#pendingLength = bytes.length - offset;
    this.#needed = needed;
  }

  /** Decodes the batch's payloads as one string and hands each to `onText`. */
  #deliver(bytes: Buffer): void {
    const batch = this.#batch;
    const length = this.#batchLength;
    const count = length / 3;
    if (count === 0) return;
    const size = this.#batchBytes;
    this.#batchLength = 0;
    this.#batchBytes = 0;
    if (count === 1) {
      this.#deliverOne(bytes, batch[0]!, batch[1]!, batch[2]!);
      return;
    }
    let scratch = this.#scratch;
    if (scratch.length < size) {
      scratch = Buffer.allocUnsafe(Math.max(size, 4096));
      if (size <= SCRATCH_BYTES) this.#scratch = scratch;
    }
    let at = 0;
    for (let i = 1; i < length; i += 3) {
      at += bytes.copy(scratch, at, batch[i], batch[i + 1]);
      scratch[at++] = SEPARATOR;
    }
    const text = scratch.toString('utf8', 0, at);
    // Where each payload ends in the text: byte and string offsets differ past any non-ASCII.
    if (this.#ends.length < count) this.#ends = new Int32Array(count * 2);
    const ends = this.#ends;
    let from = 0;
    for (let i = 0; i < count; i++) {
      const end = text.indexOf('\0', from);
      ends[i] = end;
      from = end + 1;
    }
    // A payload with a NUL of its own (not JSON) or invalid UTF-8 (decoded as U+FFFD) shifts or
    // hides the parting: read each frame on its own then.
    if (from !== text.length || text.includes('\uFFFD')) {
      for (let i = 0; i < length && !this.#forwardAll; i += 3)
        this.#deliverOne(bytes, batch[i]!, batch[i + 1]!, batch[i + 2]!);
      return;
    }
    let start = 0;
    for (let i = 0; i < count; i++) {
      this.#emit(text, start, ends[i]!);
      start = ends[i]! + 1;
    }
  }

  #deliverOne(bytes: Buffer, frameStart: number, start: number, end: number): void {
    const text = bytes.toString('utf8', start, end);
    // Decoding replaces invalid UTF-8 with U+FFFD; `ws` fails the connection (1007) instead.
    if (text.includes('\uFFFD') && !isUtf8(bytes.subarray(start, end))) {
      this.#forwardAll = true;
      this.#pending = [];
      this.#pendingLength = 0;
      this.forward(bytes.subarray(frameStart));
      return;
    }
    this.#emit(text, 0, text.length);
  }

  #emit(text: string, start: number, end: number): void {
    try {
      this.onText(text, start, end);
    } catch (error) {
      this.#failure ??= { error };
    }
  }
}
