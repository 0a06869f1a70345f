/**
 * Case 1: a 20-turn conversation on one thread, the scripted model answering at once. Three
 * contenders, interleaved A B C so drift in the machine hits them alike: codex-rx `thread.run`,
 * a raw JSONL client on the same binary, and `@openai/codex-sdk` (one `codex exec` per turn).
 * Each repetition starts from a fresh CODEX_HOME.
 *
 * Two figures per contender: the 20 turns (what the targets compare: codex-sdk has no server to
 * start, so all its cost is in its turns), and the whole run including starting and stopping
 * the app-server once.
 */
import { Codex as CodexSdk } from '@openai/codex-sdk';
import { Codex } from '../../src/index.js';
import { resolveBundledCodex } from '../../src/transport/codex-binary.js';
import { createCodexHome } from '../../src/testing/codex-home.js';
import type { CodexHome } from '../../src/testing/codex-home.js';
import { ScriptedModelServer, reply } from '../../src/testing/scripted-model-server.js';
import type { BenchConfig, CaseResult } from '../support/case.js';
import { target } from '../support/case.js';
import { RawClient } from '../support/raw-client.js';
import { formatSummary, summarize } from '../support/stats.js';

/** Runs the conversation and says when its turns began and ended (performance.now()). */
type Contender = (
  home: CodexHome,
  turns: number,
) => Promise<{ turnsStart: number; turnsEnd: number }>;

const binary = resolveBundledCodex().path;

const codexRx: Contender = async (home, turns) => {
  const codex = await Codex.start({ codexHome: home.path, env: home.env, cwd: home.workspace });
  const thread = await codex.startThread({ cwd: home.workspace });
  const turnsStart = performance.now();
  for (let i = 0; i < turns; i++) await thread.run(`turn ${i}`);
  const turnsEnd = performance.now();
  await codex.close();
  return { turnsStart, turnsEnd };
};

const raw: Contender = async (home, turns) => {
  const client = new RawClient(
    binary,
    { ...process.env, ...home.env, CODEX_HOME: home.path },
    home.workspace,
  );
  await client.initialize();
  const started = await client.request('thread/start', { cwd: home.workspace });
  const threadId = (started.result as { thread: { id: string } }).thread.id;
  const turnsStart = performance.now();
  for (let i = 0; i < turns; i++) await client.turn(threadId, `turn ${i}`);
  const turnsEnd = performance.now();
  await client.close();
  return { turnsStart, turnsEnd };
};

const codexSdk: Contender = async (home, turns) => {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  const sdk = new CodexSdk({
    codexPathOverride: binary,
    env: { ...env, ...home.env, CODEX_HOME: home.path },
  });
  const thread = sdk.startThread({
    workingDirectory: home.workspace,
    skipGitRepoCheck: true,
    sandboxMode: 'read-only',
    approvalPolicy: 'never',
  });
  const turnsStart = performance.now();
  for (let i = 0; i < turns; i++) await thread.run(`turn ${i}`);
  return { turnsStart, turnsEnd: performance.now() };
};

export async function conversation(config: BenchConfig): Promise<CaseResult> {
  const turns = config.quick ? 3 : 20;
  // The server's own time per turn varies ±15 % between identical runs; 9 reps steady the medians.
  const repetitions = config.quick ? 1 : 9;
  const model = await ScriptedModelServer.start({
    responder: (r) => reply.text(`ok: ${r.lastUserText()}`),
  });
  const contenders: Array<[string, Contender]> = [
    ['codex-rx', codexRx],
    ['raw', raw],
    ['codex-sdk', codexSdk],
  ];
  const turnSamples = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
  const totalSamples = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
  try {
    for (let rep = 0; rep < repetitions; rep++) {
      // A B C, then B C A, then C A B: no contender always runs first or after the slow one.
      const order = contenders.map((_, i) => contenders[(i + rep) % contenders.length]!);
      for (const [name, run] of order) {
        const home = await createCodexHome({ modelUrl: model.url });
        try {
          const before = model.modelRequests.length;
          const started = performance.now();
          const { turnsStart, turnsEnd } = await run(home, turns);
          const total = performance.now() - started;
          const calls = model.modelRequests.length - before;
          if (calls !== turns)
            throw new Error(`${name}: expected ${turns} model calls, saw ${calls}`);
          turnSamples.get(name)!.push(turnsEnd - turnsStart);
          totalSamples.get(name)!.push(total);
          config.log(
            `  conversation rep ${rep + 1}/${repetitions} ${name}: turns ${(turnsEnd - turnsStart).toFixed(0)} ms, total ${total.toFixed(0)} ms`,
          );
        } finally {
          await home.cleanup();
        }
      }
    }
  } finally {
    await model.close();
  }
  const [rx, rawS, sdk] = contenders.map(([name]) => summarize(turnSamples.get(name)!));
  const [rxTotal, rawTotal, sdkTotal] = contenders.map(([name]) =>
    summarize(totalSamples.get(name)!),
  );
  const vsRaw = rx!.median / rawS!.median;
  const vsSdk = rx!.median / sdk!.median;
  return {
    name: `conversation (${turns} turns, ${repetitions} reps)`,
    rows: [
      [`codex-rx thread.run, ${turns} turns, ms median (min–max)`, formatSummary(rx!)],
      [`raw JSONL client, ${turns} turns, ms`, formatSummary(rawS!)],
      [`@openai/codex-sdk thread.run, ${turns} turns, ms`, formatSummary(sdk!)],
      ['codex-rx / raw', vsRaw.toFixed(2)],
      ['codex-rx / codex-sdk', vsSdk.toFixed(2)],
      [
        'with server start and stop: codex-rx / raw / codex-sdk, ms',
        `${formatSummary(rxTotal!)} / ${formatSummary(rawTotal!)} / ${formatSummary(sdkTotal!)}`,
      ],
      [
        'with server start and stop: codex-rx / codex-sdk',
        (rxTotal!.median / sdkTotal!.median).toFixed(2),
      ],
    ],
    metrics: {
      turns,
      repetitions,
      turnsMs: { codexRx: rx, raw: rawS, codexSdk: sdk },
      totalMs: { codexRx: rxTotal, raw: rawTotal, codexSdk: sdkTotal },
      ratioVsRaw: vsRaw,
      ratioVsCodexSdk: vsSdk,
    },
    targets: [
      target('conversation: codex-rx ≤ 1.10× raw', vsRaw, 'max', 1.1),
      target('conversation: codex-rx ≤ 0.25× codex-sdk', vsSdk, 'max', 0.25),
    ],
  };
}
