/**
 * Executors: run a thread's commands on a `codex exec-server` instead of the app-server's host.
 * Here the executor is a managed child on 127.0.0.1 (in a UTS namespace of its own, hostname
 * `exec-builder`, where `unshare` is allowed); then it is killed mid-command, the turn fails with
 * a typed EnvironmentLostError, and after a restart the thread goes on there.
 *
 *   npm run example -- executors [--offline]
 */
import { execFileSync } from 'node:child_process';
import { Codex, EnvironmentLostError, startExecServer } from 'codex-rx';
import type { ExecServerOptions, RunResult } from 'codex-rx';
import { exampleEnvironment } from './support/example-environment.js';

await using env = await exampleEnvironment('executors');
const canUnshare = (() => {
  try {
    execFileSync('unshare', ['--uts', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const executorOptions: ExecServerOptions = {
  ...env.options,
  cwd: env.workspace,
  ...(canUnshare && {
    wrap: ({ executable, args }) => ({
      executable: 'unshare',
      args: ['--uts', 'sh', '-c', 'hostname exec-builder && exec "$0" "$@"', executable, ...args],
    }),
  }),
};
let executor = await startExecServer(executorOptions);
console.log(`executor listening on ${executor.url}`);

await using codex = await Codex.start(env.options);
await codex.addEnvironment({ environmentId: 'builder', ...executor.environment });
const status = codex
  .environmentStatus$('builder')
  .subscribe((s) => console.log(`[builder] ${s.status}${s.error ? ` (${s.error})` : ''}`));
const thread = await codex.startThread({
  environments: [{ environmentId: 'builder', cwd: env.workspace }],
});
const commands = (result: RunResult): string[] =>
  result.items.flatMap((i) => (i.type === 'commandExecution' ? [i.command] : []));
const first = await thread.run('Run `hostname` on the builder.');
console.log(`ran ${commands(first).join(', ')}: ${first.finalResponse}`);

// The executor dies in the middle of a long command: the turn fails at once, typed.
const long = thread.run('Run the long build.').catch((e: unknown) => e);
await new Promise((r) => setTimeout(r, 2_000));
process.kill(executor.pid!, 'SIGKILL');
const error = await long;
if (error instanceof EnvironmentLostError)
  console.log(
    `lost: ${error.environmentId}; failed: ${error.failedItems.map((i) => (i.type === 'commandExecution' ? i.status : i.type)).join(', ')}`,
  );
else throw error;

// Restart it on the same port and token, and add it again.
executor = await startExecServer({
  ...executorOptions,
  port: Number(new URL(executor.url).port),
  token: executor.token!,
});
await codex.addEnvironment({ environmentId: 'builder', ...executor.environment });
await new Promise((r) => setTimeout(r, 1_500)); // the server ends the failed turn after its interrupt
const again = await thread.run('Run `hostname` again.');
console.log(`after the restart: ${again.finalResponse}`);
status.unsubscribe();
await executor.close();
