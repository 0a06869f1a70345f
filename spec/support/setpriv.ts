/** Whether this host starts children under a parent-death signal (Linux, util-linux setpriv). */
import { execFileSync } from 'node:child_process';

export function hasSetpriv(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    execFileSync('setpriv', ['--pdeathsig', 'TERM', '--', 'true']);
    return true;
  } catch {
    return false;
  }
}
