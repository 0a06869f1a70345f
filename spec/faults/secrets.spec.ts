import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { filter, firstValueFrom } from 'rxjs';
import { Codex, CodexProcessError, JsonRpcError } from '../../src/index.js';
import type { Logger } from '../../src/index.js';
import { FakePeer } from '../support/fake-peer.js';
import { startRealCodex } from '../support/real-codex.js';

const KEY = 'sk-proj-THIS-IS-A-TEST-SECRET-0123456789';

function capture(): Logger & { text: () => string } {
  const lines: string[] = [];
  const push = (m: string, ...d: unknown[]) =>
    lines.push([m, ...d.map((x) => JSON.stringify(x))].join(' '));
  return { error: push, warn: push, info: push, debug: push, text: () => lines.join('\n') };
}

describe('credentials never appear in errors or logs', () => {
  it('redacts a key the server echoes back in an error', async () => {
    const peer = new FakePeer().handle('account/login/start', (params) => ({
      error: {
        code: -32600,
        message: `invalid key ${(params as { apiKey: string }).apiKey}`,
        data: { key: KEY },
      },
    }));
    const logger = capture();
    const codex = await Codex.connect(peer.transport, { logger });
    const error = await codex.loginApiKey(KEY).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JsonRpcError);
    expect(
      JSON.stringify({ message: (error as Error).message, data: (error as JsonRpcError).data }),
    ).not.toContain(KEY);
    expect((error as Error).message).toContain('[redacted]');
    peer.sendRaw(`not json ${KEY}\n`);
    await new Promise((r) => setTimeout(r, 10));
    expect(logger.text()).toContain('[redacted]');
    expect(logger.text()).not.toContain(KEY);
    await peer.crash({ exitCode: 1, stderr: [`auth failed for ${KEY}`] });
    const afterCrash = await codex.listModels().catch((e: unknown) => e);
    expect(afterCrash).toBeInstanceOf(CodexProcessError);
    expect(
      JSON.stringify((afterCrash as CodexProcessError).stderrTail) + (afterCrash as Error).message,
    ).not.toContain(KEY);
  });

  it('redacts env credentials that a dying server prints to stderr', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'codex-rx-secret-'));
    try {
      const script = path.join(dir, 'leaky.sh');
      await writeFile(
        script,
        '#!/bin/sh\necho "env says OPENAI_API_KEY=$OPENAI_API_KEY" >&2\nexit 2\n',
      );
      await chmod(script, 0o755);
      const seen: string[] = [];
      const error = await Codex.start({
        codexPath: script,
        env: { OPENAI_API_KEY: KEY },
        onStderr: (l) => seen.push(l),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CodexProcessError);
      const text =
        (error as Error).message +
        JSON.stringify((error as CodexProcessError).stderrTail) +
        seen.join('\n');
      expect(text).toContain('OPENAI_API_KEY=[redacted]');
      expect(text).not.toContain(KEY);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('logs into the real app-server with a key without it surfacing anywhere', async () => {
    const logger = capture();
    const real = await startRealCodex({ codex: { logger } });
    try {
      const updated = firstValueFrom(
        real.codex.notifications$.pipe(filter((n) => n.method === 'account/updated')),
      );
      await real.codex.loginApiKey(KEY);
      expect((await updated).params).toMatchObject({ authMode: 'apikey' });
      expect(logger.text()).not.toContain(KEY);
    } finally {
      await real.close();
    }
  });

  it('redacts every secret-looking env value, passed in or inherited, everywhere it could surface', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'codex-rx-secret-'));
    const names = [
      'GITHUB_TOKEN',
      'GH_TOKEN',
      'HF_TOKEN',
      'NPM_TOKEN',
      'AUTH_TOKEN',
      'ANTHROPIC_AUTH_TOKEN',
      'OPENAI_KEY',
      'AZURE_OPENAI_KEY',
      'PRIVATE_KEY',
      'DB_PASSWORD',
      'GOOGLE_APPLICATION_CREDENTIALS',
    ];
    const value = (name: string) => `value-of-${name}-0123456789`;
    const inherited = 'CODEX_RX_TEST_INHERITED_SECRET_TOKEN';
    process.env[inherited] = value(inherited);
    try {
      const script = path.join(dir, 'leaky.sh');
      await writeFile(script, '#!/bin/sh\nenv >&2\nexit 2\n');
      await chmod(script, 0o755);
      const seen: string[] = [];
      const error = await Codex.start({
        codexPath: script,
        env: Object.fromEntries(names.map((n) => [n, value(n)])),
        onStderr: (l) => seen.push(l),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CodexProcessError);
      const surfaces = [
        (error as Error).message,
        JSON.stringify((error as CodexProcessError).stderrTail),
        JSON.stringify(error),
        seen.join('\n'),
      ].join('\n');
      expect(surfaces).toContain('GITHUB_TOKEN=[redacted]');
      expect(surfaces).toContain(`${inherited}=[redacted]`);
      for (const name of [...names, inherited]) expect(surfaces).not.toContain(value(name));
    } finally {
      delete process.env[inherited];
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a client shows no credential through JSON.stringify or util.inspect, nor its stderr tail', async () => {
    const { inspect } = await import('node:util');
    const real = await startRealCodex({
      codex: { env: { OPENAI_API_KEY: KEY, RUST_LOG: 'debug' } },
    });
    try {
      await real.codex.loginApiKey(`${KEY}-login`);
      const transport = real.codex.transport as unknown as { stderrTail(): string[] };
      const shown = [
        JSON.stringify(real.codex),
        inspect(real.codex, { depth: 6, showHidden: true }),
        JSON.stringify(transport.stderrTail()),
      ].join('\n');
      expect(shown).not.toContain(KEY);
    } finally {
      await real.close();
    }
  });

  it('spawns without a shell: metacharacters in config values are inert', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'codex-rx-shell-'));
    const marker = path.join(dir, 'pwned');
    try {
      const real = await startRealCodex({
        codex: { config: { model: `$(touch ${marker}); \`touch ${marker}\`` } },
      });
      const read = await real.codex.request('config/read', { includeLayers: false });
      await real.close();
      expect(read.config.model).toBe(`$(touch ${marker}); \`touch ${marker}\``);
      await expect(import('node:fs/promises').then((fs) => fs.access(marker))).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
