/**
 * The web chat example's route seen from outside, against the real app-server and the scripted
 * model: by the AI SDK's own client (`DefaultChatTransport`, `readUIMessageStream`) and by plain
 * HTTP. A chat belongs to the browser session that made it; every refusal has a status and a
 * JSON body; what one browser can make the server hold is bounded.
 */
import { Agent, request as httpRequest } from 'node:http';
import { DefaultChatTransport, readUIMessageStream } from 'ai';
import type { UIMessage } from 'ai';
import { startWebChat } from '../../examples/web-chat/server.js';
import type { WebChat } from '../../examples/web-chat/server.js';
import { CodexChat, toUIMessageStreamResponse } from '../../src/ai-sdk/index.js';

const user = (id: string, text: string): UIMessage => ({
  id,
  role: 'user',
  parts: [{ type: 'text', text }],
});

/** A new browser session: the cookie `GET /` issues. */
async function session(chat: WebChat): Promise<string> {
  const response = await fetch(chat.url);
  const cookie = response.headers.get('set-cookie') ?? '';
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=Strict/);
  await response.text();
  return cookie.split(';')[0]!;
}

const transport = (chat: WebChat, cookie?: string) =>
  new DefaultChatTransport<UIMessage>({
    api: new URL('/api/chat', chat.url).href,
    headers: cookie ? { cookie } : {},
  });

/** What `useChat` does for one message: the streamed assistant message, or the error it raises. */
async function ask(
  chat: WebChat,
  cookie: string | undefined,
  chatId: string,
  messages: UIMessage[],
): Promise<UIMessage> {
  const stream = await transport(chat, cookie).sendMessages({
    trigger: 'submit-message',
    chatId,
    messageId: undefined,
    messages,
    abortSignal: undefined,
  });
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream({
    stream,
    terminateOnError: true,
  }))
    last = message;
  return last!;
}

