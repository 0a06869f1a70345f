import { firstValueFrom, take, toArray } from 'rxjs';
import { Codex, InvalidInputError, autoApprove, defineTool } from '../../src/index.js';
import type { AnyServerRequest, Logger, ServerRequestHandlers } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';
import { turnObject } from '../support/turn-fixtures.js';

const TH = 'th-1';
const TU = 'tu-1';
const base = { threadId: TH, turnId: TU };
const approvalParams = {
  ...base,
  kind: 'command',
  itemId: 'call_1',
  startedAtMs: 1,
  environmentId: 'local',
  reason: 'needs escalation',
  command: "/bin/bash -lc 'touch marker'",
  cwd: '/tmp',
};
const fileParams = { ...base, itemId: 'patch_1', startedAtMs: 1, reason: null };
const permissionsParams = {
  ...base,
  itemId: 'p1',
  environmentId: null,
  startedAtMs: 1,
  cwd: '/tmp',
  reason: null,
  permissions: { network: { enabled: true }, fileSystem: null },
};
const execApprovalParams = {
  conversationId: TH,
  callId: 'c',
  approvalId: null,
  command: ['ls'],
  cwd: '/',
  reason: null,
  parsedCmd: [],
};
const userInputParams = {
  ...base,
  itemId: 'q1',
  questions: [
    { id: 'q', header: 'h', question: 'Which?', isOther: false, isSecret: false, options: null },
  ],
  isBlocking: true,
  autoResolutionMs: null,
};
const elicitationParams = {
  threadId: TH,
  turnId: TU,
  serverName: 'srv',
  mode: 'form',
  _meta: null,
  message: 'Your name?',
  requestedSchema: { type: 'object', properties: {} },
};
const toolCallParams = {
  ...base,
  callId: 'call_9',
  namespace: null,
  tool: 'lookup_weather',
  arguments: { city: 'Paris' },
};

async function connect(
  options: {
    handlers?: ServerRequestHandlers;
    logger?: Logger;
    serverRequestTimeoutMs?: number;
  } = {},
) {
  const peer = new FakePeer()
    .handle('thread/start', () => ({ result: { thread: { id: TH, status: { type: 'idle' } } } }))
    .handle('turn/start', () => ({ result: { turn: turnObject(TU, 'inProgress') } }));
  const codex = await Codex.connect(peer.transport, options);
  return { peer, codex };
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, error: (m) => lines.push(m), warn: (m) => lines.push(m) };
}

