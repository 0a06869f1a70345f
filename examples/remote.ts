/**
 * Remote: run the app-server as a listener (here a managed child on 127.0.0.1 with a capability
 * token) and connect to it over WebSocket, from two clients at once; then restart the server and
 * watch a client with `reconnect` get back in by itself.
 *
 *   npm run example -- remote [--offline]
 */
import { filter, firstValueFrom } from 'rxjs';
import { Codex, startListener } from 'codex-rx';
import { exampleEnvironment } from './support/example-environment.js';

await using env = await exampleEnvironment('remote');
const listener = await startListener({ ...env.options, listen: 'ws' });
const { url, token } = listener.connectOptions;
console.log(`listening on ${url}`);

await using first = await Codex.connect(listener.connectOptions);
const thread = await first.startThread({ cwd: env.workspace });
console.log(`A: ${(await thread.run('Remember the number 42.')).finalResponse}`);

// A second client on the same server picks the conversation up; it dials again if it loses it.
await using second = await Codex.connect(listener.connectOptions, {
  reconnect: { retries: 20, backoff: { initialMs: 100, maxMs: 1_000 } },
});
const same = await second.resumeThread(thread.id);
console.log(`B: ${(await same.run('Which number did I give you?')).finalResponse}`);

// The server restarts (same port, token and CODEX_HOME): B reconnects and re-subscribes.
const lost = firstValueFrom(second.connectionState$.pipe(filter((s) => s === 'reconnecting')));
await listener.close();
await lost;
console.log('B: connection lost, reconnecting');
await using restarted = await startListener({
  ...env.options,
  listen: 'ws',
  port: Number(new URL(url).port),
  token: token!,
});
await firstValueFrom(second.connectionState$.pipe(filter((s) => s === 'ready')));
await same.reconnect();
console.log(
  `B again, on server pid ${restarted.pid}: ${(await same.run('And now?')).finalResponse}`,
);
