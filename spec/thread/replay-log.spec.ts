import { ReplayLog } from '../../src/thread/replay-log.js';
import type { TurnEvent } from '../../src/index.js';
import { turnEvents } from '../support/turn-fixtures.js';

describe('ReplayLog', () => {
  const t = turnEvents('th', 'tu');

  it('replays events kept as wire text and as objects, in order, as equal copies', () => {
    const log = new ReplayLog();
    const first = t.delta('m', 'one') as TurnEvent;
    const second = t.delta('m', 'two') as TurnEvent;
    const chunk = `${JSON.stringify(first)}\n${JSON.stringify(second)}\n`;
    const split = chunk.indexOf('\n');
    log.append(first, { chunk: 1, text: chunk, start: 0, end: split });
    const buffered = t.started() as TurnEvent;
    log.append(buffered, undefined);
    log.append(second, { chunk: 1, text: chunk, start: split + 1, end: chunk.length - 1 });
    const replayed = [...log.events()];
    expect(replayed).toEqual([first, buffered, second]);
    expect(replayed[0]).not.toBe(first);
    expect(replayed[1]).toBe(buffered);
  });

  it('replays events kept as frame bytes (views into shared reads, multi-byte text, a large frame) as equal copies', () => {
    const log = new ReplayLog();
    const events = [
      ...Array.from({ length: 500 }, (_, i) => t.delta('m', `${i} naïve ✓ 🎉`) as TurnEvent),
      t.delta('m', '🎉'.repeat(300_000)) as TurnEvent,
      t.delta('m', 'after') as TurnEvent,
    ];
    // As a socket delivers them: several frames to a read, with frame headers between them.
    const texts = events.map((e) => JSON.stringify(e));
    let chunk = 0;
    for (let first = 0; first < texts.length; first += 37) {
      const group = texts.slice(first, first + 37);
      const read = Buffer.concat(
        group.flatMap((text) => [Buffer.from([0x81, 0x7e]), Buffer.from(text)]),
      );
      let at = 0;
      for (const [i, text] of group.entries()) {
        const length = Buffer.byteLength(text);
        const bytes = read.subarray(at + 2, at + 2 + length);
        log.append(events[first + i]!, { chunk: ++chunk, text, start: 0, end: text.length, bytes });
        at += 2 + length;
      }
    }
    const replayed = [...log.events()];
    expect(replayed).toEqual(events);
    expect(replayed[0]).not.toBe(events[0]);
  });

  it('grows past its first allocation and lets go of everything on clear()', () => {
    const log = new ReplayLog();
    const events = Array.from({ length: 1000 }, (_, i) => t.delta('m', String(i)) as TurnEvent);
    const text = events.map((e) => JSON.stringify(e)).join('\n');
    let start = 0;
    for (const event of events) {
      const end = text.indexOf('\n', start) === -1 ? text.length : text.indexOf('\n', start);
      log.append(event, { chunk: 7, text, start, end });
      start = end + 1;
    }
    expect(log.size).toBe(1000);
    expect([...log.events()].map((e) => (e.params as { delta: string }).delta)).toEqual(
      events.map((_, i) => String(i)),
    );
    log.clear();
    expect(log.size).toBe(0);
    expect([...log.events()]).toEqual([]);
  });
});
