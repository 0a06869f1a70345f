import { readFileSync, readdirSync } from 'node:fs';

/** One process, as /proc shows it: the start time tells a reused pid apart. */
export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly startTime: string;
  readonly command: string;
}

function read(pid: number): ProcessEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name sits in parentheses and may hold spaces; the fields follow the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined; // a zombie has ended; only its parent's wait is left
    const command = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').trim();
    return {
      pid,
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      startTime: fields[19]!,
      command,
    };
  } catch {
    return undefined;
  }
}

function all(): ProcessEntry[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => read(Number(entry)))
    .filter((entry): entry is ProcessEntry => entry !== undefined);
}

/** `root` and every process below it by parent links, plus every process in its group. */
export function processTree(root: number): ProcessEntry[] {
  const processes = all();
  const rootEntry = processes.find((p) => p.pid === root);
  const tree = new Map<number, ProcessEntry>();
  if (rootEntry) tree.set(root, rootEntry);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of processes) {
      if (tree.has(p.pid)) continue;
      if (tree.has(p.ppid) || (rootEntry && p.pgid === rootEntry.pid)) {
        tree.set(p.pid, p);
        grew = true;
      }
    }
  }
  return [...tree.values()];
}

/** Which of `entries` still run (same pid, same start time, not a zombie). */
export function stillRunning(entries: readonly ProcessEntry[]): ProcessEntry[] {
  return entries.filter((entry) => read(entry.pid)?.startTime === entry.startTime);
}

/** Waits (bounded) until none of `entries` runs; returns those still running at the end. */
export async function waitUntilGone(
  entries: readonly ProcessEntry[],
  timeoutMs = 10_000,
): Promise<ProcessEntry[]> {
  const deadline = Date.now() + timeoutMs;
  let left = stillRunning(entries);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = stillRunning(left);
  }
  return left;
}

/** Waits (bounded) until a process below `root` runs a command line matching `pattern`. */
export async function waitForDescendant(
  root: number,
  pattern: RegExp,
  timeoutMs = 30_000,
): Promise<ProcessEntry[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tree = processTree(root);
    if (tree.some((p) => p.pid !== root && pattern.test(p.command))) return tree;
    if (Date.now() > deadline)
      throw new Error(`no process matching ${String(pattern)} below ${root} in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
