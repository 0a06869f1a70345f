import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { prependEntry, protocolChangesEntry } from '../../scripts/protocol-diff.js';

async function tree(root: string, files: Record<string, string>): Promise<string> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), text);
  }
  return root;
}

const request = (method: string, params: string) =>
  `{ "method": "${method}", id: RequestId, params: ${params}, }`;

describe('the protocol-changes entry (scripts/protocol-diff.ts)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'codex-rx-protocol-diff-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('lists methods, notifications, server requests and types added, removed or reshaped', async () => {
    const old = await tree(path.join(dir, 'old'), {
      'ClientRequest.ts': `export type ClientRequest = ${request('a/read', 'AParams')};`,
      'ServerRequest.ts': `export type ServerRequest = ${request('time/read', 'TParams')};`,
      'ServerNotification.ts':
        'export type ServerNotification = { "method": "x/done", params: X };',
      'v2/Display.ts': '/** Old doc. */\nexport type Display = { action: string, };',
      'v2/Kind.ts': 'export type Kind = "a" | "b";',
      'v2/Gone.ts': 'export type Gone = {};',
      'v2/Same.ts': '/** Doc. */\nexport type Same = { x: number, };',
      'index.ts': 'export * from "./x.js";',
    });
    const fresh = await tree(path.join(dir, 'new'), {
      'ClientRequest.ts': `export type ClientRequest = ${request('a/read', 'AParams')} | ${request('b/stream', 'BParams')};`,
      'ServerRequest.ts': 'export type ServerRequest = never;',
      'ServerNotification.ts':
        'export type ServerNotification = { "method": "x/done", params: X } | { "method": "b/partial", params: P };',
      'v2/Display.ts':
        'export type Display = { "mode": "show", version: 1, } | { "mode": "block", reason: string, };',
      'v2/Kind.ts': 'export type Kind = "a" | "b" | "c";',
      'v2/New.ts': 'export type New = {};',
      'v2/Same.ts': '/** Doc, reworded. */\nexport type Same = { x: number, };',
      'index.ts': 'export * from "./y.js";',
    });
    const entry = await protocolChangesEntry(old, fresh, '1.0.0', '1.1.0');
    expect(entry).toMatch(/^## 1\.0\.0 → 1\.1\.0\n/);
    expect(entry).toContain('### Client requests\n\n- added `b/stream`\n');
    expect(entry).toContain('### Server notifications\n\n- added `b/partial`\n');
    expect(entry).toContain('### Server requests\n\n- removed `time/read`\n');
    expect(entry).toContain('- added: `v2/New`');
    expect(entry).toContain('- removed: `v2/Gone`');
    expect(entry).toContain(
      '- `v2/Display` (fields +mode, +version, +reason, −action; values +"show", +"block")',
    );
    expect(entry).toContain('- `v2/Kind` (values +"c")');
    expect(entry).not.toContain('v2/Same`');
    expect(entry).toContain('1 more types changed only in their doc comments.');
    expect(entry).not.toMatch(/index/);
  });

  it('prepends entries newest first and replaces one with the same heading', async () => {
    const file = path.join(dir, 'protocol-changes.md');
    await prependEntry('## 1.0.0 → 1.1.0\n\nfirst\n', file);
    await prependEntry('## 1.1.0 → 1.2.0\n\nsecond\n', file);
    await prependEntry('## 1.1.0 → 1.2.0\n\nsecond, redone\n', file);
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/^# Protocol changes/);
    expect(text.match(/^## .*$/gm)).toEqual(['## 1.1.0 → 1.2.0', '## 1.0.0 → 1.1.0']);
    expect(text).toContain('second, redone');
    expect(text).not.toContain('second\n');
  });
});
