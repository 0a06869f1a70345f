/**
 * The real, pinned `codex app-server` against a fresh scripted model server and a temporary,
 * hermetic `CODEX_HOME`, torn down together: what a test of an agent app needs in one call.
 */
import { Codex } from '../client/codex.js';
import type { CodexOptions } from '../client/codex-options.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import { startListener } from '../transport/app-server-listener.js';
import type { AppServerListener } from '../transport/app-server-listener.js';
import { createCodexHome } from './codex-home.js';
import type { CodexHome, CodexHomeOptions } from './codex-home.js';
import { ScriptedModelServer } from './scripted-model-server.js';
import type { Responder } from './scripted-model-server.js';

/** A running real server with its scripted model. Dispose it (`await using`) or call `close()`. */
export interface ScriptedCodex extends AsyncDisposable {
  /** The client, connected to the real app-server. */
  readonly codex: Codex;
  /** The scripted model: `enqueue()` replies, `respondWith()` a responder, read `modelRequests`. */
  readonly model: ScriptedModelServer;
  /** The temporary home and the agent's scratch workspace. */
  readonly home: CodexHome;
  /** Closes the client, then the model server, then removes the temporary folders. */
  close(): Promise<void>;
}

/** Options for {@link startScriptedCodex}: the home's settings, plus the client's own. */
export interface ScriptedCodexOptions extends Omit<CodexHomeOptions, 'modelUrl'> {
  /** Answers model calls once the queue is empty (default: an HTTP 500 naming the missing script). */
  responder?: Responder;
  /** Options for `Codex.start()`; `env` is merged over the hermetic environment. */
  codex?: CodexOptions;
  /**
   * How the client reaches the server (default `'stdio'`): `'ws'` and `'unix'` start it as a
   * listener ({@link startListener}: WebSocket on 127.0.0.1 with a capability token, or over a
   * unix socket) and connect with `Codex.connect()`, so a suite can run over the transport an app
   * deploys with. Options of `codex` that only a spawned stdio child has (`apiKey`, `baseUrl`,
   * `stderrLines`, `onStderr`, `killGraceMs`, `maxMessageBytes`) are refused then.
   */
  transport?: 'stdio' | 'ws' | 'unix';
}

const STDIO_ONLY = [
  'apiKey',
  'baseUrl',
  'stderrLines',
  'onStderr',
  'killGraceMs',
  'maxMessageBytes',
] as const;

/**
 * Starts the scripted model server, writes a hermetic `CODEX_HOME` pointing at it, and starts the
 * real app-server on that home, its working directory the home's empty workspace.
 *
 * ```ts
 * await using scripted = await startScriptedCodex();
 * scripted.model.enqueue(reply.text('Hello!'));
 * const thread = await scripted.codex.startThread();
 * expect((await thread.run('Hi')).finalResponse).toBe('Hello!');
 * ```
 */
export async function startScriptedCodex(
  options: ScriptedCodexOptions = {},
): Promise<ScriptedCodex> {
  const { responder, codex: codexOptions, transport = 'stdio', ...homeOptions } = options;
  if (transport !== 'stdio' && transport !== 'ws' && transport !== 'unix')
    throw new InvalidInputError(
      'transport',
      `must be 'stdio', 'ws' or 'unix', got ${JSON.stringify(transport)}`,
    );
  const stdioOnly = STDIO_ONLY.filter((key) => codexOptions?.[key] !== undefined);
  if (transport !== 'stdio' && stdioOnly.length > 0)
    throw new InvalidInputError(
      `codex.${stdioOnly[0]!}`,
      `applies to a spawned stdio server only, not over transport '${transport}'`,
    );
  const model = await ScriptedModelServer.start(responder ? { responder } : {});
  let home: CodexHome | undefined;
  let listener: AppServerListener | undefined;
  try {
    home = await createCodexHome({ ...homeOptions, modelUrl: model.url });
    const serverOptions = {
      codexHome: home.path,
      cwd: home.workspace,
      ...codexOptions,
      env: { ...home.env, ...codexOptions?.env },
    };
    let codex: Codex;
    if (transport === 'stdio') codex = await Codex.start(serverOptions);
    else {
      const { codexPath, config, env, codexHome, cwd, args, ...connectOptions } = serverOptions;
      listener = await startListener({
        listen: transport,
        codexHome,
        cwd,
        env,
        ...(codexPath !== undefined ? { codexPath } : {}),
        ...(config !== undefined ? { config } : {}),
        ...(args !== undefined ? { args } : {}),
      });
      codex = await Codex.connect(listener.connectOptions, connectOptions);
    }
    const started = home;
    const server = listener;
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        await codex.close();
        await server?.close();
        await model.close();
        await started.cleanup();
      })());
    return { codex, model, home: started, close, [Symbol.asyncDispose]: close };
  } catch (error) {
    await listener?.close();
    await model.close();
    await home?.cleanup();
    throw error;
  }
}
