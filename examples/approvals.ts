/**
 * Approvals: the agent asks before it runs a command outside its sandbox. Nothing is approved
 * unless you say so: with no handler, approvals are declined. Here a handler approves only
 * commands that cannot delete anything, and prints every decision.
 *
 *   npm run example -- approvals [--offline]
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Codex } from 'codex-rx';
import { exampleEnvironment } from './support/example-environment.js';

await using env = await exampleEnvironment('approvals');
await using codex = await Codex.start(env.options);

const thread = await codex.startThread(
  { cwd: env.workspace, approvalPolicy: 'on-request', sandbox: 'workspace-write' },
  {
    handlers: {
      'item/commandExecution/requestApproval': (params) => {
        const command = params.command ?? '';
        const decision = /\brm\b/.test(command) ? 'decline' : 'accept';
        console.log(
          `agent asks to run: ${command}\n  because: ${params.reason ?? '-'}\n  -> ${decision}`,
        );
        return { decision };
      },
    },
  },
);

const result = await thread.run('Clean the build folder, then create notes.txt.');
console.log(result.finalResponse);
console.log(`notes.txt exists: ${existsSync(path.join(env.workspace, 'notes.txt'))}`);
// A UI would answer later instead: thread.serverRequests$.subscribe((r) => showPrompt(r)), then r.respond(...).
