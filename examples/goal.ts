/**
 * Goal turns: give the agent an objective and let it work turn after turn until it marks the
 * goal complete (or spends its token budget). codex-rx follows the goal's turns as one turn:
 * one stream, one result.
 *
 *   npm run example -- goal [--offline]
 */
import { Codex } from 'codex-rx';
import { exampleEnvironment } from './support/example-environment.js';

await using env = await exampleEnvironment('goal');
await using codex = await Codex.start(env.options);
const thread = await codex.startThread({ cwd: env.workspace });

const watching = thread.goal$.subscribe((goal) =>
  console.log(`[goal] ${goal ? `${goal.status}, ${goal.tokensUsed} tokens used` : 'cleared'}`),
);
const result = await thread.run('Write a two-line changelog for this release.', {
  goal: { tokenBudget: 50_000 },
});
watching.unsubscribe();

console.log(`${result.turnIds?.length ?? 1} turns, goal ${result.goal?.status ?? 'unknown'}`);
for (const item of result.items)
  if (item.type === 'agentMessage') console.log(`  agent: ${item.text}`);
console.log(`final: ${result.finalResponse ?? '(none)'}`);
console.log(`tokens for the whole goal: ${result.usage?.last.totalTokens ?? 0}`);
