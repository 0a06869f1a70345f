/**
 * Multi-turn: one thread is one conversation. Each `run()` continues it, and the agent remembers
 * what was said before.
 *
 *   npm run example -- multi-turn [--offline]
 */
import { Codex } from 'codex-rx';
import { exampleEnvironment } from './support/example-environment.js';

await using env = await exampleEnvironment('multi-turn');
await using codex = await Codex.start(env.options);

const thread = await codex.startThread({ cwd: env.workspace });
for (const prompt of [
  'My name is Ada. Reply with one short sentence.',
  'What is my name?',
  'Now shout it.',
]) {
  const { finalResponse } = await thread.run(prompt);
  console.log(`> ${prompt}\n${finalResponse}\n`);
}
console.log(`thread ${thread.id} can be resumed later with codex.resumeThread(id)`);
