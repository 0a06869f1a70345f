/**
 * A newcomer's set-up, against the packed package as npm installs it: what `tsc --init` gives
 * and what docs/getting-started.md ("TypeScript set-up") says to change, each claim checked by
 * compiling and running a project; the `module` settings a CommonJS project may pick; types a
 * newcomer writes without casts (a listener's `connectOptions`, `await using` on the scripted
 * model server); and `codex-rx/ai-sdk` without its optional peer `ai`, which must name it.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { execa } from 'execa';
import { installPackedPackage } from '../support/packed-package.js';
import type { PackedPackage } from '../support/packed-package.js';

const run = promisify(execFile);
const repo = process.cwd();
const tscBin = path.join(repo, 'node_modules', '.bin', 'tsc');

/** tsc's report for a project (empty when clean); it emits even with errors. */
async function tsc(dir: string): Promise<string> {
  const result = await execa(tscBin, ['-p', dir], { reject: false });
  return `${result.stdout}${result.stderr}`.trim();
}

/**
 * `node --check FILE` under a Node line (scripts/with-node.sh installs it once, saying so on
 * stderr): whether it parses, and the SyntaxError if not.
 */
async function parsesOn(line: number, file: string): Promise<{ ok: boolean; error: string }> {
  const result = await execa(
    'bash',
    ['scripts/with-node.sh', String(line), 'node', '--check', file],
    {
      cwd: repo,
      reject: false,
      env: { NODE_OPTIONS: '' },
    },
  );
  return { ok: result.exitCode === 0, error: /^SyntaxError: .*$/m.exec(result.stderr)?.[0] ?? '' };
}

