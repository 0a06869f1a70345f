/**
 * Case: a pool of local app-servers (CodexPool). Three figures:
 *
 * - 40 concurrent turns that each run a command (the scripted model asks for `sleep 0.5`, then
 *   answers) on pools of 1, 2 and 4 members: wall time and turns per second;
 * - the client's CPU per turn event through a pool's thread vs a thread of one `Codex`, each a
 *   real server streaming the same long message (interleaved A B, B A …): what the pool's
 *   admission hook and bookkeeping cost on the hot path;
 * - client heap for 1,000 idle threads spread over a 2-member pool.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lastValueFrom, reduce } from 'rxjs';
import { Codex, CodexPool } from '../../src/index.js';
import type { Thread } from '../../src/index.js';
import { HERMETIC_ENV, scriptedConfigToml } from '../../src/testing/codex-home.js';
import { ScriptedModelServer, item, reply } from '../../src/testing/scripted-model-server.js';
import type { Responder } from '../../src/testing/scripted-model-server.js';
import type { BenchConfig, CaseResult } from '../support/case.js';
import { target } from '../support/case.js';
import { formatSummary, settleHeap, summarize } from '../support/stats.js';

/** A folder with `size` scripted member homes, a workspace and an empty HOME. */
async function poolRoot(
  size: number,
  modelUrl: string,
): Promise<{
  root: string;
  cwd: string;
  env: Record<string, string>;
  cleanup: () => Promise<void>;
}> {
  const dir = await mkdtemp(path.join(tmpdir(), 'codex-rx-bench-pool-'));
  const root = path.join(dir, 'root');
  const cwd = path.join(dir, 'workspace');
  const home = path.join(dir, 'home');
  await mkdir(cwd);
  await mkdir(home);
  for (let i = 0; i < size; i++) {
    await mkdir(path.join(root, `member-${i}`), { recursive: true });
    await writeFile(
      path.join(root, `member-${i}`, 'config.toml'),
      scriptedConfigToml({ modelUrl }),
    );
  }
  return {
    root,
    cwd,
    env: { ...HERMETIC_ENV, HOME: home },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

const sleepThenAnswer: Responder = (request) =>
  request.functionCallOutputs().length > 0 ? reply.text('done') : reply.execCommand('sleep 0.5');

async function concurrentTurns(
  model: ScriptedModelServer,
  members: number,
  turns: number,
): Promise<{ wallMs: number; turnsPerSecond: number }> {
  const where = await poolRoot(members, model.url);
  const pool = await CodexPool.start({
    size: members,
    root: where.root,
    cwd: where.cwd,
    env: where.env,
  });
  try {
    const threads: Thread[] = [];
    for (let i = 0; i < turns; i++) threads.push(await pool.startThread());
    const started = performance.now();
    const results = await Promise.all(threads.map((t, i) => t.run(`turn ${i}`)));
    const wallMs = performance.now() - started;
    if (results.some((r) => r.finalResponse !== 'done'))
      throw new Error('pool: a turn did not finish its command');
    return { wallMs, turnsPerSecond: (turns / wallMs) * 1000 };
  } finally {
    await pool.close();
    await where.cleanup();
  }
}

/** The client's CPU (user + system) per event of one turn streaming `deltas` deltas, in µs. */
async function cpuPerEvent(thread: Thread, deltas: number, text: string): Promise<number> {
  const before = process.cpuUsage();
  const events = await lastValueFrom(thread.turn(text).pipe(reduce((n) => n + 1, 0)));
  const used = process.cpuUsage(before);
  if (events < deltas) throw new Error(`pool: expected ≥ ${deltas} events, saw ${events}`);
  return (used.user + used.system) / events;
}

export async function pool(config: BenchConfig): Promise<CaseResult> {
  const turns = config.quick ? 4 : 40;
  const sizes = config.quick ? [2] : [1, 2, 4];
  const deltas = config.quick ? 200 : 5_000;
  const reps = config.quick ? 1 : 6;
  const idleThreads = config.quick ? 20 : 1_000;
  const rows: Array<[string, string]> = [];
  const metrics: Record<string, unknown> = { turns, deltas, reps, idleThreads };

  // 1. Concurrent command-running turns.
  const model = await ScriptedModelServer.start({ responder: sleepThenAnswer });
  try {
    for (const size of sizes) {
      const { wallMs, turnsPerSecond } = await concurrentTurns(model, size, turns);
      config.log(`  pool: ${turns} turns on ${size} member(s): ${wallMs.toFixed(0)} ms`);
      rows.push([
        `${turns} concurrent command turns on ${size} member(s): wall ms / turns per s`,
        `${wallMs.toFixed(0)} / ${turnsPerSecond.toFixed(1)}`,
      ]);
      metrics[`members${size}`] = { wallMs, turnsPerSecond };
    }
  } finally {
    await model.close();
  }

  // 2. Client cost per event: a pool of one vs one Codex, on the same kind of server.
  const chunks = Array.from({ length: deltas }, (_, i) => `w${i} `);
  const streaming = await ScriptedModelServer.start({
    responder: () => reply.of([item.message(chunks.join(''), { chunks })]),
  });
  const poolSamples: number[] = [];
  const codexSamples: number[] = [];
  try {
    const forPool = await poolRoot(1, streaming.url);
    const forCodex = await poolRoot(1, streaming.url);
    const onePool = await CodexPool.start({
      size: 1,
      root: forPool.root,
      cwd: forPool.cwd,
      env: forPool.env,
    });
    const codex = await Codex.start({
      codexHome: path.join(forCodex.root, 'member-0'),
      cwd: forCodex.cwd,
      env: forCodex.env,
    });
    try {
      const poolThread = await onePool.startThread();
      const codexThread = await codex.startThread();
      // A load$ watcher, as a UI would have: part of what the pool costs.
      const watching = onePool.load$.subscribe();
      // Warm both paths once.
      await cpuPerEvent(poolThread, deltas, 'warm');
      await cpuPerEvent(codexThread, deltas, 'warm');
      for (let rep = 0; rep < reps; rep++) {
        const order: Array<[number[], Thread]> = [
          [poolSamples, poolThread],
          [codexSamples, codexThread],
        ];
        if (rep % 2) order.reverse();
        for (const [samples, thread] of order)
          samples.push(await cpuPerEvent(thread, deltas, `rep ${rep}`));
      }
      watching.unsubscribe();
    } finally {
      await onePool.close();
      await codex.close();
      await forPool.cleanup();
      await forCodex.cleanup();
    }
  } finally {
    await streaming.close();
  }
  const viaPool = summarize(poolSamples);
  const viaCodex = summarize(codexSamples);
  const ratio = viaPool.median / viaCodex.median;
  rows.push(
    [
      `client CPU per event through a pool's thread, µs (${deltas} deltas, ${reps} reps)`,
      formatSummary(viaPool, 2),
    ],
    ['client CPU per event through one Codex, µs', formatSummary(viaCodex, 2)],
    ['pool / one connection', ratio.toFixed(2)],
  );
  metrics['cpuPerEvent'] = { pool: viaPool, codex: viaCodex, ratio };

  // 3. Memory of idle threads spread over a pool.
  const idleModel = await ScriptedModelServer.start();
  const forIdle = await poolRoot(2, idleModel.url);
  const idlePool = await CodexPool.start({
    size: 2,
    root: forIdle.root,
    cwd: forIdle.cwd,
    env: forIdle.env,
  });
  try {
    settleHeap();
    const before = process.memoryUsage().heapUsed;
    const held: Thread[] = [];
    const batch = 20;
    for (let i = 0; i < idleThreads; i += batch)
      held.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(batch, idleThreads - i) }, () => idlePool.startThread()),
        )),
      );
    settleHeap();
    const after = process.memoryUsage().heapUsed;
    const perThreadKb = (after - before) / held.length / 1024;
    const load = idlePool.memberNames.map(
      (name) => held.filter((t) => idlePool.memberOf(t.id) === name).length,
    );
    rows.push(
      [
        `client heap for ${held.length} idle threads over 2 members (${load.join(' + ')}), MB`,
        ((after - before) / 1e6).toFixed(1),
      ],
      ['per idle thread, KB', perThreadKb.toFixed(1)],
    );
    metrics['idle'] = {
      threads: held.length,
      heapBytes: after - before,
      perThreadKb,
      spread: load,
    };
  } finally {
    await idlePool.close();
    await idleModel.close();
    await forIdle.cleanup();
  }

  return {
    name: `pool (CodexPool of local app-servers)`,
    rows,
    metrics,
    targets: [target('pool: client cost per event ≤ 1.05× one connection', ratio, 'max', 1.05)],
  };
}
