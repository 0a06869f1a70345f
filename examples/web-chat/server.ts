/**
 * A live web chat on codex-rx: one `Codex`, one thread per browser tab, the AI SDK's `useChat` on
 * the page (examples/web-chat/app.tsx, bundled with esbuild when the server starts).
 *
 *   npm run example:web            # offline: the real app-server, a scripted model
 *   npm run example:web -- --real  # your own Codex login and model
 *
 * Routes: `POST /api/chat` (the useChat transport: a new message starts a turn, an approval
 * answer continues it), `POST /api/stop` and `POST /api/steer` for the running turn,
 * `GET /api/history?id=` (the thread's turns as UI messages, for a reload). The browser never
 * talks to the app-server: credentials and the agent stay on this server.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Codex } from 'codex-rx';
import { CodexChat, pipeUIMessageStreamToNodeResponse } from 'codex-rx/ai-sdk';
import type { ChatRequestBody } from 'codex-rx/ai-sdk';
import { exampleEnvironment } from '../support/example-environment.js';

/** A running web chat. Dispose it to stop the server, the app-server and the scripted model. */
export interface WebChat extends AsyncDisposable {
  readonly url: string;
  readonly offline: boolean;
  close(): Promise<void>;
}

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>codex-rx web chat</title>
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <style>
      body { font: 15px/1.45 system-ui, sans-serif; max-width: 760px; margin: 24px auto; padding: 0 16px; color: #1d1d1f; }
      .message { margin: 12px 0; padding: 10px 14px; border-radius: 10px; }
      .user { background: #e8f0fe; }
      .assistant { background: #f5f5f7; }
      pre { background: #111; color: #e6e6e6; padding: 8px; border-radius: 6px; overflow-x: auto; }
      .approval { border: 1px solid #f0b429; background: #fff8e1; padding: 8px; border-radius: 6px; }
      .status { color: #8a1c1c; font-weight: 600; }
      .usage { color: #666; font-size: 12px; }
      form { display: flex; gap: 8px; margin-top: 12px; }
      input { flex: 1; padding: 8px; }
    </style>
  </head>
  <body>
    <div id="root"></div>
    <script type="module" src="/app.js"></script>
  </body>
</html>`;

async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./app.tsx', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    jsx: 'automatic',
    minify: true,
    write: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  return result.outputFiles[0]!.text;
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 1_000_000) throw new Error('request body too large');
    chunks.push(chunk);
  }
  const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  return body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
}

function send(response: ServerResponse, status: number, body: unknown, type = 'application/json') {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Starts the chat server on 127.0.0.1 (`port` 0 picks a free one). */
export async function startWebChat(options: { port?: number } = {}): Promise<WebChat> {
  const env = await exampleEnvironment('web-chat', { offlineByDefault: true });
  const codex = await Codex.start(env.options);
  const script = await bundlePage();
  // One thread per chat id: each browser tab keeps its id (sessionStorage) across reloads.
  const chats = new Map<string, Promise<CodexChat>>();
  const chatFor = (id: unknown): Promise<CodexChat> => {
    if (typeof id !== 'string' || !/^[\w-]{1,100}$/.test(id))
      throw new Error('a chat id is required');
    let chat = chats.get(id);
    if (!chat) {
      chat = codex.startThread({ cwd: env.workspace }).then((thread) => new CodexChat(thread));
      chats.set(id, chat);
    }
    return chat;
  };

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const route = `${request.method} ${url.pathname}`;
    (async () => {
      switch (route) {
        case 'GET /':
          return send(response, 200, PAGE, 'text/html; charset=utf-8');
        case 'GET /app.js':
          return send(response, 200, script, 'text/javascript; charset=utf-8');
        case 'GET /api/history':
          return send(response, 200, await (await chatFor(url.searchParams.get('id'))).history());
        case 'POST /api/chat': {
          const body = await readJson(request);
          const chat = await chatFor(body.id);
          return pipeUIMessageStreamToNodeResponse(
            chat.respond(body as unknown as ChatRequestBody),
            response,
          );
        }
        case 'POST /api/stop': {
          const body = await readJson(request);
          await (await chatFor(body.id)).interrupt();
          return send(response, 200, { ok: true });
        }
        case 'POST /api/steer': {
          const body = await readJson(request);
          await (await chatFor(body.id)).steer(typeof body.text === 'string' ? body.text : '');
          return send(response, 200, { ok: true });
        }
        default:
          return send(response, 404, { error: 'not found' });
      }
    })().catch((error: unknown) => {
      if (!response.headersSent) send(response, 400, { error: (error as Error).message });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await codex.close();
      await env[Symbol.asyncDispose]();
    })());
  return {
    url: `http://127.0.0.1:${port}/`,
    offline: env.offline,
    close,
    [Symbol.asyncDispose]: close,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const chat = await startWebChat({ port: Number(process.env.PORT ?? 3000) });
  console.log(
    `codex-rx web chat (${chat.offline ? 'offline: scripted model' : 'your Codex account'}): ${chat.url}`,
  );
  const stop = () => void chat.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
