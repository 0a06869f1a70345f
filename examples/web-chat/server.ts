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
 *
 * A chat belongs to the browser session that made it: `GET /` issues an HttpOnly, SameSite=Strict
 * session cookie, and a chat id names a chat only within its session (another session asking for
 * the same id gets a chat of its own, or nothing). Threads are bounded per session and in total,
 * and idle ones are unsubscribed and forgotten (docs/web.md).
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Codex } from 'codex-rx';
import { CodexChat, chatErrorBody, pipeUIMessageStreamToNodeResponse } from 'codex-rx/ai-sdk';
import type { ChatRequestBody } from 'codex-rx/ai-sdk';
import { exampleEnvironment } from '../support/example-environment.js';

/** A running web chat. Dispose it to stop the server, the app-server and the scripted model. */
export interface WebChat extends AsyncDisposable {
  readonly url: string;
  readonly offline: boolean;
  /** How many chats (threads) the server holds now, over all sessions. */
  chatCount(): number;
  /** The client the chats run on (for an app's own calls: thread lists, metrics). */
  readonly codex: Codex;
  close(): Promise<void>;
}

/** Limits of what browsers can make the server hold. */
export interface WebChatOptions {
  /** The port (0, the default, picks a free one). */
  port?: number;
  /** Chats (one thread each) one browser session may hold (default 8). */
  maxChatsPerSession?: number;
  /** Chats held in total, over all sessions (default 64). */
  maxChats?: number;
  /** Sessions remembered; the least recently seen is forgotten with its chats (default 1,000). */
  maxSessions?: number;
  /** A chat with no turn running and no request for this long is forgotten (default 15 min). */
  idleMs?: number;
}

/** A refusal the route answers with its status and a JSON error body. */
class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    /** Close the connection after answering: the rest of the request was not read. */
    readonly close = false,
  ) {
    super(message);
  }
}

const SESSION_COOKIE = 'codex_rx_session';
const MAX_BODY = 1_000_000;
/** A refused body is read to its end up to this size, so the connection stays usable. */
const MAX_DRAIN = 8_000_000;

interface ChatEntry {
  readonly chat: Promise<CodexChat>;
  /** The chat once its thread has started: until then it cannot be evicted. */
  ready?: CodexChat;
  lastUsed: number;
}

