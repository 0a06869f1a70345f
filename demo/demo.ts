/**
 * The offline demo: the real `codex app-server` against a scripted model on 127.0.0.1, so it runs
 * on a fresh machine with no account and no network.
 */
import { Codex } from '../src/index.js';
import { createCodexHome } from '../spec/support/codex-home.js';
import { ScriptedModelServer } from '../spec/support/scripted-model-server.js';

const model = await ScriptedModelServer.start();
const home = await createCodexHome({ modelUrl: model.url });
try {
  await using codex = await Codex.start({
    codexHome: home.path,
    env: home.env,
    cwd: home.workspace,
  });
  console.log(`connected: ${codex.metadata.userAgent}`);
  const { thread } = await codex.request('thread/start', { cwd: home.workspace });
  console.log(`thread started: ${thread.id}`);
} finally {
  await model.close();
  await home.cleanup();
}
