/**
 * The presets and convenience options, checked where they land: in what the real app-server
 * sends the (scripted) model, in what it runs, and on the wire.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { Codex, InvalidInputError } from '../../src/index.js';
import type { Logger } from '../../src/index.js';
import {
  HERMETIC_ENV,
  HERMETIC_FEATURES_OFF,
  ScriptedModelServer,
  reply,
} from '../../src/testing/index.js';
import { FakePeer } from '../support/fake-peer.js';
import { CODEX_IN_USE, OTHER_CODEX, PINNED_CODEX } from '../support/codex-in-use.js';
import { startRealCodex } from '../support/real-codex.js';
import type { RealCodex } from '../support/real-codex.js';

describe('presets against the real app-server', () => {
  let real: RealCodex;
  beforeAll(async () => {
    real = await startRealCodex({ approvalPolicy: 'on-request', sandboxMode: 'workspace-write' });
    real.model.respondWith(() => reply.text('ok'));
  });
  afterAll(() => real.close());

  const lastRequest = () => real.model.modelRequests.at(-1)!;
  const developerText = () => lastRequest().messageTexts('developer').join('\n');
  const toolNames = () =>
    (
      (lastRequest().body as unknown as { tools: Array<{ type: string; name?: string }> }).tools ??
      []
    ).map((tool) => tool.name ?? tool.type);

  it('thread presets reach the model: reasoning effort, network, extra folders, web search', async () => {
    const extra = path.join(real.home.workspace, '..', 'extra-folder');
    const thread = await real.codex.startThread({
      modelReasoningEffort: 'high',
      networkAccessEnabled: true,
      additionalDirectories: [extra],
      webSearch: 'disabled',
    });
    await thread.run('hello');
    expect(lastRequest().body).toMatchObject({ reasoning: { effort: 'high' } });
    expect(developerText()).toContain('Network access is enabled');
    expect(developerText()).toContain(extra);
    expect(toolNames()).not.toContain('web_search');

    const plain = await real.codex.startThread();
    await plain.run('hello');
    expect(developerText()).toContain('Network access is restricted');
    expect(toolNames()).toContain('web_search');
  });

  it('turn presets reach the model for that turn', async () => {
    const thread = await real.codex.startThread();
    await thread.run('hello', {
      modelReasoningEffort: 'low',
      sandbox: 'workspace-write',
      networkAccessEnabled: true,
    });
    expect(lastRequest().body).toMatchObject({ reasoning: { effort: 'low' } });
    expect(developerText()).toContain('Network access is enabled');
  });

  it("approvalMode 'denyAll' asks nobody: an escalated command is refused without a request", async () => {
    const marker = path.join(real.home.workspace, 'deny-all.txt');
    const thread = await real.codex.startThread({ approvalMode: 'denyAll' });
    const asked: string[] = [];
    thread.serverRequests$.subscribe((request) => asked.push(request.method));
    real.model.enqueue(reply.escalatedCommand(`touch ${marker}`, 'write it'), reply.text('done'));
    await thread.run('write the marker');
    expect(asked).toEqual([]);
    expect(existsSync(marker)).toBe(false);
  });

  it("approvalMode 'dangerouslyBypassApprovalsAndSandbox' lifts the sandbox and asks nobody", async () => {
    const thread = await real.codex.startThread({
      approvalMode: 'dangerouslyBypassApprovalsAndSandbox',
    });
    await thread.run('hello');
    // What the server tells the model about its sandbox (this machine does not enforce one).
    const instructions = JSON.stringify(lastRequest().input);
    expect(instructions).toContain('`sandbox_mode` is `danger-full-access`');
    expect(instructions).toContain('Network access is enabled');
    const plain = await real.codex.startThread();
    await plain.run('hello');
    expect(JSON.stringify(lastRequest().input)).toContain('`sandbox_mode` is `workspace-write`');
  });

  it('codex.metadata names the server and the version of the binary in use', () => {
    // The pinned one, unless CODEX_RX_CODEX_PATH points the suite at another release.
    if (!OTHER_CODEX) expect(CODEX_IN_USE).toBe(PINNED_CODEX);
    expect(real.codex.metadata.serverInfo).toEqual({ name: 'codex_rx', version: CODEX_IN_USE });
    expect(real.codex.metadata.userAgent).toContain(`/${CODEX_IN_USE} `);
  });
});

describe('presets on the wire', () => {
  const fakeServer = () =>
    new FakePeer().handle('thread/start', () => ({
      result: { thread: { id: 'th-1', status: { type: 'idle' } } },
    }));

  async function wire(run: (codex: Codex) => Promise<unknown>): Promise<Record<string, unknown>> {
    const peer = fakeServer();
    const codex = await Codex.connect(peer.transport);
    try {
      await run(codex);
      const sent = peer.received.filter(
        (m) => m.method === 'thread/start' || m.method === 'turn/start',
      );
      return sent.at(-1)!.params as Record<string, unknown>;
    } finally {
      await codex.close();
    }
  }

  it("'autoReview' asks the server's reviewer; the bypass drops the sandbox", async () => {
    await expect(wire((c) => c.startThread({ approvalMode: 'autoReview' }))).resolves.toMatchObject(
      {
        approvalPolicy: 'on-request',
        approvalsReviewer: 'auto_review',
      },
    );
    const bypass = await wire((c) =>
      c.startThread({ approvalMode: 'dangerouslyBypassApprovalsAndSandbox' }),
    );
    expect(bypass).toMatchObject({ approvalPolicy: 'never', sandbox: 'danger-full-access' });
    expect(bypass).not.toHaveProperty('approvalMode');
  });

  it('rejects a preset combined with the raw parameter it sets, before sending anything', async () => {
    const peer = fakeServer();
    const codex = await Codex.connect(peer.transport);
    try {
      const bad: Array<[Promise<unknown>, RegExp]> = [
        [
          codex.startThread({ approvalMode: 'denyAll', approvalPolicy: 'on-request' }),
          /approvalMode conflicts with approvalPolicy/,
        ],
        [
          codex.startThread({
            approvalMode: 'dangerouslyBypassApprovalsAndSandbox',
            sandbox: 'read-only',
          }),
          /approvalMode conflicts with sandbox/,
        ],
        [
          codex.startThread({
            modelReasoningEffort: 'high',
            config: { model_reasoning_effort: 'low' },
          }),
          /modelReasoningEffort conflicts with config\['model_reasoning_effort'\]/,
        ],
        [
          codex.startThread({ additionalDirectories: ['relative/dir'] }),
          /additionalDirectories must be an array of absolute folder paths/,
        ],
        [
          codex.startThread({ approvalMode: 'askMe' as never }),
          /approvalMode must be one of denyAll, autoReview/,
        ],
      ];
      for (const [attempt, message] of bad) {
        const error = await attempt.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidInputError);
        expect((error as Error).message).toMatch(message);
      }
      const thread = await codex.startThread();
      expect(() =>
        thread.turn('x', { sandbox: 'read-only', sandboxPolicy: { type: 'dangerFullAccess' } }),
      ).toThrow(/sandbox conflicts with sandboxPolicy/);
      expect(() => thread.turn('x', { networkAccessEnabled: true })).toThrow(
        /networkAccessEnabled needs `sandbox`/,
      );
      expect(() => thread.turn('x', { modelReasoningEffort: 'low', effort: 'high' })).toThrow(
        /modelReasoningEffort conflicts with effort/,
      );
      expect(() => thread.turn('x', { goal: true, modelReasoningEffort: 'low' })).toThrow(
        /cannot be combined with goal/,
      );
      expect(peer.received.filter((m) => m.method === 'turn/start')).toEqual([]);
    } finally {
      await codex.close();
    }
  });
});

describe('Codex.start({ apiKey, baseUrl })', () => {
  it('signs in with the key and talks to that base URL, and the key shows nowhere', async () => {
    const model = await ScriptedModelServer.start({ responder: () => reply.text('signed in') });
    // A home on the default OpenAI provider: only baseUrl points it at the scripted model.
    const home = await mkdtemp(path.join(tmpdir(), 'codex-rx-apikey-'));
    await writeFile(
      path.join(home, 'config.toml'),
      `model = "gpt-5"\n[features]\n${HERMETIC_FEATURES_OFF.map((f) => `${f} = false`).join('\n')}\n`,
    );
    const key = 'sk-test-presets-0123456789abcdef';
    const lines: string[] = [];
    const logger: Logger = {
      error: (m) => lines.push(m),
      warn: (m) => lines.push(m),
      info: (m) => lines.push(m),
      debug: (m) => lines.push(m),
    };
    let codex: Codex | undefined;
    try {
      codex = await Codex.start({
        codexHome: home,
        env: { ...HERMETIC_ENV, HOME: home, RUST_LOG: 'debug' },
        apiKey: key,
        baseUrl: model.url,
        logger,
      });
      const thread = await codex.startThread();
      await expect(thread.run('hello')).resolves.toMatchObject({ finalResponse: 'signed in' });
      expect(model.modelRequests.at(-1)!.headers.authorization).toBe(`Bearer ${key}`);
      expect(codex.pid).toBeDefined();
      const visible = [
        ...lines,
        inspect(codex, { depth: 6, showHidden: true }),
        JSON.stringify(codex),
        codex.transport instanceof Object ? inspect(codex.transport, { depth: 4 }) : '',
      ].join('\n');
      expect(visible).not.toContain(key);
    } finally {
      await codex?.close();
      await model.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});
