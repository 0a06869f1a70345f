import { readFile } from 'node:fs/promises';
import { VERSION } from '../../src/index.js';

describe('VERSION', () => {
  it('is the version in package.json (update src/version.ts when you bump it)', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});