describe('server requests on the wire', () => {
  it('with no handler, answers every request type with its safe default at once', async () => {
    const { peer, codex } = await connect();
    const answers = await Promise.all([
      peer.request('item/commandExecution/requestApproval', approvalParams),
      peer.request('item/fileChange/requestApproval', fileParams),
      peer.request('item/permissions/requestApproval', permissionsParams),
      peer.request('item/tool/requestUserInput', userInputParams),
      peer.request('mcpServer/elicitation/request', elicitationParams),
      peer.request('item/tool/call', toolCallParams),
      peer.request('execCommandApproval', execApprovalParams),
      peer.request('applyPatchApproval', {
        conversationId: TH,
        callId: 'c',
        fileChanges: {},
        reason: null,
        grantRoot: null,
      }),
      peer.request('account/chatgptAuthTokens/refresh', { reason: 'unauthorized' }),
      peer.request('no/such/request', {}),
    ]);
    expect(answers.map((a) => a.result ?? { error: a.error?.code })).toEqual([
      { decision: 'decline' },
      { decision: 'decline' },
      { permissions: {}, scope: 'turn' },
      { answers: {} },
      { action: 'cancel', content: null, _meta: null },
      {
        contentItems: [
          { type: 'inputText', text: 'codex-rx: no implementation for the tool lookup_weather' },
        ],
        success: false,
      },
      { decision: { denied: { rejection: 'declined by the client' } } },
      { decision: { denied: { rejection: 'declined by the client' } } },
      { error: -32603 },
      { error: -32601 },
    ]);
    await codex.close();
  });

  it('routes each method to its typed handler', async () => {
    const seen: string[] = [];
    const { peer, codex } = await connect({
      handlers: {
        'item/commandExecution/requestApproval': (params) => {
          seen.push(`command ${params.command ?? ''} ${params.reason ?? ''}`);
          return { decision: 'acceptForSession' };
        },
        'item/fileChange/requestApproval': (params) => {
          seen.push(`file ${params.itemId}`);
          return { decision: 'accept' };
        },
        'item/tool/requestUserInput': (params) => ({
          answers: { [params.questions[0]!.id]: { answers: ['B'] } },
        }),
        'mcpServer/elicitation/request': async (params) => {
          await new Promise((r) => setTimeout(r, 5));
          return { action: 'accept', content: { name: params.serverName }, _meta: null };
        },
      },
    });
    const answers = await Promise.all([
      peer.request('item/commandExecution/requestApproval', approvalParams),
      peer.request('item/fileChange/requestApproval', fileParams),
      peer.request('item/tool/requestUserInput', userInputParams),
      peer.request('mcpServer/elicitation/request', elicitationParams),
    ]);
    expect(answers.map((a) => a.result)).toEqual([
      { decision: 'acceptForSession' },
      { decision: 'accept' },
      { answers: { q: { answers: ['B'] } } },
      { action: 'accept', content: { name: 'srv' }, _meta: null },
    ]);
    expect(seen).toEqual(["command /bin/bash -lc 'touch marker' needs escalation", 'file patch_1']);
    await codex.close();
  });

  it('the approval shorthand answers every approval type; autoApprove must be named', async () => {
    const { peer, codex } = await connect({ handlers: autoApprove });
    const [command, permissions, legacy] = await Promise.all([
      peer.request('item/commandExecution/requestApproval', approvalParams),
      peer.request('item/permissions/requestApproval', permissionsParams),
      peer.request('execCommandApproval', execApprovalParams),
    ]);
    expect(command.result).toEqual({ decision: 'accept' });
    expect(permissions.result).toEqual({
      permissions: { network: { enabled: true } },
      scope: 'turn',
    });
    expect(legacy.result).toEqual({ decision: 'approved' });
    await codex.close();

    const decided: string[] = [];
    const second = await connect({
      handlers: {
        approval: (request) => {
          decided.push(request.method);
          return request.method === 'item/fileChange/requestApproval' ? 'accept' : 'decline';
        },
      },
    });
    const [a, b] = await Promise.all([
      second.peer.request('item/commandExecution/requestApproval', approvalParams),
      second.peer.request('item/fileChange/requestApproval', fileParams),
    ]);
    expect([a.result, b.result]).toEqual([{ decision: 'decline' }, { decision: 'accept' }]);
    expect(decided).toEqual([
      'item/commandExecution/requestApproval',
      'item/fileChange/requestApproval',
    ]);
    await second.codex.close();
  });

  it('the narrowest level wins: turn over thread over client', async () => {
    const { peer, codex } = await connect({ handlers: { approval: 'accept' } });
    const thread = await codex.startThread({}, { handlers: { approval: 'decline' } });
    expect(
      (await peer.request('item/commandExecution/requestApproval', approvalParams)).result,
    ).toEqual({ decision: 'decline' });
    const turn = thread.turn('x', {
      handlers: { 'item/commandExecution/requestApproval': () => ({ decision: 'cancel' }) },
    });
    turn.subscribe({ error: () => undefined });
    await turn.turnId;
    expect(
      (await peer.request('item/commandExecution/requestApproval', approvalParams)).result,
    ).toEqual({ decision: 'cancel' });
    // The turn handles only its own method; the thread's shorthand still covers file changes.
    expect((await peer.request('item/fileChange/requestApproval', fileParams)).result).toEqual({
      decision: 'decline',
    });
    thread.setHandlers(undefined);
    expect((await peer.request('item/fileChange/requestApproval', fileParams)).result).toEqual({
      decision: 'accept',
    });
    // A request about another thread only sees the client level.
    expect(
      (
        await peer.request('item/commandExecution/requestApproval', {
          ...approvalParams,
          threadId: 'other',
        })
      ).result,
    ).toEqual({
      decision: 'accept',
    });
    await codex.close();
  });

  it('a handler that throws or outlives the timeout yields the safe default, reported to the logger', async () => {
    const logger = recordingLogger();
    const { peer, codex } = await connect({
      logger,
      serverRequestTimeoutMs: 30,
      handlers: {
        'item/commandExecution/requestApproval': () => {
          throw new Error('handler bug');
        },
        'item/fileChange/requestApproval': () => new Promise(() => undefined),
      },
    });
    const [thrown, slow] = await Promise.all([
      peer.request('item/commandExecution/requestApproval', approvalParams),
      peer.request('item/fileChange/requestApproval', fileParams),
    ]);
    expect(thrown.result).toEqual({ decision: 'decline' });
    expect(slow.result).toEqual({ decision: 'decline' });
    expect(logger.lines.some((l) => l.includes('handler bug'))).toBe(true);
    expect(logger.lines.some((l) => l.includes('no answer within 30 ms'))).toBe(true);
    expect(codex.routingStats().openServerRequests).toBe(0);
    await codex.close();
  });

  it('serverRequests$ lets a UI answer later, exactly once, and surfaces serverRequest/resolved', async () => {
    const { peer, codex } = await connect();
    const requests: AnyServerRequest[] = [];
    codex.serverRequests$.subscribe((request) => requests.push(request));
    const answer = peer.request('item/commandExecution/requestApproval', approvalParams);
    await new Promise((r) => setTimeout(r, 50));
    const request = requests[0]!;
    expect(request.method).toBe('item/commandExecution/requestApproval');
    if (request.method !== 'item/commandExecution/requestApproval') throw new Error('unreachable');
    expect(request.params.command).toBe("/bin/bash -lc 'touch marker'");
    expect([request.threadId, request.turnId, request.id]).toEqual([TH, TU, 0]);
    expect(request.isSettled).toBe(false);
    request.respond({ decision: 'accept' });
    expect((await answer).result).toEqual({ decision: 'accept' });
    expect(() => request.respond({ decision: 'decline' })).toThrow(/already answered/);
    peer.notify('serverRequest/resolved', { threadId: TH, requestId: 0 });
    await expect(request.resolved).resolves.toBeUndefined();
    await codex.close();
  });

  it('a request the server clears (turn ended) stops waiting for an answer', async () => {
    const { peer, codex } = await connect();
    let request: AnyServerRequest | undefined;
    codex.serverRequests$.subscribe((r) => (request = r));
    const answer = peer.request('item/tool/requestUserInput', userInputParams);
    await new Promise((r) => setTimeout(r, 20));
    peer.notify('serverRequest/resolved', { threadId: TH, requestId: request!.id });
    expect((await answer).result).toEqual({ answers: {} });
    if (request?.method !== 'item/tool/requestUserInput') throw new Error('unexpected request');
    const userInput = request;
    expect(() => userInput.respond({ answers: {} })).toThrow(/already/);
    await codex.close();
  });

  it('thread and turn streams show only their own requests', async () => {
    const { peer, codex } = await connect();
    const thread = await codex.startThread();
    const threadSeen = firstValueFrom(thread.serverRequests$.pipe(take(1), toArray()));
    const turn = thread.turn('x');
    turn.subscribe({ error: () => undefined });
    await turn.turnId;
    const turnSeen = firstValueFrom(turn.serverRequests$.pipe(take(1)));
    void peer.request('item/commandExecution/requestApproval', {
      ...approvalParams,
      threadId: 'elsewhere',
    });
    const mine = peer.request('item/commandExecution/requestApproval', approvalParams);
    const [onThread] = await threadSeen;
    const onTurn = await turnSeen;
    expect(onThread!.threadId).toBe(TH);
    expect(onTurn).toBe(onThread);
    onTurn.respond({ decision: 'decline' } as never);
    expect((await mine).result).toEqual({ decision: 'decline' });
    await codex.close();
  });

  it('runs dynamic tools: output on success, error output when execute throws or the tool is unknown', async () => {
    const { peer, codex } = await connect();
    const weather = defineTool<{ city: string }>({
      name: 'lookup_weather',
      description: 'Weather for a city',
      inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      execute: ({ city }, context) => `sunny in ${city} (call ${context.callId})`,
    });
    const broken = defineTool({
      name: 'broken',
      description: 'Always fails',
      inputSchema: { type: 'object' },
      execute: () => {
        throw new Error('database unreachable');
      },
    });
    await codex.startThread({}, { tools: [weather, broken] });
    const declared = await peer.next('thread/start');
    expect((declared.params as { dynamicTools: unknown[] }).dynamicTools).toEqual([
      {
        type: 'function',
        name: 'lookup_weather',
        description: 'Weather for a city',
        inputSchema: weather.inputSchema,
      },
      {
        type: 'function',
        name: 'broken',
        description: 'Always fails',
        inputSchema: { type: 'object' },
      },
    ]);
    const [ok, failed, unknown] = await Promise.all([
      peer.request('item/tool/call', toolCallParams),
      peer.request('item/tool/call', { ...toolCallParams, tool: 'broken' }),
      peer.request('item/tool/call', { ...toolCallParams, tool: 'nope' }),
    ]);
    expect(ok.result).toEqual({
      contentItems: [{ type: 'inputText', text: 'sunny in Paris (call call_9)' }],
      success: true,
    });
    expect(failed.result).toEqual({
      contentItems: [{ type: 'inputText', text: 'Error: database unreachable' }],
      success: false,
    });
    expect(unknown.result).toMatchObject({ success: false });
    await codex.close();
  });

  it('close() answers waiting requests and completes the streams', async () => {
    const { peer, codex } = await connect();
    const ended = firstValueFrom(codex.serverRequests$.pipe(toArray()));
    void peer.request('item/commandExecution/requestApproval', approvalParams);
    await new Promise((r) => setTimeout(r, 20));
    await codex.close();
    expect(await ended).toHaveLength(1);
    expect(codex.routingStats().openServerRequests).toBe(0);
  });
});

