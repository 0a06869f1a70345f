/**
 * Presets: the common decisions as typed options instead of raw protocol parameters, and the
 * server's name and version.
 *
 *   npm run example -- presets [--offline]
 */
import { Codex, InvalidInputError } from 'codex-rx';
import { exampleEnvironment } from './support/example-environment.js';

await using env = await exampleEnvironment('presets');
await using codex = await Codex.start(env.options);
const { name, version } = codex.metadata.serverInfo;
console.log(`server: ${name} ${version}`);

// Never ask for approval (what needs one is refused), think hard, no web search.
const thread = await codex.startThread({
  cwd: env.workspace,
  approvalMode: 'denyAll',
  modelReasoningEffort: 'high',
  webSearch: 'disabled',
});
// This turn only: a read-only sandbox that may use the network.
const result = await thread.run('Check the docs links.', {
  sandbox: 'read-only',
  networkAccessEnabled: true,
});
console.log(`answer: ${result.finalResponse}`);

// A preset and the raw parameter it sets cannot both be given.
try {
  await codex.startThread({ approvalMode: 'denyAll', approvalPolicy: 'on-request' });
} catch (error) {
  if (error instanceof InvalidInputError) console.log(`refused: ${error.message}`);
}
