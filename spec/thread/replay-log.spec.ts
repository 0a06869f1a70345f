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

  /**
   * Appends `events` as a socket delivers WebSocket frames: several to a read, with frame headers
   * between them, each event's bytes a view into its read. Returns the bytes of the frames' text.
   */
  function appendAsFrames(log: ReplayLog, events: readonly TurnEvent[], perRead = 37): number {
    let received = 0;
    for (let first = 0; first < events.length; first += perRead) {
      const texts = events.slice(first, first + perRead).map((e) => JSON.stringify(e));
      const read = Buffer.concat(
        texts.flatMap((text) => [Buffer.from([0x81, 0x7e]), Buffer.from(text)]),
      );
      let at = 0;
      for (const [i, text] of texts.entries()) {
        const length = Buffer.byteLength(text);
        const bytes = read.subarray(at + 2, at + 2 + length);
        log.append(events[first + i]!, {
          chunk: first + i,
          text,
          start: 0,
          end: text.length,
          bytes,
        });
        at += 2 + length;
        received += length;
      }
    }
    return received;
  }

  it('replays events kept as frame bytes (views into shared reads, multi-byte text, a large frame) as equal copies', () => {
    const log = new ReplayLog();
    const events = [
      ...Array.from({ length: 500 }, (_, i) => t.delta('m', `${i} naïve ✓ 🎉`) as TurnEvent),
      t.delta('m', '🎉'.repeat(300_000)) as TurnEvent,
      t.delta('m', 'after') as TurnEvent,
    ];
    appendAsFrames(log, events);
    const replayed = [...log.events()];
    expect(replayed).toEqual(events);
    expect(replayed[0]).not.toBe(events[0]);
  });

  it('keeps what a frame shares with the one before it once: about a fifth of 20,000 deltas, replayed equal', () => {
    const log = new ReplayLog();
    const events = Array.from(
      { length: 20_000 },
      (_, i) =>
        ({
          ...t.delta('msg_1', `token${i % 100} `),
          emittedAtMs: 1_700_000_000_000 + i,
        }) as TurnEvent,
    );
    const received = appendAsFrames(log, events);
    expect(log.slabBytes).toBeLessThan(received / 3);
    expect([...log.events()]).toEqual(events);
  });

  it('replays frames equal whatever they share: other kinds, repeats, prefixes, text and objects between, split characters', () => {
    const log = new ReplayLog();
    const long = t.delta('m', 'x'.repeat(200_000)) as TurnEvent;
    const frames: TurnEvent[] = [
      t.delta('m', 'ab') as TurnEvent,
      t.delta('m', 'ab') as TurnEvent, // the same bytes again
      t.delta('m', 'a') as TurnEvent, // shorter than what the two before share
      t.delta('m', 'é1') as TurnEvent, // 'é' and 'ê' share their first UTF-8 byte
      t.delta('m', 'ê1') as TurnEvent,
      t.started() as TurnEvent, // another kind
      long, // larger than any slab
      { ...long, params: { ...long.params, delta: `${'x'.repeat(199_999)}y` } } as TurnEvent,
      t.delta('m', '🎉🎉') as TurnEvent,
      t.delta('m', '🎉😀') as TurnEvent, // shares three of the emoji's four bytes
    ];
    const expected: TurnEvent[] = [];
    frames.forEach((event, i) => {
      appendAsFrames(log, [event], 1);
      expected.push(event);
      if (i % 3 === 2) {
        // Events kept another way, between the frames.
        const between = t.delta('m', `between ${i}`) as TurnEvent;
        const text = JSON.stringify(between);
        log.append(between, { chunk: 1000 + i, text, start: 0, end: text.length });
        const object = t.delta('m', `object ${i}`) as TurnEvent;
        log.append(object, undefined);
        expected.push(between, object);
      }
    });
    expect([...log.events()]).toEqual(expected);
    // A replay can start again, and a log that goes on after one replays it all.
    expect([...log.events()]).toEqual(expected);
    const after = t.delta('m', 'ê2') as TurnEvent;
    appendAsFrames(log, [after], 1);
    expect([...log.events()]).toEqual([...expected, after]);
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
    // Used again after clear(), it keeps and replays as before.
    const again = t.delta('m', 'again') as TurnEvent;
    appendAsFrames(log, [again], 1);
    log.append(events[0]!, undefined);
    expect([...log.events()]).toEqual([again, events[0]]);
  });

  it('replays what is appended while it replays, and nothing more once cleared meanwhile', () => {
    const log = new ReplayLog();
    const events = Array.from({ length: 3000 }, (_, i) => t.delta('m', `d${i}`) as TurnEvent);
    appendAsFrames(log, events.slice(0, 2000));
    // A subscriber joining late may make the turn go on while it is replayed to (its next()
    // steering, another subscriber's delivery): the replay reaches the new events too, across
    // a new slab.
    const replayed: TurnEvent[] = [];
    for (const event of log.events()) {
      replayed.push(event);
      if (replayed.length === 1500) appendAsFrames(log, events.slice(2000));
    }
    expect(replayed).toEqual(events);
    // The log is cleared while a replay is under way: that replay stops there, even when the
    // log is used again meanwhile.
    let seen = 0;
    for (const _event of log.events()) {
      if (++seen !== 10) continue;
      log.clear();
      appendAsFrames(log, events.slice(0, 50));
    }
    expect(seen).toBe(10);
    expect([...log.events()]).toEqual(events.slice(0, 50));
  });

  it('keeps each event as a few bytes besides its text: 50,000 JSONL lines in under 8 bytes each, offsets past 2^21 too', () => {
    const log = new ReplayLog();
    const events = Array.from(
      { length: 50_000 },
      (_, i) => t.delta('m', `token${i} `) as TurnEvent,
    );
    // One long chunk, so that the later offsets take three and four varint bytes.
    const lines = events.map((e) => JSON.stringify(e));
    const pad = ' '.repeat(3_000_000);
    const text = `${pad}\n${lines.join('\n')}`;
    let start = pad.length + 1;
    for (const [i, line] of lines.entries()) {
      log.append(events[i]!, { chunk: 1, text, start, end: start + line.length });
      start += line.length + 1;
    }
    expect(log.slabBytes).toBeLessThan(8 * events.length);
    expect([...log.events()]).toEqual(events);
  });
});
