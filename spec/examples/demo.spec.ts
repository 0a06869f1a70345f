import { execa } from 'execa';

describe('npm run demo (offline)', () => {
  it('runs the whole session against the real app-server and exits 0', async () => {
    const run = await execa('npx', ['tsx', 'demo/demo.ts'], {
      reject: false,
      timeout: 90_000,
      env: { NODE_OPTIONS: '' },
    });
    expect({ exitCode: run.exitCode, stderr: run.exitCode === 0 ? '' : run.stderr }).toEqual({
      exitCode: 0,
      stderr: '',
    });
    for (const expected of [
      /codex app-server ready in \d+ ms/,
      /final response: codex-rx drives the Codex agent/,
      /usage: +\d+ tokens \(\d+ cached\)/,
      /Observables deliver each event the moment the server sends it/,
      /completed: Short version, as you asked/,
      /ended with status "interrupted"/,
      /agent asks to run: .*touch demo-output\.txt/,
      /demo-output\.txt created: yes/,
    ]) {
      expect(run.stdout).toMatch(expected);
    }
    // No colours or spinner frames when the output is not a terminal.
    expect(run.stdout).not.toContain('\u001b[');
    expect(run.stderr).not.toMatch(/⠋/);
  });
});
