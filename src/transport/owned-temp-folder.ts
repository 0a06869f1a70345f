import { rmSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExitCleanup } from './exit-cleanup.js';

/** A temporary folder this process owns (a scripted home, a listener's token file). */
export interface OwnedTempFolder {
  readonly path: string;
  /** Removes it (and stops tracking it). */
  remove(): Promise<void>;
}

/** This process's folders not yet removed; what the exit hook cannot remove, a later sweep does. */
const live = new ExitCleanup<string>((folder) =>
  rmSync(folder, { recursive: true, force: true, maxRetries: 2 }),
);

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, someone else's.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes the folders `<prefix><pid>-<random>` in `dir` whose owner process is gone (killed
 * before it could clean up). Folders of live processes, and names this version did not make,
 * are left alone.
 */
async function sweepOrphans(dir: string, prefix: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(
    names.map(async (name) => {
      if (!name.startsWith(prefix)) return;
      const owner = /^(\d+)-[A-Za-z0-9]{6}$/.exec(name.slice(prefix.length))?.[1];
      if (owner === undefined || Number(owner) === process.pid || processAlive(Number(owner)))
        return;
      await rm(path.join(dir, name), { recursive: true, force: true }).catch(() => undefined);
    }),
  );
}

/**
 * A new folder `<prefix><pid>-<random>` in the temp dir (the owner is in the name, so a sweep
 * reads no file). It goes when `remove()` is called, or else when the process exits or dies of a
 * signal it can catch; one left by a process killed outright (SIGKILL, a crash) is removed by the
 * next call with that prefix on the machine, once its owner is gone.
 */
export async function ownedTempFolder(prefix: string): Promise<OwnedTempFolder> {
  await sweepOrphans(tmpdir(), prefix);
  const folder = await mkdtemp(path.join(tmpdir(), `${prefix}${process.pid}-`));
  live.add(folder);
  return {
    path: folder,
    remove: async () => {
      await rm(folder, { recursive: true, force: true });
      live.delete(folder);
    },
  };
}
