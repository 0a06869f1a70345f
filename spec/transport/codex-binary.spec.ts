import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Codex } from '../../src/index.js';
import {
  CodexBinaryNotFoundError,
  resolveBundledCodex,
  resolveCodex,
} from '../../src/transport/codex-binary.js';
import { codexCommand } from '../../src/transport/codex-command.js';

describe('resolveBundledCodex', () => {
  it('finds the native binary of the pinned @openai/codex for this platform', () => {
    const binary = resolveBundledCodex();
    expect(binary.path).toMatch(/vendor[/\\][^/\\]+[/\\]bin[/\\]codex(\.exe)?$/);
    expect(() => accessSync(binary.path, constants.X_OK)).not.toThrow();
    expect(binary.path).not.toMatch(/codex\.js$/);
  });

  it('names the platform when there is no bundled binary for it', () => {
    expect(() => resolveBundledCodex('sunos', 'sparc')).toThrow(CodexBinaryNotFoundError);
    expect(() => resolveBundledCodex('sunos', 'sparc')).toThrow(/sunos-sparc.*codexPath/);
  });
});

describe('resolveCodex (CODEX_RX_CODEX_PATH)', () => {
  it('is the bundled binary when CODEX_RX_CODEX_PATH is unset or empty', () => {
    expect(resolveCodex({})).toEqual(resolveBundledCodex());
    expect(resolveCodex({ CODEX_RX_CODEX_PATH: '' })).toEqual(resolveBundledCodex());
  });

  it('is the named binary, with its sibling codex-path helpers, when set', () => {
    const bundled = resolveBundledCodex();
    const other = resolveCodex({ CODEX_RX_CODEX_PATH: bundled.path });
    expect(other.path).toBe(bundled.path);
    expect(other.helperPath).toBe(bundled.helperPath);
  });

  it('names the variable and the path when the file is not there', () => {
    expect(() => resolveCodex({ CODEX_RX_CODEX_PATH: '/nonexistent/codex' })).toThrow(
      CodexBinaryNotFoundError,
    );
    expect(() => resolveCodex({ CODEX_RX_CODEX_PATH: '/nonexistent/codex' })).toThrow(
      /CODEX_RX_CODEX_PATH names \/nonexistent\/codex/,
    );
  });

  it('names the variable, the path and what is wrong for a folder or a file it may not run', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'codex-rx-binary-'));
    try {
      const plain = path.join(folder, 'codex');
      await writeFile(plain, '#!/bin/sh\n', { mode: 0o644 });
      for (const [named, problem] of [
        [folder, 'is a folder, not an executable'],
        [plain, 'is not executable (mode 644; chmod +x it)'],
      ] as const) {
        const error = (() => {
          try {
            resolveCodex({ CODEX_RX_CODEX_PATH: named });
          } catch (e) {
            return e;
          }
        })();
        expect(error).toBeInstanceOf(CodexBinaryNotFoundError);
        expect((error as Error).message).toContain(
          `CODEX_RX_CODEX_PATH names ${named}, which ${problem}.`,
        );
        expect(error).toMatchObject({ code: 'binary_not_found', triedPaths: [named] });
      }
      // Nothing is spawned: Codex.start() fails with the same error, not a bare EACCES.
      const saved = process.env.CODEX_RX_CODEX_PATH;
      process.env.CODEX_RX_CODEX_PATH = folder;
      try {
        await expect(Codex.start()).rejects.toThrow(/CODEX_RX_CODEX_PATH names .* is a folder/);
      } finally {
        if (saved === undefined) delete process.env.CODEX_RX_CODEX_PATH;
        else process.env.CODEX_RX_CODEX_PATH = saved;
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('is what a spawned command uses unless codexPath is given', () => {
    const saved = process.env.CODEX_RX_CODEX_PATH;
    process.env.CODEX_RX_CODEX_PATH = '/nonexistent/codex';
    try {
      expect(() => codexCommand({}, ['app-server'])).toThrow(/CODEX_RX_CODEX_PATH/);
      expect(codexCommand({ codexPath: '/bin/true' }, []).executable).toBe('/bin/true');
    } finally {
      if (saved === undefined) delete process.env.CODEX_RX_CODEX_PATH;
      else process.env.CODEX_RX_CODEX_PATH = saved;
    }
  });
});
