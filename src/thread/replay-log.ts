import type { WireLine } from '../transport/wire-line.js';
import type { TurnEvent } from './turn-event.js';

/**
 * A running turn's events so far, kept for subscribers who join late. Where the transport says
 * where each event sits in its decoded text, the log keeps that text (one string per chunk,
 * shared by every event in it) and three integers per event, and parses again on replay: keeping
 * 200,000 parsed objects alive costs more in garbage collection than the whole rest of the event
 * path (measured by `npm run bench`, throughput case). Other transports' events are kept as they are.
 *
 * Replayed events are equal to the originals, not the same objects.
 */
export class ReplayLog {
  private texts: string[] = [];
  private lastChunk = -1;
  private objects: TurnEvent[] = [];
  /** Per event: text index (or -1 for an object), start (or object index), end. */
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
    if (wire) {
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

  /** The events in order (parsed again where kept as text). */
  *events(): Generator<TurnEvent, void, undefined> {
    for (let i = 0; i < this.count; i++) {
      const source = this.entries[3 * i]!;
      const start = this.entries[3 * i + 1]!;
      yield source === -1
        ? this.objects[start]!
        : (JSON.parse(this.texts[source]!.slice(start, this.entries[3 * i + 2])) as TurnEvent);
    }
  }

  /** Lets go of everything. */
  clear(): void {
    this.texts = [];
    this.lastChunk = -1;
    this.objects = [];
    this.entries = new Int32Array(0);
    this.count = 0;
  }
}