/** The ```json block of getting-started's "TypeScript set-up" section. */
async function documentedTsconfig(): Promise<Record<string, unknown>> {
  const doc = await readFile(path.join(repo, 'docs/getting-started.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### TypeScript set-up'));
  const block = /```json\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('getting-started.md: no tsconfig block under "TypeScript set-up"');
  return JSON.parse(block[1]!) as Record<string, unknown>;
}

const APP = `import { Codex } from 'codex-rx';

export async function main(): Promise<string> {
  await using codex = await Codex.start();
  return \`\${process.platform}: \${codex instanceof Codex}\`;
}
`;

/** Loads the package (no server started) and prints its version: enough to prove it resolves. */
const LOADS = `import { VERSION } from 'codex-rx';

console.log(\`loaded \${VERSION}\`);
`;

describe('setting up a project on the packed package', () => {
  let packed: PackedPackage;
  let version: string;
  const project = (name: string, files: Record<string, string>) => packed.project(name, files);

  beforeAll(async () => {
    packed = await installPackedPackage('codex-rx-setup-', [
      '@openai/codex',
      // The dependencies, as `npm install codex-rx` brings them; not the optional peer `ai`.
      'execa',
      'vscode-jsonrpc',
      'ws',
      'jose',
      'signal-exit',
      '@types/node',
      ['rxjs', 'rxjs-lowest'],
    ]);
    version = packed.version;
  }, 300_000);

  afterAll(() => packed?.cleanup());

  it("tsc --init as written: no 'process' (types: []), and output Node 22 cannot parse", async () => {
    const dir = await project('tsc-init', {
      'package.json': JSON.stringify({ type: 'module' }),
      'index.ts': APP,
    });
    await execa(tscBin, ['--init'], { cwd: dir });
    const config = await readFile(path.join(dir, 'tsconfig.json'), 'utf8');
    expect(config).toMatch(/^\s*"types": \[\],/m);
    expect(config).toMatch(/^\s*"target": "esnext",/m);
    expect(await tsc(dir)).toMatch(
      /index\.ts\(\d+,\d+\): error TS2591: Cannot find name 'process'/,
    );
    const output = path.join(dir, 'index.js');
    expect(await readFile(output, 'utf8')).toContain('await using codex');
    const on22 = await parsesOn(22, output);
    expect(on22.ok).toBe(false);
    expect(on22.error).toMatch(/^SyntaxError: /);
    // What the README says: Node 24 and 26 run `await using` natively.
    expect(await parsesOn(24, output)).toEqual({ ok: true, error: '' });
    expect(await parsesOn(26, output)).toEqual({ ok: true, error: '' });
  }, 300_000);

  it.each(['module', 'commonjs'])(
    "getting-started's tsconfig: clean, and runs on Node 22, in a %s project",
    async (type) => {
      const config = await documentedTsconfig();
      const dir = await project(`documented-${type}`, {
        'package.json': JSON.stringify({ type }),
        'tsconfig.json': JSON.stringify({ ...config, files: ['index.ts', 'app.ts'] }),
        'app.ts': APP,
        'index.ts': LOADS,
      });
      expect(await tsc(dir)).toBe('');
      const outDir = path.join(dir, String((config.compilerOptions as { outDir: string }).outDir));
      expect(await parsesOn(22, path.join(outDir, 'app.js'))).toEqual({ ok: true, error: '' });
      const loaded = await execa(
        'bash',
        ['scripts/with-node.sh', '22', 'node', path.join(outDir, 'index.js')],
        { cwd: repo, reject: false, env: { NODE_OPTIONS: '' } },
      );
      expect({ exitCode: loaded.exitCode, stdout: loaded.stdout.trim() }).toEqual({
        exitCode: 0,
        stdout: `loaded ${version}`,
      });
    },
    300_000,
  );

  it.each([
    ['node16', /error TS1479: The current file is a CommonJS module/],
    ['nodenext', ''],
    ['commonjs', ''],
  ])(
    'a CommonJS project with module %s',
    async (module, expected) => {
      const dir = await project(`cjs-${module}`, {
        'package.json': JSON.stringify({}),
        'tsconfig.json': JSON.stringify({
          compilerOptions: {
            module,
            target: 'es2022',
            types: ['node'],
            strict: true,
            outDir: 'out',
          },
          files: ['index.ts', 'app.ts'],
        }),
        'app.ts': APP,
        'index.ts': LOADS,
      });
      const report = await tsc(dir);
      if (expected === '') {
        expect(report).toBe('');
        const { stdout } = await run(process.execPath, [path.join(dir, 'out', 'index.js')], {
          env: { ...process.env, NODE_OPTIONS: '' },
        });
        expect(stdout.trim()).toBe(`loaded ${version}`);
      } else {
        expect(report).toMatch(expected);
      }
    },
    300_000,
  );

  it('types a newcomer uses without a cast: connectOptions destructured, await using a model server', async () => {
    const dir = await project('types', {
      'package.json': JSON.stringify({ type: 'module' }),
      'tsconfig.json': JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          target: 'es2022',
          types: ['node'],
          strict: true,
          skipLibCheck: false,
          outDir: 'out',
        },
        files: ['index.ts', 'types.ts'],
      }),
      // Type-checked only: each line fails to compile if the type is wrong.
      'types.ts': `import { Codex, startListener } from 'codex-rx';
import type { AppServerListener, RemoteOptions } from 'codex-rx';

export async function listeners(): Promise<void> {
  await using ws = await startListener();
  const { url, token } = ws.connectOptions;
  const port: string = new URL(url).port;
  const bearer: string | undefined = token;
  await using unix = await startListener({ listen: 'unix' });
  const { socketPath } = unix.connectOptions;
  const where: string = socketPath;
  // Still what it was: either shape, a RemoteOptions for Codex.connect().
  const some: AppServerListener = Math.random() > 0.5 ? ws : unix;
  const remote: RemoteOptions = some.connectOptions;
  if (some.connectOptions.url !== undefined) console.log(some.connectOptions.url.length);
  await using codex = await Codex.connect(remote);
  console.log(port, bearer, where, codex.metadata.serverInfo);
}
`,
      'index.ts': `import { ScriptedModelServer } from 'codex-rx/testing';

let url: string;
{
  await using model = await ScriptedModelServer.start();
  url = model.url;
  const answer = await fetch(\`\${url}/models\`);
  console.log(\`open: \${answer.status}\`);
}
const after = await fetch(\`\${url}/models\`).then(
  () => 'still answering',
  (error: Error & { cause?: { code?: string } }) => error.cause?.code,
);
console.log(\`after the scope: \${after}\`);
`,
    });
    expect(await tsc(dir)).toBe('');
    const { stdout } = await run(process.execPath, [path.join(dir, 'out', 'index.js')], {
      cwd: dir,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(stdout.trim()).toBe('open: 200\nafter the scope: ECONNREFUSED');
  }, 300_000);

  it.each([
    ['import', 'index.mjs', "await import('codex-rx/ai-sdk');"],
    ['require', 'index.cjs', "require('codex-rx/ai-sdk');"],
  ])(
    "codex-rx/ai-sdk without 'ai' (%s) names the missing peer and how to install it",
    async (_, file, code) => {
      const dir = await project(`no-ai-${file}`, {
        [file]: `try {\n  ${code}\n  console.log('loaded');\n} catch (error) {\n  console.log(\`\${error.name} \${error.code}: \${error.message}\`);\n}\n`,
      });
      const { stdout } = await run(process.execPath, [path.join(dir, file)], {
        cwd: dir,
        env: { ...process.env, NODE_OPTIONS: '' },
      });
      expect(stdout.trim()).toBe(
        "CodexError missing_peer_dependency: codex-rx/ai-sdk needs the 'ai' package (>=7 <8), an optional peer dependency of codex-rx that is not installed: npm install ai@7",
      );
    },
    300_000,
  );
});
