/**
 * The package as `npm pack` makes it (with its prepack build), made once per content of what the
 * build reads and shared by every spec file that needs it: the consumer matrix, the newcomer's
 * set-up and the docs' code blocks, in any worker, in any Node line of one CI run. A build takes
 * about 15 CPU-seconds; three files each packing their own cost the suite a core for most of a
 * minute, and two builds into one dist/ at once race.
 *
 * It is packed from a copy of its inputs (under .tmp/packed/<hash>/source), so the checkout's
 * own dist/ is never written; the first caller takes a lock (an exclusive mkdir), the others wait
 * for its result, and a lock whose holder died is taken over.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cp,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = process.cwd();

/** What `npm pack` (with its prepack build) reads from the checkout. */
export const PACK_INPUTS = [
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'README.md',
  'LICENSE',
  'docs',
  'scripts',
  'src',
] as const;

export interface PackedTarball {
  /** The tarball `npm pack` wrote. */
  readonly tarball: string;
  /** The tarball unpacked: what `npm install` puts in `node_modules/codex-rx`. */
  readonly dir: string;
  readonly version: string;
  /** The tarball's files, as `npm pack --json` lists them. */
  readonly files: readonly string[];
}

async function filesUnder(name: string): Promise<string[]> {
  const full = path.join(repo, name);
  if (!(await stat(full)).isDirectory()) return [name];
  const entries = await readdir(full, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(repo, path.join(entry.parentPath, entry.name)))
    .sort();
}

/** A digest of every input's path and bytes: a change anywhere makes a new package. */
async function inputsDigest(): Promise<string> {
  const hash = createHash('sha256');
  for (const name of PACK_INPUTS) {
    for (const file of await filesUnder(name)) {
      hash.update(`${file}\0`);
      hash.update(await readFile(path.join(repo, file)));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function readResult(file: string): Promise<PackedTarball | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as PackedTarball;
  } catch {
    return undefined;
  }
}

async function pack(folder: string): Promise<PackedTarball> {
  const source = path.join(folder, 'source');
  await rm(source, { recursive: true, force: true });
  for (const name of PACK_INPUTS)
    await cp(path.join(repo, name), path.join(source, name), { recursive: true });
  await symlink(path.join(repo, 'node_modules'), path.join(source, 'node_modules'), 'dir');
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', folder], {
    cwd: source,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{
    filename: string;
    version: string;
    files: Array<{ path: string }>;
  }>;
  const dir = path.join(folder, 'package');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const tarball = path.join(folder, packed!.filename);
  await run('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1']);
  await rm(source, { recursive: true, force: true });
  return {
    tarball,
    dir,
    version: packed!.version,
    files: packed!.files.map((file) => file.path),
  };
}

/** The packed package for the checkout as it is now (made on first use; bounded to 5 minutes). */
export async function packedPackage(): Promise<PackedTarball> {
  const folder = path.join(repo, '.tmp', 'packed', await inputsDigest());
  const resultFile = path.join(folder, 'result.json');
  const lock = `${folder}.lock`;
  await mkdir(path.dirname(folder), { recursive: true });
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const done = await readResult(resultFile);
    if (done) return done;
    try {
      await mkdir(lock);
    } catch {
      const holder = Number(await readFile(path.join(lock, 'pid'), 'utf8').catch(() => 'NaN'));
      if (Number.isInteger(holder) && !alive(holder)) await rm(lock, { recursive: true });
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    try {
      await writeFile(path.join(lock, 'pid'), String(process.pid));
      const again = await readResult(resultFile);
      if (again) return again;
      await mkdir(folder, { recursive: true });
      const packed = await pack(folder);
      await writeFile(resultFile, JSON.stringify(packed));
      // Packages of earlier contents are never read again.
      for (const name of await readdir(path.dirname(folder)))
        if (!folder.endsWith(name) && !name.endsWith('.lock'))
          await rm(path.join(path.dirname(folder), name), { recursive: true, force: true });
      return packed;
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
  throw new Error('packedPackage: another worker held the pack lock for 5 minutes');
}

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
 * Installs the packed package (above) in a new temporary folder (named with `prefix`), as
 * `npm install codex-rx` leaves it: unpacked into its node_modules, with `links` linked from this
 * checkout (no network): a name, or `[name, target]` to link another folder under that name
 * (`['rxjs', 'rxjs-lowest']`).
 */
export async function installPackedPackage(
  prefix: string,
  links: ReadonlyArray<string | readonly [name: string, target: string]>,
): Promise<PackedPackage> {
  const packed = await packedPackage();
  const root = await mkdtemp(path.join(tmpdir(), prefix));
  const modules = path.join(root, 'node_modules');
  // Unpacked again, not linked: the package's own imports must resolve from this folder's
  // node_modules (rxjs at its lowest version), as they do in a user's project.
  await mkdir(path.join(modules, 'codex-rx'), { recursive: true });
  await run('tar', [
    '-xzf',
    packed.tarball,
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
    version: packed.version,
    async project(name, files) {
      const dir = path.join(root, name);
      await mkdir(dir);
      for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, file), text);
      return dir;
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/**
 * Makes `dir` a package scope of its own (`type: module`) whose node_modules/codex-rx links the
 * packed package. Its own scope matters inside the checkout: there `codex-rx` would otherwise
 * resolve to the checkout itself (a package's self-reference) rather than to node_modules. The
 * link resolves the package's own imports from this checkout's node_modules.
 */
export async function linkPackedPackage(dir: string): Promise<void> {
  await mkdir(path.join(dir, 'node_modules'), { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  await symlink((await packedPackage()).dir, path.join(dir, 'node_modules', 'codex-rx'), 'dir');
}
