import { Codex, InvalidInputError } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';

const threadInfo = { id: 'th-1', status: { type: 'idle' }, preview: '', ephemeral: false };

async function setup() {
  const peer = new FakePeer().handle('thread/start', () => ({ result: { thread: threadInfo } }));
  const codex = await Codex.connect(peer.transport);
  return { peer, codex, thread: await codex.startThread() };
}

describe('turn options are checked once, under the method that carries them', () => {
  it('a goal turn names thread/goal/set, a plain turn turn/start', async () => {
    const { peer, codex, thread } = await setup();
    const refusal = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(
      refusal(() => thread.turn('do it', { goal: true, turnStallTimeoutMs: -1 })),
    ).toMatchObject({ field: 'options.turnStallTimeoutMs', method: 'thread/goal/set' });
    expect(refusal(() => thread.turn('do it', { goal: { tokenBudget: 0 } }))).toMatchObject({
      field: 'options.goal.tokenBudget',
      method: 'thread/goal/set',
    });
    // Past 2^53 a JSON number is not the budget asked for; 1e300 the server refuses as "not an i64".
    for (const tokenBudget of [1e300, 2 ** 60, Infinity])
      expect(refusal(() => thread.turn('do it', { goal: { tokenBudget } }))).toMatchObject({
        field: 'options.goal.tokenBudget',
        method: 'thread/goal/set',
      });
    // A goal of the wrong type, or a misspelt key, is refused, not run as some other goal.
    for (const goal of ['yes', 1, 0, '', [], { tokenbudget: 100 }] as never[])
      expect(refusal(() => thread.turn('do it', { goal }))).toMatchObject({
        field: expect.stringMatching(/^options\.goal/) as unknown,
        method: 'thread/goal/set',
      });
    expect(
      refusal(() => thread.turn('do it', { goal: { tokenbudget: 100 } as never })),
    ).toMatchObject({
      field: 'options.goal.tokenbudget',
    });
    expect(refusal(() => thread.turn(42 as never, { goal: true }))).toBeInstanceOf(
      InvalidInputError,
    );
    expect(refusal(() => thread.turn(42 as never, { goal: true }))).toMatchObject({
      method: 'thread/goal/set',
    });
    // A preset is a turn/start parameter too: refused by the name the caller gave, not labelled
    // turn/start by the preset expansion (a goal turn sends no turn/start).
    expect(
      refusal(() => thread.turn('do it', { goal: true, networkAccessEnabled: true })),
    ).toMatchObject({ field: 'options.networkAccessEnabled', method: 'thread/goal/set' });
    expect(refusal(() => thread.turn('do it', { goal: true, sandbox: 'read-only' }))).toMatchObject(
      { field: 'options.sandbox', method: 'thread/goal/set' },
    );
    expect(refusal(() => thread.turn('do it', { turnStallTimeoutMs: 0 }))).toMatchObject({
      field: 'options.turnStallTimeoutMs',
      method: 'turn/start',
    });
    // Past the longest Node timer, a timeout would fire every millisecond (TimeoutOverflowWarning).
    for (const turnStallTimeoutMs of [Infinity, 2 ** 31, '100' as unknown as number])
      expect(refusal(() => thread.turn('do it', { turnStallTimeoutMs }))).toMatchObject({
        field: 'options.turnStallTimeoutMs',
        method: 'turn/start',
      });
    // Nothing was sent for any of them.
    expect(peer.received.filter((m) => m.method?.startsWith('turn/'))).toEqual([]);
    await codex.close();
  });

  it("the client's turnStallTimeoutMs, out of range, is refused under the client's option name", async () => {
    const peer = new FakePeer().handle('thread/start', () => ({ result: { thread: threadInfo } }));
    const codex = await Codex.connect(peer.transport, { turnStallTimeoutMs: 3e9 });
    const thread = await codex.startThread();
    let refused: unknown;
    try {
      thread.turn('do it');
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({ field: 'turnStallTimeoutMs', method: 'turn/start' });
    // The turn's own option overrides it.
    expect(() => thread.turn('do it', { turnStallTimeoutMs: 1000 })).not.toThrow();
    await codex.close();
  });
});
