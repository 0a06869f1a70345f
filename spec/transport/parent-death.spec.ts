/**
 * Which children start under the parent-death signal (`setpriv --pdeathsig TERM --`, Linux): an
 * absolute executable the kernel can start, from the main thread. Anything else starts as it is,
 * so that what cannot run still fails as a spawn error naming it (never as setpriv's exit code),
 * and a worker that ends does not take the servers it started with it. That SIGKILL of this
 * process then ends a listener and an exec-server is in faults/process-faults.real.spec.ts.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { Codex, CodexProcessError } from '../../src/index.js';
import { underParentDeathSignal } from '../../src/transport/parent-death.js';
import { hasSetpriv } from '../support/setpriv.js';

const withSetpriv = hasSetpriv();

describe('underParentDeathSignal', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'codex-rx-pdeath-'));
    await mkdir(path.join(dir, 'a folder'));
    await writeFile(path.join(dir, 'no-interpreter'), '#!/no/such/interpreter\necho hi\n');
    await writeFile(path.join(dir, 'script'), '#!/bin/sh\necho hi\n');
    await writeFile(path.join(dir, 'not-executable'), '#!/bin/sh\necho hi\n');
    await chmod(path.join(dir, 'no-interpreter'), 0o755);
    await chmod(path.join(dir, 'script'), 0o755);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each([
    ['a folder', 'a folder'],
    ['a script whose interpreter is missing', 'no-interpreter'],
    ['a file without the exec bit', 'not-executable'],
    ['a missing file', 'missing'],
  ])('starts %s as it is', (_, name) => {
    const file = path.join(dir, name);
    expect(underParentDeathSignal(file, ['x'])).toEqual({ file, args: ['x'] });
  });

  it('starts a relative path as it is', () => {
    expect(underParentDeathSignal('codex', ['x'])).toEqual({ file: 'codex', args: ['x'] });
  });

  it('wraps an absolute executable the kernel can start, when setpriv is there', () => {
    if (!withSetpriv) return;
    const file = path.join(dir, 'script');
    const command = underParentDeathSignal(file, ['x', 'y']);
    expect(path.basename(command.file)).toBe('setpriv');
    expect(command.args).toEqual(['--pdeathsig', 'TERM', '--', file, 'x', 'y']);
  });

  it('does not wrap from a worker thread: the signal would follow the worker, not the process', async () => {
    if (!withSetpriv) return;
    const module = path.resolve('src/transport/parent-death.ts');
    const main = [
      "import { Worker } from 'node:worker_threads';",
      `const code = ${JSON.stringify(`import { parentPort } from 'node:worker_threads'; const { underParentDeathSignal } = await import(${JSON.stringify(module)}); parentPort.postMessage(underParentDeathSignal('/bin/sh', []).file);`)};`,
      "const worker = new Worker(code, { eval: true, execArgv: ['--import', 'tsx'] });",
      "worker.once('message', (file) => { console.log(file); void worker.terminate(); });",
    ].join('\n');
    const script = path.join(dir, 'main.mts');
    await writeFile(script, main);
    const result = await execa(process.execPath, ['--import', 'tsx', script], {
      env: { NODE_OPTIONS: '' },
      timeout: 60_000,
    });
    expect(result.stdout.trim()).toBe('/bin/sh');
  }, 90_000);

  it('a folder as codexPath fails as a spawn error that names it', async () => {
    const folder = path.join(dir, 'a folder');
    const error = await Codex.start({ codexPath: folder }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodexProcessError);
    expect((error as Error).message).toContain(`spawn ${folder} EACCES`);
    expect((error as Error).message).not.toContain('setpriv');
  });
});
