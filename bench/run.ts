/**
 * `npm run bench`: every benchmark case in one run, on the same scripted model server. Prints a
 * table, writes bench/results.json and, on a full run, the figures section of bench/README.md.
 *
 *   npm run bench                     # full run (a few minutes)
 *   npm run bench -- --quick          # small sizes: checks the harness, figures mean little
 *   npm run bench -- --check          # exit 1 when a target is missed
 *   npm run bench -- --only throughput,routing --out /tmp/r.json
 *
 * Timing goals live here, never in the test suite.
 */
import { cpus, loadavg, platform, release } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { burst } from './cases/burst.js';
import { conversation } from './cases/conversation.js';
import { crash } from './cases/crash.js';
import { memory } from './cases/memory.js';
import { routingScale } from './cases/routing-scale.js';
import { startup } from './cases/startup.js';
import { throughput } from './cases/throughput.js';
import { remote } from './cases/remote.js';
import { uiState } from './cases/ui-state.js';
import { pool } from './cases/pool.js';
import type { BenchConfig, CaseResult } from './support/case.js';

// Memory runs first, so its peak RSS is its own and not the throughput case's 30 MB buffers.
const CASES: Record<string, (config: BenchConfig) => Promise<CaseResult>> = {
  memory,
  conversation,
  throughput,
  routing: routingScale,
  startup,
  crash,
  burst,
  transports: remote,
  'ui-state': uiState,
  pool,
};

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(`--${name}`);
const option = (name: string): string | undefined => {
  const index = args.indexOf(`--${name}`);
  return index === -1 ? undefined : args[index + 1];
};

const quick = flag('quick');
const only = option('only')?.split(',');
const unknown = only?.filter((name) => !(name in CASES)) ?? [];
if (unknown.length) {
  console.error(`unknown case(s): ${unknown.join(', ')}; cases: ${Object.keys(CASES).join(', ')}`);
  process.exit(2);
}
const resultsFile = option('out') ?? fileURLToPath(new URL('results.json', import.meta.url));
const log = flag('verbose') ? (line: string) => console.error(line) : () => undefined;

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
  node: process.version,
  os: `${platform()} ${release()}`,
  loadAverageAtStart: loadavg()[0]!.toFixed(2),
  date: new Date().toISOString(),
};
console.log(
  `codex-rx benchmarks${quick ? ' (quick)' : ''} — ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadAverageAtStart}\n`,
);

const results: CaseResult[] = [];
for (const [name, run] of Object.entries(CASES)) {
  if (only && !only.includes(name)) continue;
  process.stderr.write(`running ${name}...\n`);
  const result = await run({ quick, log });
  results.push(result);
  console.log(result.name);
  const width = Math.max(...result.rows.map(([label]) => label.length));
  for (const [label, value] of result.rows) console.log(`  ${label.padEnd(width)}  ${value}`);
  for (const t of result.targets)
    console.log(
      `  ${t.met ? 'met   ' : 'MISSED'} ${t.description} (measured ${t.value.toFixed(2)})`,
    );
  console.log();
}

const targets = results.flatMap((r) => r.targets);
const missed = targets.filter((t) => !t.met);
console.log(
  `${targets.length - missed.length} of ${targets.length} targets met${missed.length ? `; missed: ${missed.map((t) => t.description).join('; ')}` : ''}`,
);

await writeFile(resultsFile, `${JSON.stringify({ machine, quick, results }, null, 2)}\n`);
if (!quick && !only && !option('out')) await writeReadmeFigures(results);

if (flag('check') && missed.length) process.exit(1);

/** Replaces the figures section of bench/README.md with this run's table, verbatim. */
async function writeReadmeFigures(all: CaseResult[]): Promise<void> {
  const readme = fileURLToPath(new URL('README.md', import.meta.url));
  const text = await readFile(readme, 'utf8');
  const start = '<!-- figures:start -->';
  const end = '<!-- figures:end -->';
  if (!text.includes(start) || !text.includes(end)) return;
  const lines = [
    start,
    `Measured ${machine.date.slice(0, 10)} on ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, ${machine.os} (load average ${machine.loadAverageAtStart} at start), by \`npm run bench\`; written by the harness.`,
    '',
  ];
  for (const result of all) {
    lines.push(`**${result.name}**`, '', '| measure | value |', '|---|---|');
    for (const [label, value] of result.rows) lines.push(`| ${label} | ${value} |`);
    for (const t of result.targets)
      lines.push(
        `| target: ${t.description} | ${t.met ? 'met' : '**missed**'} (${t.value.toFixed(2)}) |`,
      );
    lines.push('');
  }
  lines.push(end);
  await writeFile(
    readme,
    text.slice(0, text.indexOf(start)) +
      lines.join('\n') +
      text.slice(text.indexOf(end) + end.length),
  );
}
