/**
 * The codex-rx demo: a short session with the real `codex app-server`, showing run(), a streamed
 * turn, a steer, an interrupt and an approval.
 *
 *   npm run demo           # offline: the scripted model on 127.0.0.1, no account, no network
 *   npm run demo -- --real # your own Codex setup (run `codex login` first)
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { filter, firstValueFrom, lastValueFrom, tap } from 'rxjs';
import { Codex, agentMessageDeltas, toRunResult } from 'codex-rx';
import type { Thread } from 'codex-rx';
import { exampleEnvironment } from '../examples/support/example-environment.js';
import { withProgress } from './progress.js';

const bold = (text: string): string => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const dim = (text: string): string => (process.stdout.isTTY ? `\x1b[2m${text}\x1b[0m` : text);
const say = (text = ''): void => console.log(text);

/** Resolves when the thread's running turn has streamed its first text. */
const firstDelta = (thread: Thread): Promise<unknown> =>
  firstValueFrom(thread.events$.pipe(filter((n) => n.method === 'item/agentMessage/delta')));

interface Context {
  codex: Codex;
  thread: Thread;
  workspace: string;
}

const steps: Array<{ title: string; run: (ctx: Context) => Promise<void> }> = [
  {
    title: 'run(): one turn, start to finish',
    async run({ thread }) {
      const prompt = 'In one sentence: what is codex-rx?';
      say(`  > ${prompt}`);
      const result = await withProgress('agent working', thread.run(prompt));
      say(`  final response: ${result.finalResponse}`);
      say(`  items:          ${result.items.map((item) => item.type).join(', ')}`);
      say(
        `  usage:          ${result.usage?.total.totalTokens ?? 0} tokens (${result.usage?.total.cachedInputTokens ?? 0} cached)`,
      );
    },
  },
  {
    title: 'turn(): the answer as it streams',
    async run({ thread }) {
      const prompt = 'Why do streams matter for an agent UI?';
      say(`  > ${prompt}`);
      process.stdout.write('  ');
      // Each delta is printed the moment it arrives.
      await lastValueFrom(
        thread.turn(prompt).pipe(
          agentMessageDeltas(),
          tap((text) => process.stdout.write(text)),
        ),
        { defaultValue: '' },
      );
      process.stdout.write('\n');
    },
  },
  {
    title: 'steer: changing course mid-turn',
    async run({ thread }) {
      const prompt = 'Write a long report on reactive programming.';
      say(`  > ${prompt}`);
      const turn = thread.turn(prompt);
      const result = lastValueFrom(turn.pipe(toRunResult()));
      await withProgress('waiting for the agent to start writing', firstDelta(thread));
      say('  the agent is writing... steering: "Make it one line."');
      await turn.steer('Make it one line.');
      const done = await withProgress('agent working', result);
      say(`  ${done.status}: ${done.finalResponse}`);
    },
  },
  {
    title: 'interrupt: stopping a runaway turn',
    async run({ thread }) {
      const prompt = 'List every file on this disk.';
      say(`  > ${prompt}`);
      const turn = thread.turn(prompt);
      const result = lastValueFrom(turn.pipe(toRunResult()));
      await withProgress('agent working', firstDelta(thread));
      const started = Date.now();
      await turn.interrupt();
      const done = await result;
      say(
        `  interrupted: the turn ended with status "${done.status}" ${Date.now() - started} ms later`,
      );
    },
  },
  {
    title: 'approval: the agent asks before it runs a command',
    async run({ thread, workspace }) {
      const prompt = 'Save a summary of this session to demo-output.txt.';
      say(`  > ${prompt}`);
      const result = await thread.run(prompt, {
        handlers: {
          'item/commandExecution/requestApproval': (params) => {
            say(
              `  agent asks to run: ${params.command ?? '?'}  (${params.reason ?? 'no reason given'})`,
            );
            say('  demo answers: accept');
            return { decision: 'accept' };
          },
        },
      });
      say(`  ${result.finalResponse ?? ''}`);
      say(
        `  demo-output.txt created: ${existsSync(path.join(workspace, 'demo-output.txt')) ? 'yes' : 'no'}`,
      );
    },
  },
];

await using env = await exampleEnvironment('demo', { offlineByDefault: true });
say(bold('codex-rx demo'));
say(
  dim(
    env.offline
      ? 'offline: the real codex app-server, a scripted model on 127.0.0.1'
      : 'real: your Codex setup',
  ),
);
say();

const started = Date.now();
await using codex = await withProgress('starting codex app-server', Codex.start(env.options));
say(
  `${bold('starting')}: codex app-server ready in ${Date.now() - started} ms (${codex.metadata.userAgent.split(' ')[0]})`,
);
const thread = await codex.startThread({
  cwd: env.workspace,
  approvalPolicy: 'on-request',
  sandbox: 'workspace-write',
});
say(`thread ${thread.id}`);

for (const [index, step] of steps.entries()) {
  say();
  say(bold(`${index + 1}/${steps.length} ${step.title}`));
  await step.run({ codex, thread, workspace: env.workspace });
}
say();
say(
  bold('done') +
    ': leaving this scope closes the client, which stops the server, and removes the scratch folders.',
);
