/**
 * The layers are the lint set-up's to enforce: a file that imports the wrong way fails `npm test`
 * at its eslint phase. Each case plants such a file in the tree (removed afterwards) and lints it
 * with the project's own config.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(import.meta.dirname, '../..');

/** Each case: a folder under src/, a file planted there, and what the lint must say about it. */
const CASES = {
  stateImportsThread: [
    'state',
    "import type { Thread } from '../thread/thread.js';\nexport type T = Thread;\n",
  ],
  stateImportsErrors: [
    'state',
    "import type { CodexError } from '../errors/codex-error.js';\nexport type T = CodexError;\n",
  ],
  observablesImportsClient: [
    'observables',
    "import type { Codex } from '../client/codex.js';\nexport type T = Codex;\n",
  ],
  threadImportsClient: [
    'thread',
    "import type { Codex } from '../client/codex.js';\nexport type T = Codex;\n",
  ],
} as const satisfies Record<string, readonly [string, string]>;

/**
 * The `no-restricted-imports` messages for every planted file, from one lint run: the
 * config's typed rules build a TypeScript program per ESLint instance (seconds each).
 */
let found: Record<keyof typeof CASES, string[]>;

beforeAll(async () => {
  const files = Object.entries(CASES).map(([name, [folder, source]]) => ({
    name: name as keyof typeof CASES,
    file: path.join(root, 'src', folder, `planted-${process.pid}-${name}.ts`),
    source,
  }));
  try {
    for (const { file, source } of files) writeFileSync(file, source);
    const results = await new ESLint({ cwd: root }).lintFiles(files.map((f) => f.file));
    found = Object.fromEntries(
      files.map(({ name, file }) => [
        name,
        results
          .find((r) => r.filePath === file)!
          .messages.filter((m) => m.ruleId === 'no-restricted-imports')
          .map((m) => m.message),
      ]),
    ) as typeof found;
  } finally {
    for (const { file } of files) rmSync(file, { force: true });
  }
}, 120_000);

describe('import boundaries (eslint)', () => {
  it('state/ may import protocol/ and errors/ only', () => {
    expect(found.stateImportsThread).toEqual([expect.stringContaining('state/ is pure UI state')]);
    expect(found.stateImportsErrors).toEqual([]);
  });

  it('nothing below thread/ imports thread/ or client/', () => {
    expect(found.observablesImportsClient).toEqual([expect.stringContaining('below thread/')]);
  });

  it('thread/ does not import client/', () => {
    expect(found.threadImportsClient).toEqual([
      expect.stringContaining('thread/ sits below client/'),
    ]);
  });
});
