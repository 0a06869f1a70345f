/**
 * The UI store examples are the ones an app copies whole (docs/ui-state.md points at them): they
 * must import nothing but packages, and from codex-rx only what its exports map ships, so that
 * they run as is outside this repository.
 */
import { readFile, readdir } from 'node:fs/promises';

const COPIED = /^ui-store.*\.tsx?$/;

describe('examples an app copies', () => {
  it('import only packages, and only the public entry points of codex-rx', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as {
      exports: Record<string, unknown>;
    };
    const entries = new Set(Object.keys(pkg.exports).map((key) => key.replace(/^\./, 'codex-rx')));
    const files = (await readdir('examples')).filter((f) => COPIED.test(f));
    expect(files.length).toBeGreaterThanOrEqual(2);
    const wrong: string[] = [];
    for (const file of files) {
      const text = await readFile(`examples/${file}`, 'utf8');
      for (const [, specifier] of text.matchAll(
        /^\s*(?:import|export)\b[^'"]*['"]([^'"]+)['"]/gm,
      )) {
        const name = specifier!;
        if (name.startsWith('.') || name.startsWith('/')) wrong.push(`${file}: ${name}`);
        else if (/^codex-rx(\/|$)/.test(name) && !entries.has(name)) wrong.push(`${file}: ${name}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
