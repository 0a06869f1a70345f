import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CODEX_PATH_ENV, resolveCodex } from '../../src/transport/codex-binary.js';

/** The `@openai/codex` version package.json pins. */
export const PINNED_CODEX: string = (
  JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> }
).dependencies['@openai/codex']!;

/**
 * The version of the `codex` binary the suite runs against: the bundled one, or the one
 * `CODEX_RX_CODEX_PATH` names (as `codex --version` reports it).
 */
export const CODEX_IN_USE: string = (() => {
  const out = execFileSync(resolveCodex().path, ['--version'], { encoding: 'utf8' });
  const version = /(\d+\.\d+\.\d+\S*)/.exec(out)?.[1];
  if (!version) throw new Error(`codex --version printed no version: ${out}`);
  return version;
})();

/** Whether the suite runs against another binary than the pinned one (`CODEX_RX_CODEX_PATH`). */
export const OTHER_CODEX: boolean = Boolean(process.env[CODEX_PATH_ENV]);

/** Whether the binary in use is at least `major.minor.patch` (numeric comparison). */
export function codexAtLeast(version: string): boolean {
  const parse = (v: string): number[] => v.split(/[.-]/, 3).map((n) => Number(n));
  const [a, b] = [parse(CODEX_IN_USE), parse(version)];
  for (let i = 0; i < 3; i++) if (a[i]! !== b[i]!) return a[i]! > b[i]!;
  return true;
}
