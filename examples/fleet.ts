/**
 * Fleet: a pool of two app-servers, each on its own CODEX_HOME under one root. Threads spread
 * over the members and stay on theirs; a member killed mid-turn fails only its own turn and comes
 * back; a new pool over the same root resumes a thread by id on the member that has it.
 *
 *   npm run example -- fleet [--offline]
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { filter, firstValueFrom } from 'rxjs';
import { CodexPool, CodexProcessError } from 'codex-rx';
import { exampleEnvironment } from './support/example-environment.js';

await using env = await exampleEnvironment('fleet');
const root = path.join(env.workspace, '.pool');
const { codexHome, ...options } = env.options;
if (codexHome) {
  // Offline, every member's home starts from the scripted model's config.
  for (const member of ['member-0', 'member-1']) {
    await mkdir(path.join(root, member), { recursive: true });
    await copyFile(path.join(codexHome, 'config.toml'), path.join(root, member, 'config.toml'));
  }
}
const apiKey = process.env.OPENAI_API_KEY;
const poolOptions = { size: 2, root, ...options, ...(apiKey ? { apiKey } : {}) };

let keep: string;
{
  await using pool = await CodexPool.start(poolOptions);
  const threads = await Promise.all(
    [1, 2, 3, 4].map(() => pool.startThread({ cwd: env.workspace })),
  );
  console.log(`placed on: ${threads.map((t) => pool.memberOf(t.id)).join(', ')}`);
  const answers = await Promise.all(threads.map((t, i) => t.run(`Say the number ${i + 1}.`)));
  console.log(answers.map((a) => a.finalResponse).join(' | '));

  // member-0's server dies mid-turn: its turn fails typed; member-1's thread runs on.
  const onZero = threads.find((t) => pool.memberOf(t.id) === 'member-0')!;
  const onOne = threads.find((t) => pool.memberOf(t.id) === 'member-1')!;
  const doomed = onZero.run('Count slowly to one thousand.').catch((e: unknown) => e);
  await firstValueFrom(pool.load$.pipe(filter((l) => l.members[0]!.activeTurns === 1)));
  process.kill(pool.member('member-0')!.pid!, 'SIGKILL');
  const error = await doomed;
  console.log(
    `member-0 lost: ${error instanceof CodexProcessError ? 'CodexProcessError' : String(error)}`,
  );
  console.log(`member-1 still answers: ${(await onOne.run('Say the number 5.')).finalResponse}`);
  await firstValueFrom(pool.load$.pipe(filter((l) => l.members.every((m) => m.state === 'ready'))));
  console.log('member-0 is back');
  keep = onZero.id;
}

// A new pool over the same root finds the thread on its member's store and resumes it there.
await using again = await CodexPool.start(poolOptions);
const resumed = await again.resumeThread(keep);
console.log(
  `resumed on ${again.memberOf(resumed.id)}: ${(await resumed.run('Which number did you say first?')).finalResponse}`,
);
