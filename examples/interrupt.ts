/**
 * Interrupt: stop a running turn. The stream does not just end: it runs on to the turn's
 * `turn/completed`, whose status is `interrupted`, so nothing the turn produced is lost.
 *
 *   npm run example -- interrupt [--offline]
 */
import { lastValueFrom, timer } from 'rxjs';
import { Codex, interruptWhen, toRunResult } from 'codex-rx';
import { exampleEnvironment } from './support/example-environment.js';

await using env = await exampleEnvironment('interrupt');
await using codex = await Codex.start(env.options);
const thread = await codex.startThread({ cwd: env.workspace });

// Declarative: interrupt after 2 seconds (or pass any Observable: a button click, a signal...).
const result = await lastValueFrom(
  thread
    .turn('Count to one million, one number per line.')
    .pipe(interruptWhen(timer(2000)), toRunResult()),
);
console.log(
  `status: ${result.status}; items completed before the interrupt: ${result.items.length}`,
);

// Imperative alternatives: `await turn.interrupt()`, `thread.run(input, { signal })` with an
// AbortController, or unsubscribing every subscriber (which interrupts too).
