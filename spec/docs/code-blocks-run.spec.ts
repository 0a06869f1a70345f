/**
 * Every ```ts block in the README and docs/ runs as written, against the real app-server and the
 * scripted model: each in its own process with `CODEX_HOME` pointing at a fresh scripted home
 * (so `Codex.start()` with no options finds the scripted model). A block that continues an
 * earlier one gets what it uses but does not define (`codex`, `thread`, …) from a prelude; the
 * block fails the suite if its process exits non-zero, prints an uncaught error, or does not
 * exit (a client left open keeps its server, and the process, alive).
 *
 * The blocks import the package as a user's app does: `codex-rx` is the packed tarball, unpacked
 * into the run folder's node_modules (spec/support/packed-package.ts, made once per checkout).
 * Each block is compiled by TypeScript itself (`transpileModule`, the per-file half of `tsc`;
 * code-blocks.spec.ts type-checks them) and run by plain `node`: a loader such as tsx costs every
 * process about a CPU-second, which over the docs' fifty blocks was a minute of the suite.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import ts from 'typescript';
import { linkPackedPackage } from '../support/packed-package.js';
import { createCodexHome } from '../../src/testing/codex-home.js';
import { ScriptedModelServer, reply } from '../../src/testing/scripted-model-server.js';
import { docBlocks } from '../support/doc-blocks.js';
import type { DocBlock } from '../support/doc-blocks.js';

/** What a continuation block may use without defining it, and how the prelude makes it. */
const PRELUDE: ReadonlyArray<{ name: string; defines: RegExp; code: string }> = [
  {
    name: 'codex',
    defines: /\b(const|let|using)\s+codex\b/,
    code: "const codex = await (await import('codex-rx')).Codex.start();",
  },
  {
    name: 'thread',
    defines: /\b(const|let)\s+thread\b/,
    code: 'const thread = await codex.startThread();',
  },
  { name: 'turn', defines: /\b(const|let)\s+turn\b/, code: "const turn = thread.turn('hello');" },
  {
    name: 'savedThreadId',
    defines: /\bsavedThreadId\s*=/,
    code: "const savedThreadId = await (async () => { const t = await codex.startThread(); await t.run('remember this'); return t.id; })();",
  },
  {
    name: 'showPrompt',
    defines: /function\s+showPrompt\b/,
    code: 'const showPrompt = async (_text: string): Promise<boolean> => true;',
  },
  {
    name: 'notes$',
    defines: /\bnotes\$\s*=/,
    code: "const notes$ = (await import('rxjs')).EMPTY;",
  },
  { name: 'stop$', defines: /\bstop\$\s*=/, code: "const stop$ = (await import('rxjs')).NEVER;" },
];

/** Turns a block into a program: its imports, the prelude it needs, the block, then cleanup. */
function program(block: DocBlock): string {
  const lines = block.code.split('\n');
  const imports: string[] = [];
  const body: string[] = [];
  let inImport = false;
  for (const line of lines) {
    if (inImport || /^import\s/.test(line)) {
      imports.push(line);
      inImport = !/;\s*$/.test(line);
    } else {
      body.push(line);
    }
  }
  const code = body.join('\n');
  const needed = new Set<string>();
  const uses = (name: string) =>
    new RegExp(`(^|[^\\w$.])${name.replace('$', '\\$')}(?![\\w$])`).test(code);
  for (const item of PRELUDE) {
    if (uses(item.name) && !item.defines.test(code)) needed.add(item.name);
  }
  // What the prelude itself builds on.
  if (needed.has('turn')) needed.add('thread');
  if (needed.has('thread') || needed.has('savedThreadId')) needed.add('codex');
  const prelude = PRELUDE.filter((item) => needed.has(item.name)).map((item) => item.code);
  return [
    ...imports,
    ...prelude,
    `// ${block.file}:${block.line}`,
    needed.size ? 'try {' : '',
    code,
    needed.size ? '} finally {' : '',
    // A continuation block may leave a turn running, as it would in an app that lives on.
    needed.has('codex')
      ? '  for (let i = 0; i < 300 && (codex.routingStats().turns || codex.routingStats().starting); i++) await new Promise((r) => setTimeout(r, 100));\n  await codex.close();'
      : '',
    needed.size ? '}' : '',
    'export {};',
  ].join('\n');
}

/**
 * A program as TypeScript compiles it for Node 22 (which has no `using` of its own: it is
 * lowered, as a user's `tsc` lowers it for that target); a syntax error fails the block.
 */
function compile(code: string, fileName: string): string {
  const out = ts.transpileModule(code, {
    fileName: fileName.replace(/\.mjs$/, '.ts'),
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: false,
    },
  });
  const errors = (out.diagnostics ?? []).map((d) =>
    ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  );
  if (errors.length) throw new Error(`${fileName}: ${errors.join('; ')}`);
  return out.outputText;
}

describe('code in the README and docs runs', () => {
  let model: ScriptedModelServer;
  const dir = path.resolve('.tmp/doc-run');

  beforeAll(async () => {
    // Every answer streams in a few slow deltas, so a block can steer or interrupt mid-turn.
    model = await ScriptedModelServer.start({
      responder: (request) =>
        reply.text(`echo: ${request.lastUserText()}`, {
          chunks: ['echo', ': ', request.lastUserText()],
          delayMs: 100,
        }),
    });
    await rm(dir, { recursive: true, force: true });
    await linkPackedPackage(dir);
  }, 300_000);
  afterAll(async () => {
    await model.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the blocks', async () => {
    expect((await docBlocks()).length).toBeGreaterThan(10);
  });

  it.each([0, 1, 2, 3])(
    'runs every block (share %i of 4)',
    async (share) => {
      const blocks = (await docBlocks()).filter((_, index) => index % 4 === share);
      const failures: string[] = [];
      const runBlock = async (block: DocBlock): Promise<void> => {
        const file = path.join(dir, `${path.basename(block.file, '.md')}-${block.line}.mjs`);
        await writeFile(file, compile(program(block), file));
        const home = await createCodexHome({
          modelUrl: model.url,
          approvalPolicy: 'on-request',
          sandboxMode: 'workspace-write',
        });
        try {
          const result = await execa(process.execPath, [file], {
            reject: false,
            timeout: 60_000,
            cwd: process.cwd(),
            env: {
              ...home.env,
              CODEX_HOME: home.path,
              NODE_OPTIONS: '',
              // A stand-in key: the server stores it, and nothing leaves this machine.
              OPENAI_API_KEY: 'sk-test-doc-snippet-0000000000',
            },
          });
          if (result.exitCode !== 0 || result.timedOut) {
            failures.push(
              `${block.file}:${block.line} ${result.timedOut ? 'did not exit' : `exited ${result.exitCode}`}\n${result.stderr.slice(-1500)}`,
            );
          }
        } finally {
          await home.cleanup();
        }
      };
      // Two at a time: a block spends much of its time waiting (the server's start, the model's
      // paced deltas), and run one by one this file was the last to end on the smoke lines,
      // with the other core idle for half a minute. Each block has its own home and server.
      const queue = [...blocks];
      await Promise.all(
        [0, 1].map(async () => {
          for (let block = queue.shift(); block; block = queue.shift()) await runBlock(block);
        }),
      );
      expect(failures).toEqual([]);
    },
    240_000,
  );
});
