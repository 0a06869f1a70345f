/**
 * Every example runs, exactly as `npm run example -- NAME --offline` runs it, against the real
 * app-server and the scripted model, so no example can rot. To add one: write examples/NAME.ts,
 * give it an offline script in examples/support/offline-scripts.ts, and add a line here.
 */
import { readdir } from 'node:fs/promises';
import { execa } from 'execa';

const EXPECTED: Readonly<Record<string, readonly (string | RegExp)[]>> = {
  quickstart: ['Hello from your Codex agent!', /\(turn \S+: completed, \d+ tokens\)/],
  'multi-turn': ['> What is my name?\nYour name is Ada.', 'ADA, in capitals.'],
  streaming: ['Streams arrive word by word, as the model writes them.', '[turn completed]'],
  steer: ['steering...', '[completed] Here is the haiku you asked for instead.'],
  interrupt: [/status: interrupted/],
  approvals: [
    "rm -rf ./build'\n  because: clean the build folder\n  -> decline",
    '-> accept',
    'notes.txt exists: true',
  ],
  'structured-output': ['Paris, France: 2,102,650 people'],
  'concurrent-threads': [
    'Name a planet. -> echo: Name a planet.',
    'Name a prime number. -> echo: Name a prime number.',
  ],
  history: [
    'Turns, newest first:\n  completed: A mango.\n  completed: Teal.',
    'Items, oldest first:\n  you: Name a colour.\n  agent: Teal.\n  you: Name a fruit.\n  agent: A mango.',
    /threads\$ saw: thread\/started, thread\/status\/changed, thread\/name\/updated/,
  ],
  remote: [
    /listening on ws:\/\/127\.0\.0\.1:\d+/,
    'A: Noted: 42.\nB: You gave me 42.',
    'B: connection lost, reconnecting',
    /B again, on server pid \d+: Still 42, after the restart\./,
  ],
  'search-threads': [
    '2 threads mention zebras:\n  How do zebras sleep?\n  Why do zebras have stripes?',
  ],
  fleet: [
    /placed on: member-\d, member-\d, member-\d, member-\d/,
    'echo: Say the number 1. | echo: Say the number 2.',
    'member-0 lost: CodexProcessError',
    'member-1 still answers: echo: Say the number 5.',
    'member-0 is back',
    /resumed on member-0: First: Say the number \d\./,
  ],
  executors: [
    /executor listening on ws:\/\/127\.0\.0\.1:\d+/,
    /\[builder\] ready/,
    /ran .*hostname: it printed (exec-builder|a hostname)\./,
    /\[builder\] disconnected/,
    'lost: builder; failed: failed',
    /after the restart: it printed (exec-builder|a hostname)\./,
  ],
  'resume-thread': ['Noted: your favourite colour is teal.\nYou told me teal.'],
  'ui-store': [
    'started   "The project has 3 "',
    'completed "The project has 3 packages."',
    'final: The project has 3 packages.',
    'same state as zustand: true',
  ],
  goal: [
    '[goal] active, 0 tokens used',
    '[goal] complete',
    '2 turns, goal complete',
    '  agent: Reading the commits since the last tag.',
    'final: - Goal turns\n- Interrupts in the first millisecond are kept',
    'tokens for the whole goal: 45',
  ],
  presets: [
    /server: codex_rx \d+\.\d+\.\d+/,
    'answer: All links resolve.',
    'refused: thread/start: approvalMode conflicts with approvalPolicy',
  ],
  'dynamic-tools': ['[tool] lookup_weather(Paris)', 'It is sunny in Paris: no umbrella needed.'],
  'ai-sdk-provider': [
    '> What is my name?\nYour name is Ada.',
    '[tool] weather(Paris)',
    'It is sunny in Paris: no umbrella needed.',
    /\[commandExecution\] \{"command":"[^"]*ls \| wc -l/,
    'The workspace has 0 files.',
    /\(\d+ tokens\)/,
  ],
};

describe('examples (offline, real app-server, scripted model)', () => {
  it('every example file has an entry here', async () => {
    const files = (await readdir('examples'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3));
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))(
    '%s runs and prints what the SDK returned',
    async (name, expected) => {
      // What `npm run example` runs, in one process: npm, npx and tsx's CLI each start a Node of
      // their own first (about a CPU-second per example); the quickstart below goes through npm.
      const run = await execa(
        process.execPath,
        ['--import', 'tsx', 'scripts/run-example.ts', name, '--offline'],
        { reject: false, timeout: 60_000, env: { CODEX_RX_OFFLINE: '1', NODE_OPTIONS: '' } },
      );
      expect({ exitCode: run.exitCode, stderr: run.exitCode === 0 ? '' : run.stderr }).toEqual({
        exitCode: 0,
        stderr: '',
      });
      for (const fragment of expected) {
        if (typeof fragment === 'string') expect(run.stdout).toContain(fragment);
        else expect(run.stdout).toMatch(fragment);
      }
    },
  );

  it('`npm run example -- quickstart --offline` runs as the README says', async () => {
    const run = await execa(
      'npm',
      ['run', '--silent', 'example', '--', 'quickstart', '--offline'],
      {
        reject: false,
        timeout: 60_000,
        env: { NODE_OPTIONS: '' },
      },
    );
    expect({ exitCode: run.exitCode, stderr: run.exitCode === 0 ? '' : run.stderr }).toEqual({
      exitCode: 0,
      stderr: '',
    });
    expect(run.stdout).toContain('Hello from your Codex agent!');
  });
});
