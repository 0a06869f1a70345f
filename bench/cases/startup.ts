/**
 * Case 5: startup. `Codex.start()` until ready (spawn, initialize, initialized) against the raw
 * client's spawn + initialize, interleaved.
 */
import { Codex } from '../../src/index.js';
import { resolveBundledCodex } from '../../src/transport/codex-binary.js';
import { createCodexHome } from '../../src/testing/codex-home.js';
import { ScriptedModelServer } from '../../src/testing/scripted-model-server.js';
import type { BenchConfig, CaseResult } from '../support/case.js';
import { RawClient } from '../support/raw-client.js';
import { formatSummary, summarize } from '../support/stats.js';

export async function startup(config: BenchConfig): Promise<CaseResult> {
  const repetitions = config.quick ? 1 : 7;
  const model = await ScriptedModelServer.start();
  const home = await createCodexHome({ modelUrl: model.url });
  const binary = resolveBundledCodex().path;
  const rx: number[] = [];
  const raw: number[] = [];
  try {
    for (let rep = 0; rep < repetitions; rep++) {
      let started = performance.now();
      const codex = await Codex.start({ codexHome: home.path, env: home.env, cwd: home.workspace });
      rx.push(performance.now() - started);
      await codex.close();
      started = performance.now();
      const client = new RawClient(
        binary,
        { ...process.env, ...home.env, CODEX_HOME: home.path },
        home.workspace,
      );
      await client.initialize();
      raw.push(performance.now() - started);
      await client.close();
      config.log(
        `  startup rep ${rep + 1}/${repetitions}: codex-rx ${rx.at(-1)!.toFixed(0)} ms, raw ${raw.at(-1)!.toFixed(0)} ms`,
      );
    }
  } finally {
    await model.close();
    await home.cleanup();
  }
  const rxS = summarize(rx);
  const rawS = summarize(raw);
  return {
    name: `startup (${repetitions} reps)`,
    rows: [
      ['Codex.start() to ready, ms', formatSummary(rxS)],
      ['raw spawn + initialize, ms', formatSummary(rawS)],
      ['codex-rx / raw', (rxS.median / rawS.median).toFixed(2)],
    ],
    metrics: { repetitions, codexRx: rxS, raw: rawS, ratio: rxS.median / rawS.median },
    targets: [],
  };
}
