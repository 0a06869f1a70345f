import type { WireLine } from '../transport/wire-line.js';
import type { TurnEvent } from './turn-event.js';

/**
 * A running turn's events so far, kept for subscribers who join late, as wire text and parsed
 * again on replay: keeping 200,000 parsed objects alive costs more in garbage collection than the
 * whole rest of the event path (measured by `npm run bench`, throughput case).
 *
 * - Where the transport gives the message's bytes (one WebSocket frame each), the memory they
 *   view is kept, not copied: the socket read they came in, shared by every frame of it. A
 *   string kept per frame is 200,000 small objects for the collector to copy and promote, and
 *   copying the bytes out (into fresh memory) cost about as much again.
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
  private memory: ArrayBufferLike[] = [];
  private lastMemory: ArrayBufferLike | undefined;
  /**
   * Per event: where (a text's index; -1 for an object; -2 - i for memory i), then start (or the
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
      if (bytes.buffer !== this.lastMemory) {
        this.memory.push(bytes.buffer);
        this.lastMemory = bytes.buffer;
      }
      this.entries[at] = -1 - this.memory.length;
      this.entries[at + 1] = bytes.byteOffset;
      this.entries[at + 2] = bytes.byteOffset + bytes.byteLength;
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
      else {
        const bytes = Buffer.from(this.memory[-2 - source]!, start, end! - start);
        yield JSON.parse(bytes.toString('utf8')) as TurnEvent;
      }
    }
  }

  /** Lets go of everything. */
  clear(): void {
    this.texts = [];
    this.lastChunk = -1;
    this.objects = [];
    this.memory = [];
    this.lastMemory = undefined;
    this.entries = new Int32Array(0);
    this.count = 0;
  }
}
