/**
 * The public testing kit, used the way docs/testing.md tells a user to: every reply the script
 * DSL offers, run through the real app-server.
 */
import { lastValueFrom, toArray } from 'rxjs';
import { TurnFailedError, agentMessageDeltas, defineTool } from 'codex-rx';
import { item, reply, startScriptedCodex } from 'codex-rx/testing';

describe('codex-rx/testing', () => {
  it('a text reply with deltas, a phase and usage', async () => {
    await using scripted = await startScriptedCodex();
    scripted.model.enqueue(
      reply.text('Hello there', {
        phase: 'final_answer',
        chunks: ['Hello', ' there'],
        usage: { input: 40, output: 2 },
      }),
    );
    const thread = await scripted.codex.startThread();
    const turn = thread.turn('Hi');
    const events = await lastValueFrom(turn.pipe(toArray()));
    const deltas = events.flatMap((e) =>
      e.method === 'item/agentMessage/delta' ? [e.params.delta] : [],
    );
    expect(deltas).toEqual(['Hello', ' there']);
    const result = await thread.run('again?').catch((e: unknown) => e);
    expect(result).toBeInstanceOf(TurnFailedError); // nothing queued: the model answers 500
    expect(scripted.model.modelRequests.at(0)!.lastUserText()).toBe('Hi');
  });

  it('reasoning, then a message, in one reply', async () => {
    await using scripted = await startScriptedCodex();
    scripted.model.enqueue(
      reply.of([item.reasoning('Thinking it over'), item.message('Decided.')]),
    );
    const thread = await scripted.codex.startThread();
    const result = await thread.run('Decide');
    expect(result.finalResponse).toBe('Decided.');
    expect(result.items.map((i) => i.type)).toContain('reasoning');
  });

  it('a command, an escalated command approved by a handler, and the model seeing the output', async () => {
    await using scripted = await startScriptedCodex({
      approvalPolicy: 'on-request',
      sandboxMode: 'workspace-write',
    });
    scripted.model.enqueue(
      reply.execCommand('echo plain'),
      reply.escalatedCommand('echo escalated', 'needs the network'),
      reply.text('both ran'),
    );
    const reasons: string[] = [];
    const thread = await scripted.codex.startThread(
      {},
      {
        handlers: {
          'item/commandExecution/requestApproval': (params) => {
            reasons.push(params.reason ?? '');
            return { decision: 'accept' };
          },
        },
      },
    );
    const result = await thread.run('run them');
    expect(reasons).toEqual(['needs the network']);
    const outputs = JSON.stringify(scripted.model.modelRequests.at(-1)!.functionCallOutputs());
    expect(outputs).toContain('plain');
    expect(outputs).toContain('escalated');
    expect(result.finalResponse).toBe('both ran');
  });

  it('a dynamic tool call, a failure, and a slow stream', async () => {
    await using scripted = await startScriptedCodex();
    const tool = defineTool<{ q: string }>({
      name: 'lookup',
      description: 'Looks something up',
      inputSchema: { type: 'object', properties: { q: { type: 'string' } } },
      execute: ({ q }) => `found ${q}`,
    });
    scripted.model.enqueue(
      reply.functionCall('lookup', { q: 'x' }),
      reply.text('used the tool'),
      reply.failed('scripted outage'),
      reply.text('slowly', { chunks: ['s', 'l', 'o', 'w', 'l', 'y'], delayMs: 30 }),
    );
    const thread = await scripted.codex.startThread({}, { tools: [tool] });
    expect((await thread.run('use it')).finalResponse).toBe('used the tool');
    expect(JSON.stringify(scripted.model.modelRequests[1]!.functionCallOutputs())).toContain(
      'found x',
    );
    const failed = await thread.run('fail').catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(TurnFailedError);
    const slow = thread.turn('slow');
    const deltas = await lastValueFrom(slow.pipe(agentMessageDeltas(), toArray()));
    expect(deltas).toEqual(['s', 'l', 'o', 'w', 'l', 'y']);
  });

  it.each(['ws', 'unix'] as const)(
    'runs the same script over a listening server (%s), and says which options cannot apply',
    async (transport) => {
      await using scripted = await startScriptedCodex({ transport });
      scripted.model.enqueue(reply.text('over the listener'));
      const thread = await scripted.codex.startThread();
      expect((await thread.run('hi')).finalResponse).toBe('over the listener');
      await expect(startScriptedCodex({ transport, codex: { apiKey: 'sk-test' } })).rejects.toThrow(
        "codex.apiKey applies to a spawned stdio server only, not over transport '" +
          transport +
          "'",
      );
    },
  );
});
