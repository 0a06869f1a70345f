/**
 * Remote: run the app-server as a listener (here a managed child on 127.0.0.1 with a capability
 * token) and connect to it over WebSocket, from two clients at once.
 *
 *   npm run example -- remote [--offline]
 */
import { Codex, startListener } from 'codex-rx';
import { exampleEnvironment } from './support/example-environment.js';

await using env = await exampleEnvironment('remote');
await using listener = await startListener({ ...env.options, listen: 'ws' });
console.log(`listening on ${listener.connectOptions.url}`);

await using first = await Codex.connect(listener.connectOptions);
const thread = await first.startThread({ cwd: env.workspace });
console.log(`A: ${(await thread.run('Remember the number 42.')).finalResponse}`);

// A second client on the same server picks the conversation up.
await using second = await Codex.connect(listener.connectOptions);
const same = await second.resumeThread(thread.id);
console.log(`B: ${(await same.run('Which number did I give you?')).finalResponse}`);
