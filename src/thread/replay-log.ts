import type { WireLine } from '../transport/wire-line.js';
import type { TurnEvent } from './turn-event.js';

/** The first byte slab's size; each next one doubles, up to {@link MAX_SLAB_BYTES}. */
const FIRST_SLAB_BYTES = 4 * 1024;
const MAX_SLAB_BYTES = 1024 * 1024;

/**
 * A running turn's events so far, kept for subscribers who join late, as wire text and parsed
 * again on replay: keeping 200,000 parsed objects alive costs more in garbage collection than the
 * whole rest of the event path (measured by `npm run bench`, throughput case).
 *
 * - Where the transport gives the message's bytes (one WebSocket frame each), they are copied
 *   into a few large buffers outside the JS heap: a string kept per frame is 200,000 small
 *   objects for the collector to copy and promote, as costly as the parsed objects.
 * - Where it gives a decoded text with many messages in it (a JSONL chunk), that one string is
 *   kept, shared by every event in it, with where each event sits.
 * - Other events (buffered before their turn was known) are kept as they are.
 *
 * Per event three integers say where it is. Replayed events are equal to the originals, not the
 * same objects.
 */
export class ReplayLog {
  private texts: string[] = [];
  private lastChunk = -1;
  private objects: TurnEvent[] = [];
  private slabs: Buffer[] = [];
  /** Bytes used of the last slab. */
  private used = 0;
  /**
   * Per event: where (a text's index; -1 for an object; -2 - i for slab i), then start (or the
   * object's index) and end.
   */
  private entries = new Int32Array(3 * 64);
  private count = 0;

  get size(): number {
    return this.count;
  }

  append(event: TurnEvent, wire: WireLine | undefined): void {
    if (this.entries.length < 3 * (this.count + 1)) {
      const grown = new Int32Array(this.entries.length * 2);
      grown.set(this.entries);
      this.entries = grown;
    }
    const at = 3 * this.count++;
    const bytes = wire?.bytes;
    if (bytes) {
      let slab = this.slabs.at(-1);
      if (!slab || this.used + bytes.length > slab.length) {
        const next = slab ? Math.min(2 * slab.length, MAX_SLAB_BYTES) : FIRST_SLAB_BYTES;
        // Never read past what is written, so left uninitialised.
        slab = Buffer.allocUnsafeSlow(Math.max(next, bytes.length));
        this.slabs.push(slab);
        this.used = 0;
      }
      slab.set(bytes, this.used);
      this.entries[at] = -1 - this.slabs.length;
      this.entries[at + 1] = this.used;
      this.entries[at + 2] = this.used += bytes.length;
    } else if (wire) {
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

  /** The events in order (parsed again where kept as text or bytes). */
  *events(): Generator<TurnEvent, void, undefined> {
    for (let i = 0; i < this.count; i++) {
      const source = this.entries[3 * i]!;
      const start = this.entries[3 * i + 1]!;
      const end = this.entries[3 * i + 2];
      if (source === -1) yield this.objects[start]!;
      else if (source >= 0) yield JSON.parse(this.texts[source]!.slice(start, end)) as TurnEvent;
      else yield JSON.parse(this.slabs[-2 - source]!.toString('utf8', start, end)) as TurnEvent;
    }
  }

  /** Lets go of everything. */
  clear(): void {
    this.texts = [];
    this.lastChunk = -1;
    this.objects = [];
    this.slabs = [];
    this.used = 0;
    this.entries = new Int32Array(0);
    this.count = 0;
  }
}
