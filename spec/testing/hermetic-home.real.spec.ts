/**
 * The scripted CODEX_HOME must not let the host leak into a test: no login shell (whose rc files
 * can take seconds or do anything), no network lookups at start. A control server with the shell
 * snapshot turned back on shows that the probe would see the shell if it ran.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HERMETIC_FEATURES_OFF, scriptedConfigToml } from '../../src/testing/codex-home.js';
import { echoResponder, reply } from '../../src/testing/scripted-model-server.js';
import { startRealCodex } from '../support/real-codex.js';

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe('hermetic scripted CODEX_HOME', () => {
  it('turns off the features that read the host, and lets a test turn one back on', () => {
    const toml = scriptedConfigToml({ modelUrl: 'http://127.0.0.1:1/v1' });
    for (const name of ['shell_snapshot', 'plugins', 'hooks']) {
      expect(HERMETIC_FEATURES_OFF).toContain(name);
      expect(toml).toContain(`\n${name} = false\n`);
    }
    const control = scriptedConfigToml({
      modelUrl: 'http://127.0.0.1:1/v1',
      features: { shell_snapshot: true },
    });
    expect(control).toContain('\nshell_snapshot = true\n');
    expect(control).not.toContain('shell_snapshot = false');
  });

  it("never starts the host's login shell, whatever its rc files do", async () => {
    const fakeHome = await mkdtemp(path.join(tmpdir(), 'codex-rx-host-home-'));
    const marker = (who: string): string => path.join(fakeHome, `login-shell-ran-${who}`);
    // A login shell reads one of these; each drops a marker named after the server's HOME_TAG.
    const rc = `touch "${fakeHome}/login-shell-ran-$HOME_TAG"\n`;
    for (const file of ['.profile', '.bash_profile', '.bashrc']) {
      await writeFile(path.join(fakeHome, file), rc);
    }
    const env = (tag: string) => ({ HOME: fakeHome, SHELL: '/bin/bash', HOME_TAG: tag });
    const hermetic = await startRealCodex({
      responder: echoResponder,
      codex: { env: env('hermetic') },
    });
    const control = await startRealCodex({
      responder: echoResponder,
      features: { shell_snapshot: true },
      codex: { env: env('control') },
    });
    try {
      const first = await hermetic.codex.startThread();
      await first.run('hello');
      const second = await control.codex.startThread();
      await second.run('hello');
      // The control proves the probe works; the hermetic server had longer to run its shell.
      expect(await until(() => existsSync(marker('control')), 20_000)).toBe(true);
      expect(existsSync(marker('hermetic'))).toBe(false);
    } finally {
      await hermetic.close();
      await control.close();
      await rm(fakeHome, { recursive: true, force: true });
    }
  });

  it("runs the agent's commands with a HOME of its own, so no host rc file reaches their output", async () => {
    await using real = await startRealCodex();
    real.model.enqueue(
      reply.execCommand('echo "home=$HOME"; ls -A "$HOME" | wc -l'),
      reply.text('done'),
    );
    const thread = await real.codex.startThread();
    const result = await thread.run('where is home?');
    const command = result.items.find((item) => item.type === 'commandExecution');
    const output = command?.type === 'commandExecution' ? command.aggregatedOutput : null;
    // Exactly the command's own lines: a login shell reading the host's rc files adds its own.
    expect(output).toBe(`home=${real.home.env.HOME}\n0\n`);
    expect(real.home.env.HOME).not.toBe(process.env.HOME);
  });
});
