import { TestScheduler } from 'rxjs/testing';
import {
  OutputParseError,
  TurnFailedError,
  agentMessageDeltas,
  completedItems,
  ofMethod,
  toRunResult,
} from '../../src/index.js';
import type { CodexNotification } from '../../src/index.js';
import { turnEvents } from '../support/turn-fixtures.js';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const t = turnEvents('thread-1', 'turn-1');

describe('agentMessageDeltas', () => {
  it('emits each delta as it streams, skipping other events', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const events = {
        s: t.started(),
        a: t.delta('m', 'Hel'),
        b: t.delta('m', 'lo'),
        c: t.completed(),
      };
      const source = cold<CodexNotification>('s-a-b-c|', events);
      expectObservable(source.pipe(agentMessageDeltas())).toBe('--x-y--|', { x: 'Hel', y: 'lo' });
    });
  });
});

describe('completedItems', () => {
  it('emits the final state of each completed item', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const message = t.agentMessage('m', 'done');
      const events = {
        s: t.itemStarted({ ...message, text: '' }),
        d: t.delta('m', 'done'),
        c: t.message('m', 'done'),
      };
      expectObservable(cold<CodexNotification>('s-d-c|', events).pipe(completedItems())).toBe(
        '----c|',
        { c: message },
      );
    });
  });
});

describe('ofMethod', () => {
  it('keeps the named methods only', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const events = { s: t.started(), d: t.delta('m', 'x'), c: t.completed() };
      expectObservable(
        cold<CodexNotification>('s-d-c|', events).pipe(ofMethod('turn/started', 'turn/completed')),
      ).toBe('s---c|', events);
    });
  });
});

describe('toRunResult', () => {
  it('reduces items, usage and the final answer, emitting when the turn completes', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const events = {
        s: t.started(),
        c: t.message('c1', 'Let me look', 'commentary'),
        u: t.usage(10),
        f: t.message('f1', 'The answer', 'final_answer'),
        p: t.message('p1', 'trailing phaseless', null),
        v: t.usage(20),
        e: t.completed(),
      };
      const result$ = cold<CodexNotification>('s-c-u-f-p-v-e|', events).pipe(toRunResult());
      expectObservable(result$).toBe('-------------(r|)', {
        r: expect.objectContaining({
          id: 'turn-1',
          threadId: 'thread-1',
          status: 'completed',
          finalResponse: 'The answer',
          items: [
            t.agentMessage('c1', 'Let me look', 'commentary'),
            t.agentMessage('f1', 'The answer', 'final_answer'),
            t.agentMessage('p1', 'trailing phaseless', null),
          ],
          usage: expect.objectContaining({ total: expect.objectContaining({ totalTokens: 20 }) }),
          durationMs: 1000,
        }),
      });
    });
  });

  it('falls back to the last phaseless message, never to commentary, and keeps an empty message', () => {
    const run = (events: CodexNotification[]) => {
      let out: unknown;
      scheduler().run(({ cold, flush }) => {
        const marbles = events.map((_, i) => String.fromCharCode(97 + i)).join('') + '|';
        const values = Object.fromEntries(events.map((e, i) => [String.fromCharCode(97 + i), e]));
        cold<CodexNotification>(marbles, values)
          .pipe(toRunResult())
          .subscribe((r) => (out = r.finalResponse));
        flush();
      });
      return out;
    };
    expect(
      run([
        t.message('a', 'first'),
        t.message('b', 'second'),
        t.message('c', 'aside', 'commentary'),
        t.completed(),
      ]),
    ).toBe('second');
    expect(run([t.message('a', 'only commentary', 'commentary'), t.completed()])).toBeNull();
    expect(run([t.completed()])).toBeNull();
    expect(run([t.message('a', 'earlier'), t.message('b', '', null), t.completed()])).toBe('');
    expect(
      run([
        t.message('a', 'final', 'final_answer'),
        t.message('b', 'later phaseless'),
        t.completed(),
      ]),
    ).toBe('final');
  });

  it('errors with TurnFailedError carrying the turn error and the partial result', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const error = { message: 'boom from model', codexErrorInfo: null, additionalDetails: null };
      const events = { m: t.message('m', 'partial'), e: t.completed('failed', error) };
      const result$ = cold<CodexNotification>('m-e|', events).pipe(toRunResult());
      expectObservable(result$).toBe(
        '---#',
        undefined,
        expect.objectContaining({
          constructor: TurnFailedError,
          turnError: error,
          result: expect.objectContaining({ status: 'failed', finalResponse: 'partial' }),
        }),
      );
    });
  });

  it('resolves an interrupted turn normally, with its status', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const result$ = cold<CodexNotification>('e|', { e: t.completed('interrupted') }).pipe(
        toRunResult(),
      );
      expectObservable(result$).toBe('-(r|)', {
        r: expect.objectContaining({ status: 'interrupted' }),
      });
    });
  });

  it('errors when the stream ends without turn/completed', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<CodexNotification>('s|', { s: t.started() }).pipe(toRunResult())).toBe(
        '-#',
        undefined,
        expect.objectContaining({ code: 'turn_incomplete' }),
      );
    });
  });

  it('parses JSON when asked, naming the text that fails', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const ok = cold<CodexNotification>('m-e|', {
        m: t.message('m', '{"n":1}', 'final_answer'),
        e: t.completed(),
      });
      expectObservable(ok.pipe(toRunResult<{ n: number }>({ parseJson: true }))).toBe('---(r|)', {
        r: expect.objectContaining({ parsedResponse: { n: 1 } }),
      });
      const bad = cold<CodexNotification>('m-e|', {
        m: t.message('m', 'not json', 'final_answer'),
        e: t.completed(),
      });
      expectObservable(bad.pipe(toRunResult({ parseJson: true }))).toBe(
        '---#',
        undefined,
        expect.objectContaining({ constructor: OutputParseError, text: 'not json' }),
      );
    });
  });
});
