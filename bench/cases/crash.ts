/**
 * Reliability figure: how long after the server is killed (SIGKILL) a running turn, a pending
 * request and `notifications$` have all failed with CodexProcessError. The goal is under 1 s.
 */
import { lastValueFrom } from 'rxjs';
import { CodexProcessError } from '../../src/index.js';
import { reply } from '../../src/testing/scripted-model-server.js';
import { startRealCodex } from '../../spec/support/real-codex.js';
import type { BenchConfig, CaseResult } from '../support/case.js';
import { target } from '../support/case.js';
import { formatSummary, summarize } from '../support/stats.js';

export async function crash(config: BenchConfig): Promise<CaseResult> {
  const repetitions = config.quick ? 1 : 5;
  const samples: number[] = [];
  for (let rep = 0; rep < repetitions; rep++) {
    const real = await startRealCodex();
    try {
      const thread = await real.codex.startThread();
      real.model.enqueue(reply.hang());
      let killedAt = 0;
      const failedAt = (promise: Promise<unknown>): Promise<number> =>
        promise.then(
          () => Number.NaN,
          (error: unknown) =>
            error instanceof CodexProcessError ? performance.now() - killedAt : Number.NaN,
        );
      const turn = failedAt(lastValueFrom(thread.turn('long task')));
      const notifications = failedAt(lastValueFrom(real.codex.notifications$));
      await real.model.waitForModelRequests(real.model.modelRequests.length + 1);
      const pending = failedAt(
        real.codex.request('command/exec', { command: ['sleep', '30'], cwd: real.home.workspace }),
      );
      await new Promise((r) => setTimeout(r, 100));
      killedAt = performance.now();
      process.kill(real.codex.pid!, 'SIGKILL');
      const all = await Promise.all([turn, notifications, pending]);
      if (all.some(Number.isNaN))
        throw new Error('crash: something did not fail with CodexProcessError');
      samples.push(Math.max(...all));
      config.log(
        `  crash rep ${rep + 1}/${repetitions}: all failed ${samples.at(-1)!.toFixed(1)} ms after SIGKILL`,
      );
    } finally {
      await real.close();
    }
  }
  const s = summarize(samples);
  return {
    name: `crash detection (${repetitions} reps)`,
    rows: [['SIGKILL → turn, request and notifications$ all failed, ms', formatSummary(s, 1)]],
    metrics: { repetitions, msToAllFailed: s },
    targets: [target('crash: everything fails within 1 s of SIGKILL', s.max, 'max', 1000)],
  };
}
