import type { WireLine } from '../transport/wire-line.js';
import type { TurnEvent } from './turn-event.js';

/** The first slab's size; each next one doubles, up to {@link MAX_SLAB}. */
const FIRST_SLAB = 4 * 1024;
const MAX_SLAB = 64 * 1024;
/** How far a frame is compared with the one before it, at most, to find what they share. */
const MAX_PREFIX_SCAN = 1024;
/** The most a record's header takes: three varints of up to five bytes. */
const MAX_HEADER = 15;

/** A record's kind, in the low two bits of its first varint. */
const BYTES = 0;
const TEXT = 1;
const OBJECT = 2;

/**
 * A running turn's events so far, kept for subscribers who join late, as wire text or bytes and
 * parsed again on replay: keeping 200,000 parsed objects alive costs more in garbage collection
 * than the whole rest of the event path (measured by `npm run bench`, throughput case).
 *
 * The log is a sequence of records in slabs it owns (4 KiB doubling to 64 KiB), one per event,
 * each a header of varints and, for frame bytes, those bytes:
 * - Where the transport gives the message's bytes (one WebSocket frame each), the record holds
 *   what the frame does not share with the frame before it. Consecutive deltas differ only in
 *   their last few dozen bytes, so a turn keeps about a fifth of what it received. Keeping the
 *   socket reads instead (30 MB for 200,000 deltas) cost more than the rest of the client's work
 *   per event: fresh pages to fault in and, as V8 counts external memory, full collections of
 *   the application's whole heap (`.tmp` harness, 2026-12-02).
 * - Where it gives a decoded text with many messages in it (a JSONL chunk), that one string is
 *   kept, shared by every event in it, and the record says where the event sits.
 * - Other events (buffered before their turn was known) are kept as they are; the record names
 *   which.
 *
 * A record takes a few bytes besides a frame's own (two to six, mostly): fresh memory is what a
 * long turn's events cost here, so none is spent on fixed-size entries. Replayed events are equal
 * to the originals, not the same objects.
 */
export class ReplayLog {
  private texts: string[] = [];
  private lastChunk = -1;
  private objects: TurnEvent[] = [];
  private slabs: Buffer[] = [];
  /** How many bytes of each slab but the last hold records. */
  private ends: number[] = [];
  /** Bytes used in the last slab. */
  private used = 0;
  /** The last frame kept as bytes, and how many of its first bytes the next one is expected to share. */
  private previous: Buffer | undefined;
  private shared = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** How many bytes this log holds in its slabs (allocated, used or not). */
  get slabBytes(): number {
    let total = 0;
    for (const slab of this.slabs) total += slab.length;
    return total;
  }

  append(event: TurnEvent, wire: WireLine | undefined): void {
    this.count++;
    const bytes = wire?.bytes;
    if (bytes) {
      this.keepBytes(bytes);
      return;
    }
    const slab = this.room(MAX_HEADER);
    let at = this.used;
    if (wire) {
      if (wire.chunk !== this.lastChunk) {
        this.texts.push(wire.text);
        this.lastChunk = wire.chunk;
      }
      at = put(slab, at, (this.texts.length - 1) * 4 + TEXT);
      at = put(slab, at, wire.start);
      at = put(slab, at, wire.end - wire.start);
    } else {
      at = put(slab, at, (this.objects.push(event) - 1) * 4 + OBJECT);
    }
    this.used = at;
  }

  private keepBytes(bytes: Buffer): void {
    // `shared` is 0 while there is no previous frame.
    const previous = this.previous;
    let shared = this.shared;
    if (
      previous !== undefined &&
      !(shared > 0 && bytes.length > shared && bytes.compare(previous, 0, shared, 0, shared) === 0)
    ) {
      // What the two share changed (another kind of message, or a shorter common start).
      const limit = Math.min(previous.length, bytes.length - 1, MAX_PREFIX_SCAN);
      shared = 0;
      while (shared < limit && previous[shared] === bytes[shared]) shared++;
      this.shared = shared;
    }
    this.previous = bytes;
    const length = bytes.length - shared;
    const slab = this.room(MAX_HEADER + length);
    let at = put(slab, this.used, length * 4 + BYTES);
    at = put(slab, at, shared);
    bytes.copy(slab, at, shared);
    this.used = at + length;
  }

  /** The last slab, or a new one when the last has fewer than `bytes` left. */
  private room(bytes: number): Buffer {
    const last = this.slabs[this.slabs.length - 1];
    if (last !== undefined && this.used + bytes <= last.length) return last;
    if (last !== undefined) this.ends.push(this.used);
    const next = Math.min(FIRST_SLAB * 2 ** this.slabs.length, MAX_SLAB);
    const slab = Buffer.allocUnsafeSlow(Math.max(next, bytes));
    this.slabs.push(slab);
    this.used = 0;
    return slab;
  }

  /**
   * The events in order (parsed again where kept as text or bytes), including any appended while
   * the replay runs; none after `clear()`.
   */
  *events(): Generator<TurnEvent, void, undefined> {
    const slabs = this.slabs;
    let previous: Buffer | undefined;
    for (let s = 0; s < slabs.length; s++) {
      const slab = slabs[s]!;
      let at = 0;
      // (Re-read each time: a subscriber may make the log grow, or clear it, while it replays.)
      while (at < (s === slabs.length - 1 ? this.used : this.ends[s]!)) {
        let first: number;
        [first, at] = take(slab, at);
        const kind = first & 3;
        const value = (first - kind) / 4;
        let event: TurnEvent;
        if (kind === OBJECT) event = this.objects[value]!;
        else if (kind === TEXT) {
          let start: number, length: number;
          [start, at] = take(slab, at);
          [length, at] = take(slab, at);
          event = JSON.parse(this.texts[value]!.slice(start, start + length)) as TurnEvent;
        } else {
          let shared: number;
          [shared, at] = take(slab, at);
          const tail = slab.subarray(at, at + value);
          at += value;
          const bytes = shared > 0 ? Buffer.concat([previous!.subarray(0, shared), tail]) : tail;
          previous = bytes;
          event = JSON.parse(bytes.toString('utf8')) as TurnEvent;
        }
        yield event;
        if (this.slabs !== slabs) return;
      }
    }
  }

  /** Lets go of everything. */
  clear(): void {
    this.texts = [];
    this.lastChunk = -1;
    this.objects = [];
    this.slabs = [];
    this.ends = [];
    this.used = 0;
    this.previous = undefined;
    this.shared = 0;
    this.count = 0;
  }
}

/** Writes `value` (a whole number below 2³²) as a varint at `at`; returns where it ends. */
function put(slab: Buffer, at: number, value: number): number {
  while (value >= 0x80) {
    slab[at++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  slab[at++] = value;
  return at;
}

/** Reads the varint at `at`: its value and where it ends. */
function take(slab: Buffer, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  let byte: number;
  do {
    byte = slab[at++]!;
    value += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte >= 0x80);
  return [value, at];
}
