import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { firstValueFrom, filter, toArray } from 'rxjs';
import { Codex, CodexProcessError, ClosedError, VERSION } from '../../src/index.js';
import { processExists, startRealCodex } from '../support/real-codex.js';
import type { RealCodex } from '../support/real-codex.js';

describe('Codex against the real app-server', () => {
  let real: RealCodex | undefined;
  afterEach(async () => {
    await real?.close();
    real = undefined;
  });

  it('starts, initializes and reports the server metadata', async () => {
    real = await startRealCodex();
    const { metadata, pid } = real.codex;
    expect(metadata.userAgent).toMatch(
      new RegExp(`^codex_rx/[0-9.]+ .*\\(codex_rx; ${VERSION.replace(/\./g, '\\.')}\\)$`),
    );
    expect(metadata.codexHome).toBe(real.home.path);
    expect(metadata.platformFamily).toBe('unix');
    expect(pid).toEqual(expect.any(Number));
    expect(processExists(pid!)).toBe(true);
  });

  it('notifications$ sees thread/started after a thread/start request', async () => {
    real = await startRealCodex();
    const { codex } = real;
    const started = firstValueFrom(
      codex.notifications$.pipe(filter((n) => n.method === 'thread/started')),
    );
    const response = await codex.request('thread/start', { cwd: real.home.workspace });
    const notification = await started;
    expect(notification.method).toBe('thread/started');
    if (notification.method !== 'thread/started') throw new Error('unreachable');
    expect(notification.params.thread.id).toBe(response.thread.id);
    expect(notification.emittedAtMs).toEqual(expect.any(Number));
  });

  it('passes config overrides as TOML so a hostile value stays one value', async () => {
    const hostile = 'mock-model"\nmodel_provider = "evil';
    real = await startRealCodex({ codex: { config: { model: hostile } } });
    const read = await real.codex.request('config/read', { includeLayers: false });
    expect(read.config.model).toBe(hostile);
    expect(read.config.model_provider).toBe('mock');
  });

  it('close() ends the child process, completes notifications$ and rejects later requests', async () => {
    real = await startRealCodex();
    const { codex } = real;
    const pid = codex.pid!;
    const all = firstValueFrom(codex.notifications$.pipe(toArray()));
    await codex.close();
    await all;
    expect(processExists(pid)).toBe(false);
    await expect(codex.request('model/list', {})).rejects.toBeInstanceOf(ClosedError);
  });

  it('a killed server rejects the pending request and errors notifications$ with CodexProcessError', async () => {
    real = await startRealCodex();
    const { codex } = real;
    const ended = firstValueFrom(codex.notifications$.pipe(toArray())).catch((e: unknown) => e);
    // command/exec answers only when the command ends, so this request is certainly pending.
    const pending = codex
      .request('command/exec', { command: ['sleep', '30'], cwd: real.home.workspace })
      .catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    process.kill(codex.pid!, 'SIGKILL');
    const error = await pending;
    expect(error).toBeInstanceOf(CodexProcessError);
    expect(error).toMatchObject({ method: 'command/exec', signal: 'SIGKILL', exitCode: null });
    expect(await ended).toBeInstanceOf(CodexProcessError);
  });

  describe('start failures', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'codex-rx-bad-bin-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('rejects with the path tried when the binary does not exist', async () => {
      const missing = path.join(dir, 'no-such-codex');
      const error = await Codex.start({ codexPath: missing }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CodexProcessError);
      expect(String((error as Error).message)).toContain(missing);
    });

    it('rejects with exit code and stderr when the binary exits at once', async () => {
      const script = path.join(dir, 'dies.sh');
      await writeFile(script, '#!/bin/sh\necho "fatal: config.toml is broken" >&2\nexit 3\n');
      await chmod(script, 0o755);
      const error = await Codex.start({ codexPath: script }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CodexProcessError);
      expect(error).toMatchObject({ exitCode: 3, method: 'initialize' });
      expect((error as CodexProcessError).stderrTail).toContain('fatal: config.toml is broken');
      expect(String((error as Error).message)).toContain('fatal: config.toml is broken');
    });
  });
});
