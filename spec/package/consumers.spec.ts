/**
 * The package as a user installs it: `npm pack`, unpacked into a fresh project whose
 * node_modules holds only the dependencies (linked from this checkout, so no network is needed)
 * and rxjs at the lowest supported version (7.5.5, the first whose exports map carries types). Each kind of consumer type-checks against the
 * packed `.d.ts` (skipLibCheck off) and runs `thread.run()` against the scripted model.
 */
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { execa } from 'execa';
import { installPackedPackage } from '../support/packed-package.js';
import type { PackedPackage } from '../support/packed-package.js';

const run = promisify(execFile);
const repo = process.cwd();
const bin = (name: string) => path.join(repo, 'node_modules', '.bin', name);

/** Type-checks (and emits) a project; on errors, fails with tsc's report. */
async function tsc(dir: string): Promise<void> {
  const result = await execa(bin('tsc'), ['-p', dir], { reject: false });
  if (result.exitCode !== 0) throw new Error(`tsc -p ${dir}:\n${result.stdout}${result.stderr}`);
}

const ESM_SOURCE = `import { Codex, VERSION } from 'codex-rx';
import type { RunResult } from 'codex-rx';
import { toTurnState } from 'codex-rx/state';
import type { TurnState } from 'codex-rx/state';
import { reply, startScriptedCodex } from 'codex-rx/testing';
import { last, map, toArray } from 'rxjs';

const scripted = await startScriptedCodex();
try {
  scripted.model.enqueue(reply.text('streamed'), reply.text('hello from the tarball'));
  const thread = await scripted.codex.startThread();
  // An app's own rxjs operators and ours compose in one pipe (no nested rxjs copy).
  const deltas = await new Promise<string[]>((resolve, reject) =>
    thread
      .turn('first')
      .pipe(toTurnState(), last(), map((state: TurnState) => state.finalResponse ?? ''), toArray())
      .subscribe({ next: resolve, error: reject }),
  );
  const result: RunResult = await thread.run('hi');
  console.log(\`\${deltas.join('')} | \${result.finalResponse} | \${VERSION} | \${scripted.codex instanceof Codex}\`);
} finally {
  await scripted.close();
}
`;

/** codex-rx/ai-sdk with its optional peer \`ai\`, whose types need the DOM library. */
const AI_SDK_SOURCE = `import { toUIMessageStream, toUIMessageStreamResponse } from 'codex-rx/ai-sdk';
import { reply, startScriptedCodex } from 'codex-rx/testing';
import { lastValueFrom, toArray } from 'rxjs';

const scripted = await startScriptedCodex();
try {
  scripted.model.enqueue(reply.text('streamed'), reply.text('over SSE'));
  const thread = await scripted.codex.startThread();
  const chunks = await lastValueFrom(thread.turn('first').pipe(toUIMessageStream(), toArray()));
  const response = toUIMessageStreamResponse(thread.turn('second').pipe(toUIMessageStream()));
  const sse = await response.text();
  const finished = sse.includes('"type":"finish"') && response.headers.get('content-type') === 'text/event-stream';
  console.log(\`\${chunks.map((c) => c.type).join(',')} | \${finished}\`);
} finally {
  await scripted.close();
}
`;

const CJS_SOURCE = `const { Codex, VERSION } = require('codex-rx');
const { reply, startScriptedCodex } = require('codex-rx/testing');
const { reduceTurnState } = require('codex-rx/state');
const { toUIMessageStream } = require('codex-rx/ai-sdk');

(async () => {
  const scripted = await startScriptedCodex();
  try {
    scripted.model.enqueue(reply.text('streamed'), reply.text('hello from the tarball'));
    const thread = await scripted.codex.startThread();
    await thread.run('first');
    const result = await thread.run('hi');
    if (typeof reduceTurnState !== 'function') throw new Error('codex-rx/state has no reduceTurnState');
    if (typeof toUIMessageStream !== 'function') throw new Error('codex-rx/ai-sdk has no toUIMessageStream');
    console.log(\`streamed | \${result.finalResponse} | \${VERSION} | \${scripted.codex instanceof Codex}\`);
  } finally {
    await scripted.close();
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

/** A `module: commonjs` TypeScript consumer: imports become require() of the ES module. */
const TS_CJS_SOURCE = `import { Codex, VERSION } from 'codex-rx';

