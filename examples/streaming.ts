/**
 * Streaming: `thread.turn()` returns the turn's events as an Observable. Print the answer as it
 * streams, and each item as it completes.
 *
 *   npm run example -- streaming [--offline]
 */
import { lastValueFrom } from 'rxjs';
import { Codex, agentMessageDeltas, completedItems } from 'codex-rx';
import { exampleEnvironment } from './support/example-environment.js';

await using env = await exampleEnvironment('streaming');
await using codex = await Codex.start(env.options);
const thread = await codex.startThread({ cwd: env.workspace });

const turn = thread.turn('Explain in one sentence why streaming matters for a chat UI.');
// Two subscribers share one turn: turn/start is sent once, on the first subscription.
turn.pipe(agentMessageDeltas()).subscribe((text) => process.stdout.write(text));
turn.pipe(completedItems()).subscribe((item) => {
  // Commands, file changes, tool calls... (the agent's message is already on screen).
  if (item.type !== 'agentMessage' && item.type !== 'userMessage')
    console.log(`\n[completed ${item.type}]`);
});
const last = await lastValueFrom(turn); // resolves with the turn/completed event
console.log(`\n[turn ${last.method === 'turn/completed' ? last.params.turn.status : last.method}]`);
