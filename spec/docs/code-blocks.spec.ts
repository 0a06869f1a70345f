/**
 * Every ```ts block in the README and docs/ must type-check against the real API, so the docs
 * cannot drift from the code (code-blocks-run.spec.ts also runs them). Blocks that use `codex`, `thread` or `turn` without defining them
 * see them declared globally (they continue an earlier block).
 *
 * They are checked as a user's project checks them: against the packed package's declarations
 * (spec/support/packed-package.ts) in its own node_modules, with the settings of getting-started's
 * "TypeScript set-up"; `tsc` in `npm test` checks the sources themselves, so checking them again
 * here only cost the suite half a minute.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { docBlocks } from '../support/doc-blocks.js';
import { linkPackedPackage } from '../support/packed-package.js';

const GLOBALS = `import type { Codex, Thread, TurnObservable } from 'codex-rx';
import type { Observable } from 'rxjs';
declare global {
  const codex: Codex;
  const thread: Thread;
  const turn: TurnObservable;
  const savedThreadId: string;
  const notes$: Observable<string>;
  const stop$: Observable<unknown>;
  function showPrompt(text: string): Promise<boolean>;
}
export {};
`;

describe('code in the README and docs', () => {
  it('type-checks against the real API', async () => {
    const dir = path.resolve('.tmp/doc-blocks');
    await rm(dir, { recursive: true, force: true });
    await linkPackedPackage(dir);
    const all = await docBlocks();
    expect(all.length).toBeGreaterThan(10);
    await writeFile(path.join(dir, 'globals.d.ts'), GLOBALS);
    const names = new Map<string, string>();
    for (const [i, block] of all.entries()) {
      const name = `block-${i}.ts`;
      names.set(name, `${block.file}:${block.line}`);
      await writeFile(path.join(dir, name), `${block.code}\nexport {};\n`);
    }
    await writeFile(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          // getting-started's "TypeScript set-up"; consumers.spec.ts checks the declarations.
          module: 'nodenext',
          target: 'es2022',
          types: ['node'],
          strict: true,
          skipLibCheck: true,
          noEmit: true,
        },
        include: ['./*.ts'],
      }),
    );
    const result = await execa('npx', ['tsc', '-p', path.join(dir, 'tsconfig.json'), '--noEmit'], {
      reject: false,
    });
    const report = result.stdout.replace(
      /\.tmp\/doc-blocks\/(block-\d+\.ts)\((\d+),(\d+)\)/g,
      (_, name: string, line: string) => `${names.get(name)} (+${Number(line) - 1} lines)`,
    );
    expect(report).toBe('');
    await rm(dir, { recursive: true, force: true });
  }, 300_000);
});
