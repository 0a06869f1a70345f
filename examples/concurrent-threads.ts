/**
 * Concurrent threads: one client, many conversations at once. Every event is routed to its own
 * turn, so the answers never mix.
 *
 *   npm run example -- concurrent-threads [--offline]
 */
import { Codex } from 'codex-rx';
import { exampleEnvironment } from './support/example-environment.js';

await using env = await exampleEnvironment('concurrent-threads');
await using codex = await Codex.start(env.options);

const questions = ['Name a prime number.', 'Name a primary colour.', 'Name a planet.'];
const answers = await Promise.all(
  questions.map(async (question) => {
    const thread = await codex.startThread({ cwd: env.workspace });
    return (await thread.run(question)).finalResponse;
  }),
);
questions.forEach((question, i) => console.log(`${question} -> ${answers[i]}`));
