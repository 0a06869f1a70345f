/**
 * Quickstart: start Codex, run one turn, print the answer.
 *
 *   npm run example -- quickstart            # your Codex login (run `codex login` first)
 *   npm run example -- quickstart --offline  # the scripted local model, no account needed
 */
import { Codex } from 'codex-rx';
import { exampleEnvironment } from './support/example-environment.js';

await using env = await exampleEnvironment('quickstart');
await using codex = await Codex.start(env.options); // spawns the bundled, pinned `codex app-server`

const thread = await codex.startThread({ cwd: env.workspace });
const result = await thread.run('Say hello in five words.');

console.log(result.finalResponse);
console.log(
  `(turn ${result.id}: ${result.status}, ${result.usage?.total.totalTokens ?? 0} tokens)`,
);
