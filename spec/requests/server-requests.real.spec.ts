import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { defineTool } from '../../src/index.js';
import type { AnyServerRequest } from '../../src/index.js';
import { reply } from '../../src/testing/scripted-model-server.js';
import { startRealCodex } from '../support/real-codex.js';
import type { RealCodex } from '../support/real-codex.js';
import { TRANSPORTS } from '../support/transports.js';

describe.each(TRANSPORTS)('server requests against the real app-server over %s', (transport) => {
  let real: RealCodex;
  let marker: string;
  beforeAll(async () => {
    real = await startRealCodex({
      transport,
      approvalPolicy: 'on-request',
      sandboxMode: 'workspace-write',
    });
    marker = path.join(real.home.workspace, 'marker.txt');
  });
  afterAll(() => real.close());
  afterEach(() => rm(marker, { force: true }));

  /** Queues a model reply that asks to run an escalated command creating the marker, then a final answer. */
  function scriptEscalatedCommand(): void {
    real.model.enqueue(
      reply.execCommand(`touch ${marker}`, {
        sandbox_permissions: 'require_escalated',
        justification: 'write the marker',
      }),
      reply.text('done'),
    );
  }

  function commandStatus(result: {
    items: readonly { type: string; status?: unknown }[];
  }): unknown {
    return result.items.find((item) => item.type === 'commandExecution')?.status;
  }

  it('declines by default when there is no handler: the command does not run, the turn completes', async () => {
    const thread = await real.codex.startThread();
    scriptEscalatedCommand();
    const result = await thread.run('make the marker');
    expect(result.status).toBe('completed');
    expect(commandStatus(result)).toBe('declined');
    expect(existsSync(marker)).toBe(false);
    expect(JSON.stringify(real.model.modelRequests.at(-1)!.functionCallOutputs())).toContain(
      'rejected',
    );
  });

  it("a thread handler answering 'decline' keeps the command from running", async () => {
    const thread = await real.codex.startThread({}, { handlers: { approval: 'decline' } });
    scriptEscalatedCommand();
    const result = await thread.run('make the marker');
    expect(commandStatus(result)).toBe('declined');
    expect(existsSync(marker)).toBe(false);
  });

  it("a turn handler answering 'accept' runs the command", async () => {
    const thread = await real.codex.startThread();
    scriptEscalatedCommand();
    const seen: string[] = [];
    const result = await thread.run('make the marker', {
      handlers: {
        'item/commandExecution/requestApproval': (params) => {
          seen.push(params.reason ?? '');
          return { decision: 'accept' };
        },
      },
    });
    expect(seen).toEqual(['write the marker']);
    expect(commandStatus(result)).toBe('completed');
    expect(existsSync(marker)).toBe(true);
  });

  it('answers through serverRequests$ 500 ms later, like a UI prompt would', async () => {
    const thread = await real.codex.startThread();
    scriptEscalatedCommand();
    const prompts: AnyServerRequest[] = [];
    const subscription = thread.serverRequests$.subscribe((request) => {
      prompts.push(request);
      setTimeout(() => {
        if (request.method === 'item/commandExecution/requestApproval')
          request.respond({ decision: 'accept' });
      }, 500);
    });
    const result = await thread.run('make the marker');
    subscription.unsubscribe();
    expect(prompts.map((p) => p.method)).toEqual(['item/commandExecution/requestApproval']);
    await expect(prompts[0]!.resolved).resolves.toBeUndefined();
    expect(commandStatus(result)).toBe('completed');
    expect(existsSync(marker)).toBe(true);
  });

  it('runs a dynamic tool the model calls and sends its output back to the model', async () => {
    const calls: unknown[] = [];
    const weather = defineTool<{ city: string }>({
      name: 'lookup_weather',
      description: 'Current weather for a city',
      inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      execute: (args) => {
        calls.push(args);
        return `sunny and 21C in ${args.city}`;
      },
    });
    const thread = await real.codex.startThread({}, { tools: [weather] });
    real.model.enqueue(
      reply.functionCall('lookup_weather', { city: 'Paris' }, 'call_weather'),
      reply.text('It is sunny'),
    );
    const result = await thread.run('What is the weather in Paris?');
    expect(calls).toEqual([{ city: 'Paris' }]);
    expect(result.finalResponse).toBe('It is sunny');
    const announced = real.model.modelRequests.at(-2)!.body?.tools?.map((t) => t.name);
    expect(announced).toContain('lookup_weather');
    expect(real.model.modelRequests.at(-1)!.functionCallOutputs()).toEqual([
      { callId: 'call_weather', output: 'sunny and 21C in Paris' },
    ]);
    expect(result.items.find((i) => i.type === 'dynamicToolCall')).toMatchObject({
      tool: 'lookup_weather',
      success: true,
    });
  });

  it('a tool that throws returns its error to the model and the turn goes on', async () => {
    const thread = await real.codex.startThread(
      {},
      {
        tools: [
          defineTool({
            name: 'flaky',
            description: 'Fails',
            inputSchema: { type: 'object' },
            execute: () => {
              throw new Error('backend unavailable');
            },
          }),
        ],
      },
    );
    real.model.enqueue(
      reply.functionCall('flaky', {}, 'call_flaky'),
      reply.text('Sorry, the tool failed'),
    );
    const result = await thread.run('try the tool');
    expect(result.status).toBe('completed');
    expect(JSON.stringify(real.model.modelRequests.at(-1)!.functionCallOutputs())).toContain(
      'backend unavailable',
    );
  });
});
