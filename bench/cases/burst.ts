/**
 * Reliability figure: a burst of concurrent requests on the real server. Unthrottled, a few
 * thousand overflow its 128-message queue and some never get an answer; codex-rx's flow control
 * must settle every one.
 */
import { startRealCodex } from '../../spec/support/real-codex.js';
import type { BenchConfig, CaseResult } from '../support/case.js';
import { target } from '../support/case.js';
import { formatSummary, summarize, time } from '../support/stats.js';

export async function burst(config: BenchConfig): Promise<CaseResult> {
  const requests = config.quick ? 1000 : 5000;
  const repetitions = config.quick ? 1 : 3;
  const real = await startRealCodex();
  const samples: number[] = [];
  let failures = 0;
  try {
    for (let rep = 0; rep < repetitions; rep++) {
      const ms = await time(async () => {
        const results = await Promise.allSettled(
          Array.from({ length: requests }, () => real.codex.request('thread/loaded/list', {})),
        );
        failures += results.filter((r) => r.status === 'rejected').length;
      });
      samples.push(ms);
      config.log(
        `  burst rep ${rep + 1}/${repetitions}: ${requests} requests settled in ${ms.toFixed(0)} ms`,
      );
    }
  } finally {
    await real.close();
  }
  const s = summarize(samples);
  return {
    name: `request burst (${requests.toLocaleString('en-US')} concurrent requests, ${repetitions} reps)`,
    rows: [
      ['all settled in, ms', formatSummary(s)],
      ['requests per second', ((requests / s.median) * 1000).toFixed(0)],
      ['failed (refused, dropped or timed out)', String(failures)],
    ],
    metrics: { requests, repetitions, ms: s, failures },
    targets: [target('burst: every request settles successfully', failures, 'max', 0)],
  };
}
