import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GENERATED_DIR, generateProtocol } from '../../scripts/generate-protocol.js';

async function snapshot(
  dir: string,
  base = dir,
  out = new Map<string, string>(),
): Promise<Map<string, string>> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await snapshot(full, base, out);
    else out.set(path.relative(base, full), await readFile(full, 'utf8'));
  }
  return out;
}

describe('generated protocol types', () => {
  it('match what the pinned codex binary generates (run `npm run generate` if not)', async () => {
    const fresh = await mkdtemp(path.join(tmpdir(), 'codex-rx-drift-'));
    try {
      await generateProtocol(path.join(fresh, 'generated'));
      const expected = await snapshot(path.join(fresh, 'generated'));
      const committed = await snapshot(GENERATED_DIR);
      const missing = [...expected.keys()].filter((f) => !committed.has(f));
      const extra = [...committed.keys()].filter((f) => !expected.has(f));
      const changed = [...expected.keys()].filter(
        (f) => committed.has(f) && committed.get(f) !== expected.get(f),
      );
      const drift = [
        ...missing.map((f) => `missing: ${f}`),
        ...extra.map((f) => `not generated: ${f}`),
        ...changed.map((f) => `differs: ${f}`),
      ];
      if (drift.length) {
        throw new Error(
          `src/protocol/generated/ is out of date with the pinned codex binary (${drift.length} files). ` +
            `Run \`npm run generate\` and commit the result.\n${drift.slice(0, 20).join('\n')}`,
        );
      }
      expect(committed.size).toBeGreaterThan(900);
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });
});