async function main(): Promise<void> {
  const { reply, startScriptedCodex } = await import('codex-rx/testing');
  const scripted = await startScriptedCodex();
  try {
    scripted.model.enqueue(reply.text('streamed'), reply.text('hello from the tarball'));
    const codex: Codex = scripted.codex;
    const thread = await codex.startThread();
    await thread.run('first');
    const result = await thread.run('hi');
    console.log(\`streamed | \${result.finalResponse} | \${VERSION} | \${codex instanceof Codex}\`);
  } finally {
    await scripted.close();
  }
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

const tsconfig = (options: Record<string, unknown>) =>
  JSON.stringify({
    compilerOptions: {
      strict: true,
      skipLibCheck: false,
      target: 'ES2022',
      lib: ['ES2022'],
      types: ['node'],
      outDir: 'out',
      ...options,
    },
    files: ['index.ts'],
  });

describe('the packed package, as consumers install it', () => {
  let packed: PackedPackage;
  let root: string;
  let version: string;
  const expected = () => `streamed | hello from the tarball | ${version} | true`;
  const project = (name: string, files: Record<string, string>) => packed.project(name, files);

  beforeAll(async () => {
    const platforms = (await readdir(path.join(repo, 'node_modules', '@openai')))
      .filter((name) => name.startsWith('codex') && name !== 'codex-sdk')
      .map((name) => `@openai/${name}`);
    packed = await installPackedPackage('codex-rx-consumers-', [
      ...platforms,
      'execa',
      'vscode-jsonrpc',
      'ws',
      'jose',
      'signal-exit',
      // The optional peer of codex-rx/ai-sdk, as an app that uses it has it.
      'ai',
      // Its other optional peer: the model provider's types come from the AI SDK's spec package.
      '@ai-sdk/provider',
      '@types/node',
      ['rxjs', 'rxjs-lowest'],
    ]);
    ({ root, version } = packed);
  }, 300_000);

  afterAll(() => packed?.cleanup());

  const node = (dir: string, file: string) =>
    run(process.execPath, [file], {
      cwd: dir,
      timeout: 60_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });

  it('ships what it needs and nothing that points nowhere', async () => {
    const files = await readdir(path.join(root, 'node_modules', 'codex-rx'), { recursive: true });
    expect(files).toEqual(
      expect.arrayContaining(['LICENSE', 'README.md', 'dist/index.js', 'dist/testing/index.d.ts']),
    );
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('src'))).toEqual([]);
    // The generated protocol types ship as one declaration bundle, not a file per type.
    expect(files).toEqual(expect.arrayContaining(['dist/protocol/types.d.ts']));
    expect(files.filter((f) => f.startsWith('dist/protocol/generated'))).toEqual([]);
    // Every relative link in the packed README leads to a packed file.
    const readme = await readFile(path.join(root, 'node_modules', 'codex-rx', 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)#]+)\)/g)].map((m) => m[1]!);
    const dangling = links.filter((link) => !/^https?:/.test(link) && !files.includes(link));
    expect(links.length).toBeGreaterThan(3);
    expect(dangling).toEqual([]);
  });

  it('ESM with NodeNext resolution: type-checks and runs', async () => {
    const dir = await project('esm-nodenext', {
      'package.json': JSON.stringify({ type: 'module' }),
      'tsconfig.json': tsconfig({ module: 'NodeNext', moduleResolution: 'NodeNext' }),
      'index.ts': ESM_SOURCE,
    });
    await tsc(dir);
    const { stdout } = await node(dir, 'out/index.js');
    expect(stdout.trim()).toBe(expected());
  }, 90_000);

  it('codex-rx/ai-sdk with the ai peer: type-checks (DOM lib, as ai needs) and streams', async () => {
    const dir = await project('ai-sdk', {
      'package.json': JSON.stringify({ type: 'module' }),
      'tsconfig.json': tsconfig({
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2022', 'DOM'],
      }),
      'index.ts': AI_SDK_SOURCE,
    });
    await tsc(dir);
    const { stdout } = await node(dir, 'out/index.js');
    expect(stdout.trim()).toBe(
      'start,start-step,text-start,text-delta,text-delta,text-delta,text-end,data-usage,data-status,finish-step,finish | true',
    );
  }, 90_000);

  it('bundler resolution: type-checks', async () => {
    const dir = await project('bundler', {
      'package.json': JSON.stringify({ type: 'module' }),
      'tsconfig.json': tsconfig({ module: 'ESNext', moduleResolution: 'bundler', noEmit: true }),
      'index.ts': ESM_SOURCE,
    });
    await tsc(dir);
  }, 60_000);

  it('CommonJS require() from a .cjs file runs', async () => {
    const dir = await project('cjs', { 'index.cjs': CJS_SOURCE });
    const { stdout } = await node(dir, 'index.cjs');
    expect(stdout.trim()).toBe(expected());
  }, 60_000);

  it('TypeScript with module: commonjs type-checks and runs', async () => {
    const dir = await project('ts-commonjs', {
      'tsconfig.json': tsconfig({
        module: 'commonjs',
        moduleResolution: 'bundler',
        esModuleInterop: true,
      }),
      'index.ts': TS_CJS_SOURCE,
    });
    await tsc(dir);
    const { stdout } = await node(dir, 'out/index.js');
    expect(stdout.trim()).toBe(expected());
  }, 90_000);

  it('an esbuild bundle for Node runs, with the documented createRequire banner', async () => {
    const dir = await project('esbuild', {
      'package.json': JSON.stringify({ type: 'module' }),
      'index.ts': ESM_SOURCE,
    });
    await run(
      bin('esbuild'),
      [
        'index.ts',
        '--bundle',
        '--platform=node',
        '--format=esm',
        '--target=node20',
        '--outfile=out/app.mjs',
        // vscode-jsonrpc is CommonJS: give the bundle a require().
        "--banner:js=import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
        // The native binary ships in these packages: they stay installed, not bundled.
        '--external:@openai/codex',
      ],
      { cwd: dir },
    );
    const { stdout } = await node(dir, 'out/app.mjs');
    expect(stdout.trim()).toBe(expected());
  }, 90_000);
});
