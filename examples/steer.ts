/**
 * Steer: add input to a turn while it runs. The agent takes it into account in the same turn
 * (`turn/steer`), rather than in a new one.
 *
 *   npm run example -- steer [--offline]
 */
import { filter, firstValueFrom, lastValueFrom } from 'rxjs';
import { Codex, toRunResult } from 'codex-rx';
import { exampleEnvironment } from './support/example-environment.js';

await using env = await exampleEnvironment('steer');
await using codex = await Codex.start(env.options);
const thread = await codex.startThread({ cwd: env.workspace });

const turn = thread.turn('Write a long essay about the history of the printing press.');
const result = lastValueFrom(turn.pipe(toRunResult()));

// Wait until the agent is writing, then change course.
await firstValueFrom(turn.pipe(filter((event) => event.method === 'item/agentMessage/delta')));
console.log('the agent started writing; steering...');
await turn.steer('Actually, make it a haiku instead.');

const { finalResponse, status } = await result;
console.log(`[${status}] ${finalResponse}`);
// Declaratively, the same: thread.turn(prompt).pipe(steerWhen(notes$)) steers on each emission.