describe('approval answers are checked against the protocol', () => {
  it('a handler answering a decision the protocol lacks gets the safe default, with a clear log line', async () => {
    const logger = recordingLogger();
    const { peer, codex } = await connect({
      logger,
      handlers: {
        'item/commandExecution/requestApproval': () => ({ decision: 'yolo' }) as never,
        'item/fileChange/requestApproval': () => ({ decision: { accept: true } }) as never,
      },
    });
    const command = await peer.request('item/commandExecution/requestApproval', approvalParams);
    expect(command.result).toEqual({ decision: 'decline' });
    const file = await peer.request('item/fileChange/requestApproval', fileParams);
    expect(file.result).toEqual({ decision: 'decline' });
    const text = logger.lines.join('\n');
    expect(text).toMatch(/decision "yolo" is not one of 'accept' \| 'acceptForSession'/);
    expect(text).toMatch(/answered with the safe default/);
    await codex.close();
  });

  it('the approval shorthand with an unknown decision falls back to the safe default', async () => {
    const { peer, codex } = await connect({ handlers: { approval: 'yolo' as never } });
    expect(
      (await peer.request('item/commandExecution/requestApproval', approvalParams)).result,
    ).toEqual({ decision: 'decline' });
    expect((await peer.request('execCommandApproval', execApprovalParams)).result).toEqual({
      decision: { denied: { rejection: expect.any(String) } },
    });
    await codex.close();
  });

  it('respond() with an unknown decision throws InvalidInputError and leaves the request open', async () => {
    const { peer, codex } = await connect();
    const seen = firstValueFrom(codex.serverRequests$);
    const answer = peer.request('item/commandExecution/requestApproval', approvalParams);
    const request = await seen;
    expect(() => request.respond({ decision: 'yolo' } as never)).toThrow(InvalidInputError);
    expect(() => request.respond({ decision: 'yolo' } as never)).toThrow(/result\.decision/);
    expect(request.isSettled).toBe(false);
    request.respond({
      decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ['ls'] } },
    } as never);
    expect((await answer).result).toEqual({
      decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ['ls'] } },
    });
    await codex.close();
  });
});
