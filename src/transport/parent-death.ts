import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** What a managed child is started through so that the kernel ends it when this process dies. */
export interface ParentDeathCommand {
  readonly file: string;
  readonly args: readonly string[];
}

let setpriv: string | null | undefined;

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * util-linux's `setpriv`, when this is Linux, it is on `PATH` and it takes `--pdeathsig` (asked
 * once: a probe run of Node itself through it).
 */
function findSetpriv(): string | null {
  if (setpriv !== undefined) return setpriv;
  setpriv = null;
  if (process.platform !== 'linux') return setpriv;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = dir && path.join(dir, 'setpriv');
    if (!candidate || !isExecutableFile(candidate)) continue;
    const probe = spawnSync(
      candidate,
      ['--pdeathsig', 'TERM', '--', process.execPath, '--version'],
      { stdio: 'ignore', timeout: 5_000 },
    );
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
 * executable's. Only for an executable given as an existing absolute path: one that cannot be
 * started must still fail as a spawn error, not as setpriv's exit code. Elsewhere (not Linux, no
 * setpriv) the command is started as it is.
 */
export function underParentDeathSignal(
  executable: string,
  args: readonly string[],
): ParentDeathCommand {
  const wrapper =
    path.isAbsolute(executable) && isExecutableFile(executable) ? findSetpriv() : null;
  return wrapper
    ? { file: wrapper, args: ['--pdeathsig', 'TERM', '--', executable, ...args] }
    : { file: executable, args };
}
