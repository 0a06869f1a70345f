/**
 * Keeps `npm run bench` from rotting: the quick mode runs every case and writes a well-formed
 * results file. No timing is asserted here; figures live in bench/README.md.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

interface Results {
  machine: { cpus: number; node: string };
  quick: boolean;
  results: Array<{
    name: string;
    rows: Array<[string, string]>;
    targets: Array<{ description: string; met: boolean; value: number }>;
  }>;
}

describe('npm run bench -- --quick', () => {
  it('runs every case and writes a results file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'codex-rx-bench-'));
    try {
      const out = path.join(dir, 'results.json');
      const run = await execa(
        'node',
        ['--expose-gc', '--import', 'tsx', 'bench/run.ts', '--quick', '--out', out],
        {
          reject: false,
          timeout: 120_000,
          env: { NODE_OPTIONS: '' },
        },
      );
      expect({ exitCode: run.exitCode, stderr: run.exitCode === 0 ? '' : run.stderr }).toEqual({
        exitCode: 0,
        stderr: '',
      });
      const results = JSON.parse(await readFile(out, 'utf8')) as Results;
      expect(results.quick).toBe(true);
      expect(results.machine.cpus).toBeGreaterThan(0);
      expect(results.results.map((r) => r.name.split(' ')[0])).toEqual([
        'memory',
        'conversation',
        'event',
        'routing',
        'startup',
        'crash',
        'request',
        'transports',
        'ui-state',
        'pool',
      ]);
      for (const result of results.results) {
        expect(result.rows.length).toBeGreaterThan(0);
        for (const [label, value] of result.rows)
          expect([label, value]).toEqual([expect.any(String), expect.stringMatching(/\d/)]);
        for (const t of result.targets) expect(Number.isFinite(t.value)).toBe(true);
      }
      expect(run.stdout).toMatch(/\d+ of 13 targets met/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
