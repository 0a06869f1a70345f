/**
 * The layers are the lint set-up's to enforce: a file that imports the wrong way fails `npm test`
 * at its eslint phase. Each case plants such a file in the tree (removed afterwards) and lints it
 * with the project's own config.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(import.meta.dirname, '../..');
let planted = 0;

async function lintPlanted(folder: string, source: string): Promise<string[]> {
  const file = path.join(root, 'src', folder, `planted-${process.pid}-${++planted}.ts`);
  try {
    writeFileSync(file, source);
    const eslint = new ESLint({ cwd: root });
    const [result] = await eslint.lintFiles([file]);
    return result!.messages
      .filter((m) => m.ruleId === 'no-restricted-imports')
      .map((m) => m.message);
  } finally {
    rmSync(file, { force: true });
  }
}

describe('import boundaries (eslint)', () => {
  it('state/ may import protocol/ and errors/ only', async () => {
    expect(
      await lintPlanted(
        'state',
        "import type { Thread } from '../thread/thread.js';\nexport type T = Thread;\n",
      ),
    ).toEqual([expect.stringContaining('state/ is pure UI state')]);
    expect(
      await lintPlanted(
        'state',
        "import type { CodexError } from '../errors/codex-error.js';\nexport type T = CodexError;\n",
      ),
    ).toEqual([]);
  }, 120_000);

  it('nothing below thread/ imports thread/ or client/', async () => {
    expect(
      await lintPlanted(
        'observables',
        "import type { Codex } from '../client/codex.js';\nexport type T = Codex;\n",
      ),
    ).toEqual([expect.stringContaining('below thread/')]);
  }, 120_000);

  it('thread/ does not import client/', async () => {
    expect(
      await lintPlanted(
        'thread',
        "import type { Codex } from '../client/codex.js';\nexport type T = Codex;\n",
      ),
    ).toEqual([expect.stringContaining('thread/ sits below client/')]);
  }, 120_000);
});
