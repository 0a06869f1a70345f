/**
 * `CodexChat` as a `useChat` route sees it, against the real app-server: what each request gets
 * back, the approval round trip the AI SDK way, history for a reload, and what it refuses.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readUIMessageStream } from 'ai';
import type { UIMessage, UIMessageChunk } from 'ai';
import { from, lastValueFrom, toArray } from 'rxjs';
import { CodexChat, toReadableStream } from '../../src/ai-sdk/index.js';
import { InvalidInputError } from '../../src/index.js';
import { reply } from '../../src/testing/scripted-model-server.js';
import { startRealCodex } from '../support/real-codex.js';
import type { RealCodex } from '../support/real-codex.js';

const user = (id: string, text: string): UIMessage => ({
  id,
  role: 'user',
  parts: [{ type: 'text', text }],
});

async function messageOf(chunks: UIMessageChunk[], message?: UIMessage): Promise<UIMessage> {
  let last: UIMessage | undefined;
  for await (const m of readUIMessageStream({
    stream: toReadableStream(from(chunks)),
    ...(message ? { message } : {}),
  }))
    last = m;
  return structuredClone(last!);
}

describe('CodexChat against the real app-server', () => {
  let real: RealCodex;
  beforeAll(async () => {
    real = await startRealCodex({ approvalPolicy: 'on-request', sandboxMode: 'workspace-write' });
  });
  afterAll(() => real.close());

  it('answers a message, then gives the thread back as UI messages', async () => {
    const chat = new CodexChat(await real.codex.startThread());
    real.model.enqueue(reply.text('Hello from the chat.'));
    const chunks = await lastValueFrom(
      chat.respond({ messages: [user('u1', 'Hi')] }).pipe(toArray()),
    );
    expect(chunks.at(-1)).toEqual({ type: 'finish', finishReason: 'stop' });
    const answer = await messageOf(chunks);
    expect(answer.parts.find((p) => p.type === 'text')).toMatchObject({
      text: 'Hello from the chat.',
    });
    const history = await chat.history();
    expect(history.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(history[1]!.parts.find((p) => p.type === 'text')).toMatchObject({
      text: 'Hello from the chat.',
    });
  });

  it('pauses on an approval; the answer in the next request runs it and continues the message', async () => {
    const chat = new CodexChat(await real.codex.startThread());
    const marker = path.join(real.home.workspace, 'chat-approved.txt');
    real.model.enqueue(reply.escalatedCommand(`touch ${marker}`, 'write it'), reply.text('Done.'));
    const asked = await lastValueFrom(
      chat.respond({ messages: [user('u1', 'Write it')] }).pipe(toArray()),
    );
    expect(asked.at(-1)).toEqual({ type: 'finish', finishReason: 'tool-calls' });
    const waiting = await messageOf(asked);
    const tool = waiting.parts.find((p) => p.type === 'dynamic-tool')!;
    expect(tool).toMatchObject({ state: 'approval-requested', toolName: 'commandExecution' });

    // Meanwhile a new message is refused, clearly.
    await expect(
      lastValueFrom(chat.respond({ messages: [user('u1', 'Write it'), waiting, user('u2', 'x')] })),
    ).rejects.toBeInstanceOf(InvalidInputError);

    // What addToolApprovalResponse({ id, approved: true }) leaves in the message.
    const approval = (tool as { approval: { id: string } }).approval;
    const answered: UIMessage = {
      ...waiting,
      parts: waiting.parts.map((p) =>
        p === tool
          ? { ...tool, state: 'approval-responded', approval: { ...approval, approved: true } }
          : p,
      ) as UIMessage['parts'],
    };
    const rest = await lastValueFrom(
      chat.respond({ messages: [user('u1', 'Write it'), answered] }).pipe(toArray()),
    );
    expect(rest[0]).toEqual({ type: 'start', messageId: waiting.id });
    expect(rest.at(-1)).toEqual({ type: 'finish', finishReason: 'stop' });
    const final = await messageOf(rest, answered);
    expect(final.parts.find((p) => p.type === 'dynamic-tool')).toMatchObject({
      state: 'output-available',
    });
    expect(
      final.parts.filter((p) => p.type === 'text').map((p) => p.type === 'text' && p.text),
    ).toContain('Done.');
    expect(existsSync(marker)).toBe(true);
  });

  it('refuses a request it cannot read', async () => {
    const chat = new CodexChat(await real.codex.startThread());
    await expect(lastValueFrom(chat.respond({} as never))).rejects.toThrow(
      /messages must be an array/,
    );
    await expect(
      lastValueFrom(chat.respond({ messages: [{ id: 'a', role: 'assistant', parts: [] }] })),
    ).rejects.toThrow(/assistant message of no running turn/);
  });
});
