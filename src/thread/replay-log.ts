import type { WireLine } from '../transport/wire-line.js';
import type { TurnEvent } from './turn-event.js';

/** The first slab's size; each next one doubles, up to {@link MAX_SLAB}. */
const FIRST_SLAB = 4 * 1024;
const MAX_SLAB = 64 * 1024;
/** How far a frame is compared with the one before it, at most, to find what they share. */
const MAX_PREFIX_SCAN = 1024;
/** Room for the first 64 events' entries (four integers each). */
const FIRST_ENTRIES = 4 * 64;

/**
 * A running turn's events so far, kept for subscribers who join late, as wire text or bytes and
 * parsed again on replay: keeping 200,000 parsed objects alive costs more in garbage collection
 * than the whole rest of the event path (measured by `npm run bench`, throughput case).
 *
 * - Where the transport gives the message's bytes (one WebSocket frame each), what the frame
 *   does not share with the frame before it is copied into slabs this log owns. Consecutive
 *   deltas differ only in their last few dozen bytes, so a turn keeps about a fifth of what it
 *   received. Keeping the socket reads instead (30 MB for 200,000 deltas) cost more than the
 *   rest of the client's work per event: fresh pages to fault in and, as V8 counts external
 *   memory, full collections of the application's whole heap (`.tmp` harness, 2026-12-02).
 * - Where it gives a decoded text with many messages in it (a JSONL chunk), that one string is
 *   kept, shared by every event in it, with where each event sits.
 * - Other events (buffered before their turn was known) are kept as they are.
 *
 * Per event four integers say where it is. Replayed events are equal to the originals, not the
 * same objects.
 */
export class ReplayLog {
  private texts: string[] = [];
  private lastChunk = -1;
  private objects: TurnEvent[] = [];
  private slabs: Buffer[] = [];
  /** Bytes used in the last slab. */
  private used = 0;
  /** The last frame kept as bytes, and how many of its first bytes the next one is expected to share. */
  private previous: Buffer | undefined;
  private shared = 0;
  /**
   * Per event: where (a text's index; -1 for an object; -2 - i for slab i), then start (or the
   * object's index), end, and for bytes how many leading bytes it shares with the frame kept
   * as bytes before it.
   */
  private entries = new Int32Array(FIRST_ENTRIES);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** How many bytes of frames this log holds in its slabs (allocated, used or not). */
  get slabBytes(): number {
    let total = 0;
    for (const slab of this.slabs) total += slab.length;
    return total;
  }

  append(event: TurnEvent, wire: WireLine | undefined): void {
    if (this.entries.length < 4 * (this.count + 1)) {
      const grown = new Int32Array(Math.max(FIRST_ENTRIES, this.entries.length * 2));
      grown.set(this.entries);
      this.entries = grown;
    }
    const at = 4 * this.count++;
    const bytes = wire?.bytes;
    if (bytes) this.keepBytes(at, bytes);
    else if (wire) {
      if (wire.chunk !== this.lastChunk) {
        this.texts.push(wire.text);
        this.lastChunk = wire.chunk;
      }
      this.entries[at] = this.texts.length - 1;
      this.entries[at + 1] = wire.start;
      this.entries[at + 2] = wire.end;
    } else {
      this.entries[at] = -1;
      this.entries[at + 1] = this.objects.push(event) - 1;
    }
  }

  private keepBytes(at: number, bytes: Buffer): void {
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
    let slab = this.slabs[this.slabs.length - 1];
    if (slab === undefined || this.used + length > slab.length) {
      const next = Math.min(FIRST_SLAB * 2 ** this.slabs.length, MAX_SLAB);
      slab = Buffer.allocUnsafeSlow(Math.max(next, length));
      this.slabs.push(slab);
      this.used = 0;
    }
    bytes.copy(slab, this.used, shared);
    this.entries[at] = -1 - this.slabs.length;
    this.entries[at + 1] = this.used;
    this.entries[at + 2] = this.used + length;
    this.entries[at + 3] = shared;
    this.used += length;
  }

  /** The events in order (parsed again where kept as text or bytes). */
  *events(): Generator<TurnEvent, void, undefined> {
    let previous: Buffer | undefined;
    for (let i = 0; i < this.count; i++) {
      const source = this.entries[4 * i]!;
      const start = this.entries[4 * i + 1]!;
      const end = this.entries[4 * i + 2]!;
      if (source === -1) yield this.objects[start]!;
      else if (source >= 0) yield JSON.parse(this.texts[source]!.slice(start, end)) as TurnEvent;
      else {
        const shared = this.entries[4 * i + 3]!;
        const tail = this.slabs[-2 - source]!.subarray(start, end);
        const bytes = shared > 0 ? Buffer.concat([previous!.subarray(0, shared), tail]) : tail;
        previous = bytes;
        yield JSON.parse(bytes.toString('utf8')) as TurnEvent;
      }
    }
  }

  /** Lets go of everything. */
  clear(): void {
    this.texts = [];
    this.lastChunk = -1;
    this.objects = [];
    this.slabs = [];
    this.used = 0;
    this.previous = undefined;
    this.shared = 0;
    this.entries = new Int32Array(0);
    this.count = 0;
  }
}
