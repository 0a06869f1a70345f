import { readFile } from 'node:fs/promises';
import * as sdk from '../../src/index.js';

/** Every exported error class, by the convention that its name ends in `Error`. */
const errorClasses = Object.entries(sdk).filter(
  ([name, value]) => name.endsWith('Error') && typeof value === 'function',
) as Array<[string, abstract new (...args: never[]) => Error]>;

describe('exported errors', () => {
  it('are CodexErrors the user can instanceof (MalformedMessageError is only logged)', () => {
    expect(errorClasses.length).toBeGreaterThan(10);
    for (const [name, cls] of errorClasses) {
      if (name === 'MalformedMessageError') continue;
      expect({
        name,
        codexError: cls === sdk.CodexError || cls.prototype instanceof sdk.CodexError,
      }).toEqual({
        name,
        codexError: true,
      });
    }
  });

  it('are each listed in the FAQ error table', async () => {
    const faq = await readFile('docs/faq.md', 'utf8');
    const missing = errorClasses
      .map(([name]) => name)
      .filter((name) => !faq.includes(`| \`${name}\``));
    expect(missing).toEqual([]);
  });

  it('a codexPath that is not there fails Codex.start() with a CodexProcessError naming it', async () => {
    const error = await sdk.Codex.start({ codexPath: '/nonexistent/codex' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(sdk.CodexProcessError);
    expect(String((error as Error).message)).toContain('/nonexistent/codex');
  });

  it('CodexBinaryNotFoundError carries the paths tried', () => {
    const error = new sdk.CodexBinaryNotFoundError('no codex for this platform', ['/a', '/b']);
    expect(error).toBeInstanceOf(sdk.CodexError);
    expect(error).toMatchObject({ code: 'binary_not_found', data: { triedPaths: ['/a', '/b'] } });
  });
});
