import * as fs from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CodexPool } from '../../src/index.js';
import type { PoolStartOptions } from '../../src/index.js';
import { HERMETIC_ENV, scriptedConfigToml } from '../../src/testing/codex-home.js';
import { ScriptedModelServer } from '../../src/testing/scripted-model-server.js';
import type { Responder } from '../../src/testing/scripted-model-server.js';

/** A pool root whose member homes point at one scripted model, and the pools started on it. */
export interface PoolFixture {
  readonly model: ScriptedModelServer;
  readonly root: string;
  readonly workspace: string;
  start(options?: Partial<PoolStartOptions>): Promise<CodexPool>;
  close(): Promise<void>;
}

export async function poolFixture(
  size: number,
  options: { responder?: Responder } = {},
): Promise<PoolFixture> {
  const model = await ScriptedModelServer.start(options);
  const dir = await mkdtemp(path.join(tmpdir(), 'codex-rx-pool-'));
  const root = path.join(dir, 'root');
  const workspace = path.join(dir, 'workspace');
  const userHome = path.join(dir, 'user-home');
  await mkdir(workspace);
  await mkdir(userHome);
  // The pool makes root/member-<i>; the scripted config is written there first.
  for (let i = 0; i < size; i++) {
    await mkdir(path.join(root, `member-${i}`), { recursive: true });
    await writeFile(
      path.join(root, `member-${i}`, 'config.toml'),
      scriptedConfigToml({ modelUrl: model.url }),
    );
  }
  const pools: CodexPool[] = [];
  return {
    model,
    root,
    workspace,
    async start(overrides = {}) {
      const pool = await CodexPool.start({
        size,
        root,
        cwd: workspace,
        env: { ...HERMETIC_ENV, HOME: userHome },
        restartDelayMs: 100,
        ...overrides,
      });
      pools.push(pool);
      return pool;
    },
    async close() {
      await Promise.all(pools.map((pool) => pool.close()));
      await model.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Pids of this process's children whose command is the codex binary. */
export function codexChildren(): number[] {
  const { readdirSync, readFileSync } = fs;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces, so read after the last ')'.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // A zombie has ended; only its exit status waits to be read.
      if (Number(ppid) === process.pid && state !== 'Z' && /\(codex\)/.test(stat))
        pids.push(Number(entry));
    } catch {
      // The process ended while we read.
    }
  }
  return pids;
}