const api = (chat: WebChat, path: string, cookie: string | undefined, body?: unknown) =>
  fetch(new URL(path, chat.url), {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** The threads the chat server's app-server has loaded. */
async function loadedThreads(chat: WebChat): Promise<string[]> {
  return (await chat.codex.request('thread/loaded/list', {})).data;
}

/**
 * What `thread/unsubscribe` answers for the chat server's connection now: `notSubscribed` once
 * the example has unsubscribed the thread itself.
 */
async function unsubscribed(chat: WebChat, threadId: string): Promise<string> {
  return (await chat.codex.request('thread/unsubscribe', { threadId })).status;
}

describe('the web chat route', () => {
  let chat: WebChat;

  beforeAll(async () => {
    chat = await startWebChat({ maxChatsPerSession: 2, maxChats: 3 });
  }, 60_000);
  afterAll(() => chat?.close());

  it('refuses every API request without the session cookie', async () => {
    const refused = await ask(chat, undefined, 'c1', [user('u1', 'hello world')]).catch(
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ statusCode: 401 });
    expect(JSON.parse((refused as { responseBody: string }).responseBody)).toMatchObject({
      error: { message: expect.stringMatching(/no session/) },
    });
    for (const response of [
      await api(chat, '/api/history?id=c1', undefined),
      await api(chat, '/api/steer', undefined, { id: 'c1', text: 'x' }),
      await api(chat, '/api/stop', undefined, { id: 'c1' }),
      await api(chat, '/api/history?id=c1', 'codex_rx_session=made-up'),
    ])
      expect(response.status).toBe(401);
    expect(chat.chatCount()).toBe(0);
  });

  it("keeps a chat to its session: another session's cookie neither reads nor drives it", async () => {
    const a = await session(chat);
    const b = await session(chat);
    const answer = await ask(chat, a, 'shared-id', [user('u1', 'hello world')]);
    expect(JSON.stringify(answer.parts)).toContain('You said: hello world');
    const own = (await (await api(chat, '/api/history?id=shared-id', a)).json()) as UIMessage[];
    expect(JSON.stringify(own)).toContain('hello world');

    const other = await api(chat, '/api/history?id=shared-id', b);
    expect(other.status).toBe(200);
    await expect(other.json()).resolves.toEqual([]);
    expect((await api(chat, '/api/steer', b, { id: 'shared-id', text: 'x' })).status).toBe(404);
    expect((await api(chat, '/api/stop', b, { id: 'shared-id' })).status).toBe(404);
    // The same id in session b is b's own chat, on its own thread.
    const mine = await ask(chat, b, 'shared-id', [user('u1', 'alpha')]);
    expect(JSON.stringify(mine.parts)).toContain('You said: alpha');
    const still = (await (await api(chat, '/api/history?id=shared-id', a)).json()) as UIMessage[];
    expect(JSON.stringify(still)).not.toContain('alpha');
  }, 60_000);

  it('refuses bad bodies with 400 naming the field, and a second message during a turn with 409', async () => {
    const cookie = await session(chat);
    const bad = await ask(chat, cookie, 'bad', [
      { id: 'u1', role: 'user', parts: [{ type: 'text', text: 5 }] } as unknown as UIMessage,
    ]).catch((e: unknown) => e);
    expect(bad).toMatchObject({ statusCode: 400 });
    expect(JSON.parse((bad as { responseBody: string }).responseBody)).toEqual({
      error: expect.objectContaining({
        name: 'InvalidInputError',
        field: 'messages[0].parts[0].text',
      }),
    });
    const notJson = await fetch(new URL('/api/chat', chat.url), {
      method: 'POST',
      headers: { cookie },
      body: '{oops',
    });
    expect(notJson.status).toBe(400);
    await expect(notJson.json()).resolves.toMatchObject({ error: { message: /not JSON/ } });

    // A slow turn runs; a second message while it does is refused, visibly.
    const stream = await transport(chat, cookie).sendMessages({
      trigger: 'submit-message',
      chatId: 'busy',
      messageId: undefined,
      messages: [user('u1', 'give me a slow answer')],
      abortSignal: undefined,
    });
    const reader = stream.getReader();
    await reader.read();
    const busy = await ask(chat, cookie, 'busy', [
      user('u1', 'give me a slow answer'),
      user('u2', 'and another'),
    ]).catch((e: unknown) => e);
    expect(busy).toMatchObject({ statusCode: 409 });
    expect((busy as Error).message).toMatch(/one is running/);
    await api(chat, '/api/stop', cookie, { id: 'busy' });
    while (!(await reader.read()).done);
  }, 60_000);

  it('answers an oversized body with 413, and the same keep-alive connection serves the next request', async () => {
    const cookie = await session(chat);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (body: string) =>
      new Promise<{ status: number; body: string; socket: unknown }>((resolve, reject) => {
        const request = httpRequest(
          new URL('/api/stop', chat.url),
          { method: 'POST', agent, headers: { cookie, 'content-type': 'application/json' } },
          (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => (text += chunk));
            response.on('end', () =>
              resolve({ status: response.statusCode!, body: text, socket: request.socket }),
            );
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    try {
      for (let round = 0; round < 3; round++) {
        const big = await post(JSON.stringify({ id: 'x', pad: 'a'.repeat(1_500_000) }));
        expect(big.status).toBe(413);
        expect(JSON.parse(big.body)).toMatchObject({ error: { message: /over 1000000 bytes/ } });
        const next = await post(JSON.stringify({ id: 'nope' }));
        expect(next.status).toBe(404);
        expect(next.socket).toBe(big.socket);
      }
    } finally {
      agent.destroy();
    }
  }, 60_000);

  it('bounds the chats of a session and in total, evicting the least recently used idle one', async () => {
    const before = chat.chatCount();
    const a = await session(chat);
    const loaded = new Set(await loadedThreads(chat));
    await ask(chat, a, 'a1', [user('u1', 'hello world')]);
    const [a1Thread] = (await loadedThreads(chat)).filter((id) => !loaded.has(id));
    for (const id of ['a2', 'a3']) await ask(chat, a, id, [user('u1', 'hello world')]);
    // a1 was the idlest: forgotten; a2 and a3 stay.
    await expect((await api(chat, '/api/history?id=a1', a)).json()).resolves.toEqual([]);
    // And its thread unsubscribed on the server: unsubscribing it again, it has no subscription.
    await expect(unsubscribed(chat, a1Thread!)).resolves.toBe('notSubscribed');
    expect(JSON.stringify(await (await api(chat, '/api/history?id=a3', a)).json())).toContain(
      'hello world',
    );
    expect(chat.chatCount()).toBeLessThanOrEqual(3);
    const b = await session(chat);
    for (const id of ['b1', 'b2']) await ask(chat, b, id, [user('u1', 'alpha')]);
    expect(chat.chatCount()).toBe(3);
    expect(before).toBeLessThanOrEqual(3);
  }, 120_000);
});

describe('the web chat route, hostile traffic', () => {
  let chat: WebChat;

  beforeAll(async () => {
    chat = await startWebChat({ maxChatsPerSession: 2, maxChats: 3, maxSessions: 2 });
  }, 60_000);
  afterAll(() => chat?.close());

  /** Starts a turn that does not end until stopped; resolves once its first chunk has come. */
  async function slowTurn(cookie: string, chatId: string) {
    const stream = await transport(chat, cookie).sendMessages({
      trigger: 'submit-message',
      chatId,
      messageId: undefined,
      messages: [user('u1', 'give me a slow answer')],
      abortSignal: undefined,
    });
    const reader = stream.getReader();
    await reader.read();
    return async () => {
      expect((await api(chat, '/api/stop', cookie, { id: chatId })).status).toBe(200);
      while (!(await reader.read()).done);
    };
  }

  it('answers a request target that is not a valid path with 400, and serves on', async () => {
    for (const target of ['//', '/\\']) {
      const response = await fetch(`${chat.url.replace(/\/$/, '')}${target}`);
      expect(response.status).toBe(400);
      await expect(response.json()).resolves.toMatchObject({
        error: { message: /not a valid path/ },
      });
    }
    expect((await fetch(chat.url)).status).toBe(200);
  });

  it('holds its bounds against new chats arriving together', async () => {
    const cookie = await session(chat);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => ask(chat, cookie, `together-${i}`, [user('u1', 'hi')])),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    expect(results.length - refused.length).toBeLessThanOrEqual(2);
    for (const r of refused) expect(r.reason).toMatchObject({ statusCode: 429 });
    expect(chat.chatCount()).toBeLessThanOrEqual(2);
  }, 60_000);

  it('page loads past maxSessions evict sessions without chats, never one with a turn running', async () => {
    const a = await session(chat);
    const stopA = await slowTurn(a, 'a-slow');
    // A flood of page loads: each evicts a session, but not a's.
    for (let i = 0; i < 4; i++) await session(chat);
    const b = await session(chat);
    const stopB = await slowTurn(b, 'b-slow');
    // Every session kept has a turn running: a new one is refused, visibly.
    const refused = await fetch(chat.url);
    expect(refused.status).toBe(503);
    await expect(refused.json()).resolves.toMatchObject({ error: { message: /2 sessions/ } });
    // a's session, chat and turn are still its own to stop.
    await stopA();
    await stopB();
    expect((await fetch(chat.url)).status).toBe(200);
  }, 60_000);
});

describe('the web chat route, idle chats', () => {
  it('forgets a chat idle for idleMs and unsubscribes its thread on the server', async () => {
    // Long enough that the chat is still there for the checks right after the answer, on a
    // loaded host too (at 200 ms, the sweep once forgot it before they ran).
    await using chat = await startWebChat({ idleMs: 2_000 });
    const cookie = await session(chat);
    const loaded = new Set(await loadedThreads(chat));
    await ask(chat, cookie, 'idle', [user('u1', 'hello world')]);
    expect(chat.chatCount()).toBe(1);
    const [thread] = (await loadedThreads(chat)).filter((id) => !loaded.has(id));
    expect(thread).toBeDefined();
    // The sweep runs on its own timer: wait for it, up to ten times idleMs.
    const deadline = Date.now() + 20_000;
    while (chat.chatCount() > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(chat.chatCount()).toBe(0);
    await expect((await api(chat, '/api/history?id=idle', cookie)).json()).resolves.toEqual([]);
    await expect(unsubscribed(chat, thread!)).resolves.toBe('notSubscribed');
  }, 60_000);
});

describe('CodexChat refusals through the UI message stream', () => {
  it("reach the AI SDK client as an error chunk: the response's text() resolves", async () => {
    // No thread is touched for a body that cannot be read.
    const chat = new CodexChat(null as never);
    const response = toUIMessageStreamResponse(chat.respond({} as never));
    expect(response.status).toBe(200);
    const text = await response.clone().text();
    expect(text).toContain('"type":"error"');
    const errors: unknown[] = [];
    const chunks = response.body!.pipeThrough(new TextDecoderStream()).pipeThrough(parseSse());
    for await (const _ of readUIMessageStream({ stream: chunks, onError: (e) => errors.push(e) }));
    expect(String(errors[0])).toMatch(/messages must be an array/);
    const refused = chat.response({ messages: [{ id: 'u', role: 'user', parts: null }] });
    expect(refused.status).toBe(400);
    await expect(refused.json()).resolves.toMatchObject({
      error: { name: 'InvalidInputError', field: 'messages[0].parts' },
    });
  });
});

/** The SSE frames of a UI message stream response, as chunks (what `useChat` reads). */
function parseSse(): TransformStream<string, never> {
  let buffer = '';
  return new TransformStream({
    transform(text, controller) {
      buffer += text;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const frame = buffer.slice(0, end).replace(/^data: /, '');
        buffer = buffer.slice(end + 2);
        if (frame !== '[DONE]') controller.enqueue(JSON.parse(frame) as never);
      }
    },
  });
}
