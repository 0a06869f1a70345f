import { Codex, InvalidInputError } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';

describe('bad input is refused before anything is sent', () => {
  let peer: FakePeer;
  let codex: Codex;
  beforeEach(async () => {
    peer = new FakePeer();
    codex = await Codex.connect(peer.transport);
  });
  afterEach(() => codex.close());

  const sentAfterHandshake = () =>
    peer.received.filter((m) => m.method !== 'initialize' && m.method !== 'initialized');

  it.each([
    ['a bigint', { config: { n: 10n } }, /params\.config\.n is a bigint/],
    ['a function', { config: { f: () => 1 } }, /params\.config\.f is a function/],
    ['NaN', { config: { n: Number.NaN } }, /params\.config\.n is NaN/],
    [
      'undefined in an array',
      { config: { list: [1, undefined] } },
      /params\.config\.list\[1\] is undefined/,
    ],
    ['a lone high surrogate', { config: { s: 'a\ud800b' } }, /params\.config\.s contains a lone/],
    ['a lone low surrogate', { config: { s: '\udc00' } }, /params\.config\.s contains a lone/],
  ])('names the field holding %s', async (_what, params, message) => {
    const error = await codex.startThread(params as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(String((error as Error).message)).toMatch(message);
    expect(error).toMatchObject({ method: 'thread/start', code: 'invalid_input' });
    expect(sentAfterHandshake()).toEqual([]);
  });

  it('names a cycle', async () => {
    const config: Record<string, unknown> = {};
    config.self = config;
    await expect(codex.request('thread/start', { config } as never)).rejects.toThrow(
      /params\.config\.self refers back to itself/,
    );
    expect(sentAfterHandshake()).toEqual([]);
  });

  it('refuses empty or non-string thread ids', async () => {
    for (const id of ['', '   ', undefined, 42]) {
      await expect(codex.readThread(id as never)).rejects.toThrow(
        /threadId must be a non-empty string/,
      );
      await expect(codex.forkThread(id as never)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(codex.archiveThread(id as never)).rejects.toBeInstanceOf(InvalidInputError);
    }
    expect(sentAfterHandshake()).toEqual([]);
  });

  it('keeps well-formed text with surrogate pairs (emoji) as it is', async () => {
    peer.handle('thread/start', () => ({
      result: { thread: { id: 't', status: { type: 'idle' } } },
    }));
    await codex.request('thread/start', { config: { s: 'ok 😀' } });
    expect(sentAfterHandshake()[0]).toMatchObject({ params: { config: { s: 'ok 😀' } } });
  });

  it.each([0, -1, Number.NaN, Infinity, 2 ** 31])(
    'refuses a request timeout of %p (a timer would fire at once or never)',
    async (timeoutMs) => {
      const error = await codex.request('thread/start', {}, { timeoutMs }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect(String((error as Error).message)).toMatch(/options\.timeoutMs/);
      expect(sentAfterHandshake()).toEqual([]);
    },
  );
});
