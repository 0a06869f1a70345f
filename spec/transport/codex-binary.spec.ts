import { accessSync, constants } from 'node:fs';
import { CodexBinaryNotFoundError, resolveBundledCodex } from '../../src/transport/codex-binary.js';

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
