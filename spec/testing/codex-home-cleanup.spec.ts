/**
 * A scripted home must not pile up in the temp folder when its process never reaches
 * `cleanup()`: a script that exits early, throws, is stopped with Ctrl-C / SIGTERM, or is killed
 * outright. Each case is a real child process that creates a home the way a user's script does.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import type { ResultPromise } from 'execa';
import { createCodexHome } from '../../src/testing/codex-home.js';

const module = pathToFileURL(path.resolve('src/testing/codex-home.ts')).href;

/** A child that creates a home, prints its root folder, then does `then`. */
function child(then: string): ResultPromise<{ reject: false; timeout: number; buffer: true }> {
  const code = `
    import { createCodexHome } from ${JSON.stringify(module)};
    const home = await createCodexHome({ modelUrl: 'http://127.0.0.1:1/v1' });
    console.log(home.path);
    ${then}
  `;
  return execa(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    reject: false,
    timeout: 30_000,
    buffer: true,
    env: { NODE_OPTIONS: '' },
  });
}

/** The home's root folder (home/, workspace/ and user-home/ live in it) once the child made it. */
async function rootOf(running: ResultPromise): Promise<string> {
  const line = await new Promise<string>((resolve, reject) => {
    running.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    running.once('exit', () => reject(new Error('child exited before creating a home')));
  });
  return path.dirname(line);
}

const idle = 'setInterval(() => {}, 1000);';

describe('a scripted home when its process dies before cleanup()', () => {
  it.each([
    ['process.exit()', 'process.exit(3);', 3],
    ['an uncaught exception', "throw new Error('boom');", 1],
  ])(
    'is removed when the process ends with %s',
    async (_, then, exitCode) => {
      const running = child(then);
      const root = await rootOf(running);
      const result = await running;
      expect(result.exitCode).toBe(exitCode);
      expect(existsSync(root)).toBe(false);
    },
    40_000,
  );

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
    'is removed on %s, and the process still dies of it',
    async (signal) => {
      const running = child(idle);
      const root = await rootOf(running);
      expect(existsSync(path.join(root, 'home', 'config.toml'))).toBe(true);
      running.kill(signal);
      const result = await running;
      expect(result.signal).toBe(signal);
      expect(existsSync(root)).toBe(false);
    },
    40_000,
  );

  it('stays while its owner lives; once the owner is killed outright, the next home sweeps it', async () => {
    const running = child(idle);
    const root = await rootOf(running);
    const mine = await createCodexHome({ modelUrl: 'http://127.0.0.1:1/v1' });
    try {
      expect(existsSync(root)).toBe(true); // a live owner's home is never swept
      running.kill('SIGKILL');
      expect((await running).signal).toBe('SIGKILL');
      expect(existsSync(root)).toBe(true); // nothing runs on SIGKILL
      const next = await createCodexHome({ modelUrl: 'http://127.0.0.1:1/v1' });
      await next.cleanup();
      expect(existsSync(root)).toBe(false);
      expect(existsSync(mine.path)).toBe(true); // this process's own home is left to it
    } finally {
      await mine.cleanup();
    }
    expect(existsSync(path.dirname(mine.path))).toBe(false);
  }, 40_000);
});
