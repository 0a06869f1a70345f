/**
 * `npm run upgrade-codex -- VERSION`: moves the `@openai/codex` pin to VERSION.
 *
 * 1. pins VERSION exactly in package.json and runs `npm install`;
 * 2. regenerates src/protocol/generated/ (`npm run generate`'s pipeline);
 * 3. type-checks, runs the drift test and the real-server core (scripts/core-specs.txt);
 * 4. prepends the docs/protocol-changes.md entry, computed by diffing the generated trees before
 *    and after (scripts/protocol-diff.ts), and makes the old pin the previous release that
 *    `npm run test:previous-codex` tests.
 *
 * If installing or generating fails, package.json, the lock file, the generated tree and
 * node_modules are put back as they were: no half-done upgrade is left. Failing checks (step 3)
 * are what an upgrade is for: the upgrade stays, the entry is written, and the exit code and the
 * last lines say which checks failed.
 *
 * Options: `--skip-core` (no real-server run), `--dry-run` (print the plan only).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { GENERATED_DIR, describeUnpaired, generateProtocol } from './generate-protocol.js';
import { prependEntry, protocolChangesEntry } from './protocol-diff.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PACKAGE_JSON = path.join(ROOT, 'package.json');
const LOCK = path.join(ROOT, 'package-lock.json');
const PREVIOUS_SCRIPT = path.join(ROOT, 'scripts/test-previous-codex.sh');
const VERSION_PATTERN = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

class StepFailed extends Error {}

async function step(name: string, run: () => Promise<unknown>): Promise<void> {
  console.log(`=== ${name}`);
  try {
    await run();
  } catch (error) {
    throw new StepFailed(`${name}: ${(error as Error)?.message ?? String(error)}`);
  }
}

/** Runs a command with its output shown; resolves true when it exits 0. */
async function check(name: string, file: string, args: string[]): Promise<boolean> {
  console.log(`=== ${name}: ${file} ${args.join(' ')}`);
  const result = await execa(file, args, {
    cwd: ROOT,
    stdio: 'inherit',
    reject: false,
    env: { NODE_OPTIONS: '--experimental-vm-modules' },
  });
  return result.exitCode === 0;
}

async function coreSpecs(): Promise<string[]> {
  return (await readFile(path.join(ROOT, 'scripts/core-specs.txt'), 'utf8'))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

async function main(argv: string[]): Promise<number> {
  const version = argv.find((a) => !a.startsWith('--'));
  if (!version || !VERSION_PATTERN.test(version)) {
    console.error(
      `upgrade-codex: give the release to pin, e.g. \`npm run upgrade-codex -- 0.172.0\` (got ${version ?? 'nothing'})`,
    );
    return 2;
  }
  const pkgText = await readFile(PACKAGE_JSON, 'utf8');
  const from = (JSON.parse(pkgText) as { dependencies: Record<string, string> }).dependencies[
    '@openai/codex'
  ];
  if (!from) throw new Error('upgrade-codex: package.json has no @openai/codex dependency');
  if (from === version) {
    console.error(`upgrade-codex: @openai/codex is already pinned at ${version}`);
    return 2;
  }
  console.log(`upgrade-codex: @openai/codex ${from} → ${version}`);
  if (argv.includes('--dry-run')) return 0;

  const backup = await mkdtemp(path.join(tmpdir(), 'codex-rx-upgrade-'));
  const lockText = await readFile(LOCK, 'utf8');
  await cp(GENERATED_DIR, path.join(backup, 'generated'), { recursive: true });
  const restore = async (): Promise<void> => {
    console.error(
      'upgrade-codex: putting package.json, the lock file and the generated types back',
    );
    await writeFile(PACKAGE_JSON, pkgText);
    await writeFile(LOCK, lockText);
    await rm(GENERATED_DIR, { recursive: true, force: true });
    await cp(path.join(backup, 'generated'), GENERATED_DIR, { recursive: true });
    // Reinstalls the old pin's binary from the restored lock.
    await execa('npm', ['install', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });
  };

  try {
    // Edited in place (not `npm install --save-exact`), so nothing else in package.json moves.
    await step(`pin @openai/codex ${version} and npm install`, async () => {
      const pinned = pkgText.replace(
        /("@openai\/codex":\s*")[^"]+(")/,
        (_, a: string, b: string) => `${a}${version}${b}`,
      );
      await writeFile(PACKAGE_JSON, pinned);
      await execa('npm', ['install', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });
      const { stdout } = await execa('npm', ['ls', '@openai/codex', '--json'], { cwd: ROOT });
      const installed = (
        JSON.parse(stdout) as { dependencies?: Record<string, { version?: string }> }
      ).dependencies?.['@openai/codex']?.version;
      if (installed !== version) throw new Error(`npm installed ${installed ?? 'nothing'}`);
    });
    await step('regenerate src/protocol/generated', async () => {
      const { unpaired } = await generateProtocol();
      for (const line of describeUnpaired(unpaired)) console.warn(line);
    });
  } catch (error) {
    console.error(`upgrade-codex: FAILED at ${(error as Error).message}`);
    try {
      await restore();
    } catch (restoreError) {
      console.error(
        `upgrade-codex: could not restore everything (${(restoreError as Error).message}); ` +
          'run `git checkout package.json package-lock.json src/protocol/generated && npm install`',
      );
    }
    await rm(backup, { recursive: true, force: true });
    return 1;
  }

  const entry = await protocolChangesEntry(
    path.join(backup, 'generated'),
    GENERATED_DIR,
    from,
    version,
  );
  await prependEntry(entry);
  await rm(backup, { recursive: true, force: true });
  const script = await readFile(PREVIOUS_SCRIPT, 'utf8');
  await writeFile(
    PREVIOUS_SCRIPT,
    script.replace(/^PREVIOUS_CODEX=.*$/m, `PREVIOUS_CODEX=${from}`),
  );
  console.log(`upgrade-codex: docs/protocol-changes.md has the ${from} → ${version} entry`);

  const failed: string[] = [];
  if (!(await check('type-check', 'npm', ['run', '--silent', 'typecheck'])))
    failed.push('type-check');
  const jest = ['jest', '--maxWorkers=1'];
  if (!(await check('drift test', 'npx', [...jest, 'spec/protocol/generated-drift.spec.ts'])))
    failed.push('drift test');
  if (!argv.includes('--skip-core')) {
    if (!(await check('real-server core', 'npx', [...jest, '--', ...(await coreSpecs())])))
      failed.push('real-server core');
  }
  if (failed.length) {
    console.error(
      `upgrade-codex: pinned ${version}, but these failed: ${failed.join(', ')}. ` +
        'Fix them (see the output above), write the CHANGELOG.md entry, then commit; ' +
        'or undo with `git checkout . && npm install`.',
    );
    return 1;
  }
  console.log(
    `upgrade-codex: pinned ${version}; type-check, drift test and real-server core pass. ` +
      'Write the CHANGELOG.md entry, then commit.',
  );
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
