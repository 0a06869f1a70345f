/**
 * Resume: threads are stored by the server. A new client (after a restart, in another process)
 * resumes one by id and the conversation goes on.
 *
 *   npm run example -- resume-thread [--offline]
 */
import { Codex } from 'codex-rx';
import { exampleEnvironment } from './support/example-environment.js';

await using env = await exampleEnvironment('resume-thread');

let threadId: string;
{
  await using first = await Codex.start(env.options);
  const thread = await first.startThread({ cwd: env.workspace });
  console.log((await thread.run('Remember: my favourite colour is teal.')).finalResponse);
  threadId = thread.id;
} // the first client and its server stop here

await using second = await Codex.start(env.options);
const resumed = await second.resumeThread(threadId);
console.log((await resumed.run('What is my favourite colour?')).finalResponse);