interface Session {
  readonly chats: Map<string, ChatEntry>;
  lastSeen: number;
}

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>codex-rx web chat</title>
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <link rel="icon" href="data:," />
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
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_DRAIN) throw new HttpError(413, `request body over ${MAX_BODY} bytes`, true);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Past the limit the body is still read (and dropped) to its end, up to MAX_DRAIN: a
    // request answered mid-body would leave its rest to be read as the next request.
    if (size > MAX_DRAIN) throw new HttpError(413, `request body over ${MAX_BODY} bytes`, true);
    if (size <= MAX_BODY) chunks.push(chunk);
  }
  if (size > MAX_BODY) throw new HttpError(413, `request body over ${MAX_BODY} bytes`);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'the request body is not JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new HttpError(400, 'the request body is not a JSON object');
  return body as Record<string, unknown>;
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  type = 'application/json',
  headers: Record<string, string> = {},
) {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function cookieOf(request: IncomingMessage, name: string): string | undefined {
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = pair.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** Starts the chat server on 127.0.0.1 (`port` 0 picks a free one). */
export async function startWebChat(options: WebChatOptions = {}): Promise<WebChat> {
  const maxPerSession = options.maxChatsPerSession ?? 8;
  const maxChats = options.maxChats ?? 64;
  const maxSessions = options.maxSessions ?? 1000;
  const idleMs = options.idleMs ?? 15 * 60_000;
  const env = await exampleEnvironment('web-chat', { offlineByDefault: true });
  const codex = await Codex.start(env.options);
  const script = await bundlePage();
  // A session is the browser's (its cookie); within it, one thread per chat id (each tab keeps
  // its id in sessionStorage across reloads). A chat id alone reaches nothing.
  const sessions = new Map<string, Session>();
  let chatCount = 0;

  const forget = (session: Session, id: string): void => {
    const entry = session.chats.get(id);
    if (!entry) return;
    session.chats.delete(id);
    chatCount--;
    // The server stops sending the thread's events and may unload it; nothing here holds it.
    void entry.chat.then((chat) => chat.thread.unsubscribe()).catch(() => undefined);
  };
  // Read synchronously, so that requests arriving together cannot all evict the same chat and
  // each add one: admission takes no await between counting and adding.
  const isIdle = (entry: ChatEntry): boolean =>
    entry.ready !== undefined && !entry.ready.turnRunning;
  /** The least recently used chat of `among` with no turn running, or undefined. */
  const idlest = (among: Iterable<[Session, string, ChatEntry]>) =>
    [...among].sort((a, b) => a[2].lastUsed - b[2].lastUsed).find((c) => isIdle(c[2]));
  const allChats = function* (): Iterable<[Session, string, ChatEntry]> {
    for (const session of sessions.values())
      for (const [id, entry] of session.chats) yield [session, id, entry];
  };
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [session, id, entry] of [...allChats()])
        if (now - entry.lastUsed > idleMs && isIdle(entry)) forget(session, id);
    },
    Math.min(idleMs, 60_000),
  );
  sweep.unref();

  /**
   * A new session; past `maxSessions`, the least recently seen session with no chat goes first
   * (so a flood of page loads evicts its own sessions, not its users'), then one whose chats are
   * all idle. Refused when every session has a turn running or a chat starting.
   */
  const newSession = (): string => {
    if (sessions.size >= maxSessions) {
      const byAge = [...sessions].sort((a, b) => a[1].lastSeen - b[1].lastSeen);
      const evicted =
        byAge.find(([, session]) => session.chats.size === 0) ??
        byAge.find(([, session]) => [...session.chats.values()].every(isIdle));
      if (!evicted) throw new HttpError(503, `the server already keeps ${maxSessions} sessions`);
      for (const id of [...evicted[1].chats.keys()]) forget(evicted[1], id);
      sessions.delete(evicted[0]);
    }
    const id = randomBytes(24).toString('base64url');
    sessions.set(id, { chats: new Map(), lastSeen: Date.now() });
    return id;
  };
  const sessionOf = (request: IncomingMessage): Session => {
    const session = sessions.get(cookieOf(request, SESSION_COOKIE) ?? '');
    if (!session) throw new HttpError(401, 'no session: load the page first');
    session.lastSeen = Date.now();
    return session;
  };
  const validId = (id: unknown): string => {
    if (typeof id !== 'string' || !/^[\w-]{1,100}$/.test(id))
      throw new HttpError(400, 'a chat id is required');
    return id;
  };
  /** The session's chat `id`, or undefined: only POST /api/chat makes one. */
  const existing = (session: Session, id: unknown): ChatEntry | undefined => {
    const entry = session.chats.get(validId(id));
    if (entry) entry.lastUsed = Date.now();
    return entry;
  };
  const chatFor = (session: Session, rawId: unknown): Promise<CodexChat> => {
    const id = validId(rawId);
    const found = existing(session, id);
    if (found) return found.chat;
    if (session.chats.size >= maxPerSession) {
      const own = idlest([...session.chats].map(([i, e]) => [session, i, e] as const));
      if (!own) throw new HttpError(429, `this session already runs ${maxPerSession} chats`);
      forget(own[0], own[1]);
    }
    if (chatCount >= maxChats) {
      const any = idlest(allChats());
      if (!any) throw new HttpError(429, `the server already runs ${maxChats} chats`);
      forget(any[0], any[1]);
    }
    const chat = codex.startThread({ cwd: env.workspace }).then((thread) => new CodexChat(thread));
    const entry: ChatEntry = { chat, lastUsed: Date.now() };
    session.chats.set(id, entry);
    chatCount++;
    chat.then(
      (ready) => (entry.ready = ready),
      () => forget(session, id),
    );
    return chat;
  };
  const found = async (session: Session, id: unknown): Promise<CodexChat> => {
    const entry = existing(session, id);
    if (!entry) throw new HttpError(404, 'no such chat in this session');
    return entry.chat;
  };

  const server: Server = createServer((request, response) => {
    (async () => {
      // Parsed inside the catch below: a target that is no valid path (`//`) is refused with 400.
      const url = URL.parse(request.url ?? '/', 'http://localhost');
      if (!url) throw new HttpError(400, 'the request target is not a valid path');
      const route = `${request.method} ${url.pathname}`;
      switch (route) {
        case 'GET /': {
          const known = sessions.has(cookieOf(request, SESSION_COOKIE) ?? '');
          const headers: Record<string, string> = known
            ? {}
            : {
                'set-cookie': `${SESSION_COOKIE}=${newSession()}; HttpOnly; SameSite=Strict; Path=/`,
              };
          return send(response, 200, PAGE, 'text/html; charset=utf-8', headers);
        }
        case 'GET /app.js':
          return send(response, 200, script, 'text/javascript; charset=utf-8');
        case 'GET /api/history': {
          const entry = existing(sessionOf(request), url.searchParams.get('id'));
          return send(response, 200, entry ? await (await entry.chat).history() : []);
        }
        case 'POST /api/chat': {
          const session = sessionOf(request);
          const body = await readJson(request);
          // Checked before a chat (and its thread) is made for it.
          const unreadable = CodexChat.unreadable(body);
          if (unreadable) return send(response, 400, chatErrorBody(unreadable.error));
          const chat = await chatFor(session, body.id);
          const refusal = chat.refusal(body);
          if (refusal) return send(response, refusal.status, chatErrorBody(refusal.error));
          return pipeUIMessageStreamToNodeResponse(
            chat.respond(body as unknown as ChatRequestBody),
            response,
          );
        }
        case 'POST /api/stop': {
          const session = sessionOf(request);
          const body = await readJson(request);
          await (await found(session, body.id)).interrupt();
          return send(response, 200, { ok: true });
        }
        case 'POST /api/steer': {
          const session = sessionOf(request);
          const body = await readJson(request);
          await (
            await found(session, body.id)
          ).steer(typeof body.text === 'string' ? body.text : '');
          return send(response, 200, { ok: true });
        }
        default:
          return send(response, 404, { error: { name: 'NotFound', message: 'not found' } });
      }
    })().catch((error: unknown) => {
      const http = error instanceof HttpError ? error : undefined;
      if (response.headersSent) return void response.destroy();
      send(
        response,
        http?.status ?? 400,
        http
          ? { error: { name: http.name, message: http.message } }
          : chatErrorBody(error as Error),
        'application/json',
        http?.close ? { connection: 'close' } : {},
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      clearInterval(sweep);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await codex.close();
      await env[Symbol.asyncDispose]();
    })());
  return {
    url: `http://127.0.0.1:${port}/`,
    offline: env.offline,
    chatCount: () => chatCount,
    codex,
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
