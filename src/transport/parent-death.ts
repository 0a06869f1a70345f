import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { executableProblem } from './codex-binary.js';

/** What a managed child is started through so that the kernel ends it when this process dies. */
export interface ParentDeathCommand {
  readonly file: string;
  readonly args: readonly string[];
}

let setpriv: string | null | undefined;

function isExecutableFile(file: string): boolean {
  return executableProblem(file) === undefined;
}

/**
 * Whether the kernel can start `file` itself: a script's `#!` interpreter must be there too.
 * Otherwise the failure would come from setpriv's exec (its exit code and its message) instead
 * of a spawn error naming the file.
 */
function canExec(file: string): boolean {
  if (!isExecutableFile(file)) return false;
  const head = firstBytes(file);
  if (head === undefined) return false;
  if (!head.startsWith('#!')) return true;
  const interpreter = /^#!\s*(\S+)/.exec(head)?.[1];
  return interpreter !== undefined && path.isAbsolute(interpreter) && isExecutableFile(interpreter);
}

/** The first 256 bytes of `file`, as Latin-1; undefined when it cannot be read. */
function firstBytes(file: string): string | undefined {
  try {
    const fd = openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(256);
      return buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/**
 * util-linux's `setpriv`, when this is Linux, it is on `PATH` and it takes `--pdeathsig` (asked
 * once, by having it run itself with `--version`).
 */
function findSetpriv(): string | null {
  if (setpriv !== undefined) return setpriv;
  setpriv = null;
  if (process.platform !== 'linux') return setpriv;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = dir && path.join(dir, 'setpriv');
    if (!candidate || !isExecutableFile(candidate)) continue;
    const probe = spawnSync(candidate, ['--pdeathsig', 'TERM', '--', candidate, '--version'], {
      stdio: 'ignore',
      timeout: 5_000,
    });
    if (probe.status === 0) setpriv = candidate;
    break;
  }
  return setpriv;
}

/**
 * `executable args…` as started under a parent-death signal: the kernel sends the child SIGTERM
 * when this process dies, even by SIGKILL, when no exit hook runs (a listener or an exec-server
 * reads no stdin, so nothing else would end it). `setpriv --pdeathsig TERM -- executable args…`
 * sets `PR_SET_PDEATHSIG` and then replaces itself with the executable, so the child's pid is the
 * executable's. The signal follows the thread that started the child, so only the main thread
 * asks for it: a worker that ends must not take the servers it started (and may have handed
 * on) with it. Only for an absolute executable the kernel can start: one that cannot must still
 * fail as a spawn error, not as setpriv's exit code. Elsewhere (not Linux, no setpriv) the
 * command is started as it is.
 */
export function underParentDeathSignal(
  executable: string,
  args: readonly string[],
): ParentDeathCommand {
  const wrapper =
    isMainThread && path.isAbsolute(executable) && canExec(executable) ? findSetpriv() : null;
  return wrapper
    ? { file: wrapper, args: ['--pdeathsig', 'TERM', '--', executable, ...args] }
    : { file: executable, args };
}
