/**
 * History: read back what a thread did, page by page (turns newest first, items oldest first),
 * and watch the thread list change with `codex.threads$`.
 *
 *   npm run example -- history [--offline]
 */
import { Codex } from 'codex-rx';
import { lastValueFrom, toArray } from 'rxjs';
import { exampleEnvironment } from './support/example-environment.js';

await using env = await exampleEnvironment('history');
await using codex = await Codex.start(env.options);

const lifecycle: string[] = [];
const watching = codex.threads$.subscribe((n) => {
  if (!lifecycle.includes(n.method)) lifecycle.push(n.method);
});
const thread = await codex.startThread({ cwd: env.workspace });
await thread.run('Name a colour.');
await thread.run('Name a fruit.');
await thread.setName('Colours and fruit');

console.log('Turns, newest first:');
const turns = await lastValueFrom(thread.turns$({ itemsView: 'full' }).pipe(toArray()));
for (const turn of turns) {
  const answer = turn.items.flatMap((item) => (item.type === 'agentMessage' ? [item.text] : []));
  console.log(`  ${turn.status}: ${answer.join(' ')}`);
}

console.log('Items, oldest first:');
for await (const { item } of thread.items({ limit: 2 })) {
  if (item.type === 'userMessage')
    console.log(`  you: ${item.content.map((c) => (c.type === 'text' ? c.text : '')).join('')}`);
  if (item.type === 'agentMessage') console.log(`  agent: ${item.text}`);
}
watching.unsubscribe();
console.log(`threads$ saw: ${lifecycle.join(', ')}`);
