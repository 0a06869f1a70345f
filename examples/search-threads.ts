/**
 * Search: find stored threads by what was said in them (`codex.searchThreads$`, codex 0.171.0 and
 * later). Early matches may stream in as `partial` batches; the `final` page is authoritative.
 * Unsubscribing before the end cancels the search on the server.
 *
 *   npm run example -- search-threads [--offline]
 */
import { Codex } from 'codex-rx';
import { lastValueFrom, tap } from 'rxjs';
import { exampleEnvironment } from './support/example-environment.js';

await using env = await exampleEnvironment('search-threads');
await using codex = await Codex.start(env.options);

for (const question of ['How do zebras sleep?', 'Why do zebras have stripes?', 'Do owls blink?']) {
  const thread = await codex.startThread({ cwd: env.workspace });
  await thread.run(question);
}

let partials = 0;
const final = await lastValueFrom(
  codex.searchThreads$('zebras', { limit: 10 }).pipe(
    tap((event) => {
      if (event.type === 'partial') partials += event.data.length;
    }),
  ),
);
if (final.type !== 'final') throw new Error('the search ended without a final page');
const snippets = final.response.data.map((result) => result.snippet).sort();
console.log(`${snippets.length} threads mention zebras:`);
for (const snippet of snippets) console.log(`  ${snippet}`);
console.log(`(${partials} early matches streamed before the final page)`);
