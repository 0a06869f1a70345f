/**
 * The package as `npm install codex-rx` leaves it: this checkout packed, unpacked into a fresh
 * folder's node_modules, with its dependencies linked from this checkout (no network).
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = process.cwd();

/** What `npm pack` (with its prepack build) reads from the checkout. */
const PACK_INPUTS = [
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'README.md',
  'LICENSE',
  'docs',
  'scripts',
  'src',
];

/** A folder whose node_modules holds the packed codex-rx and the linked dependencies. */
export interface PackedPackage {
  readonly root: string;
  /** The packed package's version. */
  readonly version: string;
  /** Makes `root/name` with `files` (name → text) and returns its path. */
  project(name: string, files: Record<string, string>): Promise<string>;
  /** Removes `root`. */
  cleanup(): Promise<void>;
}

/**
 * Packs this checkout and installs the tarball in a new temporary folder (named with `prefix`).
 * `links` are the node_modules entries to link from this checkout: a name, or `[name, target]`
 * to link another folder under that name (`['rxjs', 'rxjs-lowest']`).
 */
export async function installPackedPackage(
  prefix: string,
  links: ReadonlyArray<string | readonly [name: string, target: string]>,
): Promise<PackedPackage> {
  const root = await mkdtemp(path.join(tmpdir(), prefix));
  // Packed from a copy of what the build reads: `npm pack` builds dist/ first (prepack), and
  // two builds into one dist/ at once (two spec files pack, in two workers) race.
  const source = path.join(root, 'source');
  for (const name of PACK_INPUTS)
    await cp(path.join(repo, name), path.join(source, name), { recursive: true });
  await symlink(path.join(repo, 'node_modules'), path.join(source, 'node_modules'), 'dir');
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', root], {
    cwd: source,
    maxBuffer: 64 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{
    filename: string;
    version: string;
  }>;
  const modules = path.join(root, 'node_modules');
  await mkdir(path.join(modules, 'codex-rx'), { recursive: true });
  await run('tar', [
    '-xzf',
    path.join(root, packed!.filename),
    '-C',
    path.join(modules, 'codex-rx'),
    '--strip-components=1',
  ]);
  for (const entry of links) {
    const [name, target] = typeof entry === 'string' ? [entry, entry] : entry;
    await mkdir(path.dirname(path.join(modules, name)), { recursive: true });
    await symlink(path.join(repo, 'node_modules', target), path.join(modules, name), 'dir');
  }
  return {
    root,
    version: packed!.version,
    async project(name, files) {
      const dir = path.join(root, name);
      await mkdir(dir);
      for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, file), text);
      return dir;
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
