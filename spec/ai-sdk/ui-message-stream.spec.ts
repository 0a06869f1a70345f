/**
 * Our chunks, read by the AI SDK's own `readUIMessageStream`: recorded real turns become the
 * UI messages a `useChat` page would render, and every chunk sequence is one the SDK accepts.
 */
import { readUIMessageStream } from 'ai';
import type { UIMessage, UIMessageChunk } from 'ai';
import { from, lastValueFrom, toArray } from 'rxjs';
import { toReadableStream, toUIMessageStream } from '../../src/ai-sdk/index.js';
import type { StateEvent } from '../../src/index.js';
import { allStateFixtures, stateFixture } from '../support/state-fixtures.js';

async function chunksOf(events: readonly StateEvent[]): Promise<UIMessageChunk[]> {
  return lastValueFrom(from(events).pipe(toUIMessageStream({ messageId: 'm-1' }), toArray()));
}

/** Every message state the AI SDK builds from the chunks, the last one last. */
async function read(chunks: UIMessageChunk[]): Promise<UIMessage[]> {
  const errors: string[] = [];
  const messages: UIMessage[] = [];
  for await (const message of readUIMessageStream({
    stream: toReadableStream(from(chunks)),
    onError: (error) => errors.push((error as Error).message),
  }))
    messages.push(structuredClone(message));
  // The only error the SDK reports is the one a failed turn sends on purpose.
  const sent = chunks.flatMap((c) => (c.type === 'error' ? [c.errorText] : []));
  expect(errors).toEqual(sent);
  return messages;
}

type Part = UIMessage['parts'][number];
const tools = (message: UIMessage) =>
  message.parts.filter(
    (p): p is Extract<Part, { type: 'dynamic-tool' }> => p.type === 'dynamic-tool',
  );
const texts = (message: UIMessage) =>
  message.parts.flatMap((p) => (p.type === 'text' ? [p.text] : []));

describe('toUIMessageStream, read by the AI SDK', () => {
  it.each(allStateFixtures().map((f) => [f.name, f.events] as const))(
    'the %s turn makes a well-formed stream: start, one step, and its end',
    async (_name, events) => {
      const chunks = await chunksOf(events);
      expect(chunks[0]).toEqual({ type: 'start', messageId: 'm-1' });
      expect(chunks[1]).toEqual({ type: 'start-step' });
      const opened = new Set<string>();
      for (const chunk of chunks) {
        if (chunk.type === 'text-start' || chunk.type === 'reasoning-start') opened.add(chunk.id);
        if (chunk.type === 'text-delta' || chunk.type === 'reasoning-delta')
          expect(opened.has(chunk.id)).toBe(true);
        if (chunk.type === 'text-end' || chunk.type === 'reasoning-end') opened.delete(chunk.id);
      }
      expect(opened.size).toBe(0);
      const messages = await read(chunks);
      expect(messages.at(-1)!.id).toBe('m-1');
    },
  );

  it('streams the answer as text parts, word by word, and the reasoning summary', async () => {
    const messages = await read(await chunksOf(stateFixture('message').events));
    const grown = messages.map((m) => texts(m).join(''));
    expect(grown).toContain('Hello t');
    expect(grown).toContain('Hello there, f');
    expect(texts(messages.at(-1)!)).toEqual(['Hello there, friend!']);
    const reasoning = messages.at(-1)!.parts.find((p) => p.type === 'reasoning');
    expect(reasoning).toMatchObject({ text: 'Thinking about a greeting', state: 'done' });
  });

  it('shows a command as a tool part whose output streams, then settles with the exit code', async () => {
    const messages = await read(await chunksOf(stateFixture('command-output').events));
    const preliminary = messages
      .map((m) => tools(m)[0])
      .map((t) => t?.state === 'output-available' && t.preliminary);
    expect(preliminary).toContain(true);
    const command = tools(messages.at(-1)!)[0]!;
    expect(command).toMatchObject({
      toolName: 'commandExecution',
      state: 'output-available',
      output: { output: 'one\ntwo\nthree\n', exitCode: 0, status: 'completed' },
    });
    expect(command.state === 'output-available' && command.preliminary).toBeFalsy();
    expect((command.input as { command: string }).command).toContain('printf');
  });

  it('asks for approval on the command, then shows what happened', async () => {
    for (const [name, end] of [
      ['approval-accepted', 'output-available'],
      ['approval-declined', 'output-denied'],
    ] as const) {
      const messages = await read(await chunksOf(stateFixture(name).events));
      const states = messages.map((m) => tools(m)[0]?.state);
      expect(states).toContain('approval-requested');
      expect(tools(messages.at(-1)!)[0]!.state).toBe(end);
    }
  });

  it('asks for approval the same way when the server uses the legacy execCommandApproval', async () => {
    // The same recorded turn, its approval request in the legacy form (callId, argv).
    const events = stateFixture('approval-accepted').events.map((event) => {
      if (!('method' in event) || event.method !== 'item/commandExecution/requestApproval')
        return event;
      const { threadId, itemId, cwd, reason } = event.params;
      return {
        id: event.id,
        method: 'execCommandApproval',
        params: {
          conversationId: threadId,
          callId: itemId,
          approvalId: null,
          command: ['echo', 'approved-run'],
          cwd,
          reason,
          parsedCmd: [],
        },
      } as StateEvent;
    });
    const chunks = await chunksOf(events);
    expect(chunks).toContainEqual(
      expect.objectContaining({ type: 'tool-approval-request', reason: 'needs to run outside' }),
    );
    const messages = await read(chunks);
    expect(messages.map((m) => tools(m)[0]?.state)).toContain('approval-requested');
  });

  it('ends an interrupted turn with abort, and a failed one with an error', async () => {
    const interrupted = await chunksOf(stateFixture('interrupted').events);
    expect(interrupted.at(-1)).toEqual({ type: 'abort', reason: 'interrupted' });
    expect(texts((await read(interrupted)).at(-1)!)).toEqual(['Working on it']);
    const failed = await chunksOf(stateFixture('failed').events);
    expect(failed.at(-2)).toMatchObject({
      type: 'error',
      errorText: expect.stringContaining('the model broke'),
    });
    expect(failed.at(-1)).toEqual({ type: 'finish', finishReason: 'error' });
  });

  it('carries the diff and usage as data parts, and the status at the end', async () => {
    const last = (await read(await chunksOf(stateFixture('file-change').events))).at(-1)!;
    const data = Object.fromEntries(
      last.parts.flatMap((p) =>
        p.type.startsWith('data-') ? [[p.type, (p as { data: unknown }).data]] : [],
      ),
    );
    expect(data['data-diff']).toContain('hello.txt');
    expect(data['data-usage']).toMatchObject({ total: { totalTokens: expect.any(Number) } });
    expect(data['data-status']).toMatchObject({ status: 'completed' });
    expect(tools(last)[0]).toMatchObject({ toolName: 'fileChange', state: 'output-available' });
  });
});
