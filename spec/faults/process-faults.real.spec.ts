import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { firstValueFrom, filter, lastValueFrom, toArray } from 'rxjs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ClosedError,
  Codex,
  CodexError,
  CodexProcessError,
  MessageTooLargeError,
  startExecServer,
  startListener,
} from '../../src/index.js';
import { reply } from '../../src/testing/scripted-model-server.js';
import { trackLibraryTimers } from '../support/library-timers.js';
import { startPidPrintingChild } from '../support/pid-printing-child.js';
import { hasSetpriv } from '../support/setpriv.js';
import { processTree, waitForDescendant, waitUntilGone } from '../support/process-tree.js';
import { processExists, startRealCodex } from '../support/real-codex.js';

/** Processes whose command line is exactly `sleep <seconds>`. */
function sleepers(seconds: number): number {
  return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => new RegExp(`^(\\S*/)?sleep ${seconds}$`).test(line.trim())).length;
}

/** The temp folders `<prefix><pid>-…` that process `pid` made. */
function ownFolders(prefix: string, pid: number): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith(`${prefix}${pid}-`));
}

function countResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo())
    counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

describe('a server that sends an unbounded line', () => {
  it('ends the connection with MessageTooLargeError instead of exhausting memory', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'codex-rx-long-line-'));
    try {
      const script = path.join(dir, 'endless.sh');
      // Reads initialize, then writes an unterminated line, 64 KiB at a time, until killed.
      await writeFile(
        script,
        '#!/bin/sh\nread line\nhead -c 65536 /dev/zero | tr "\\0" x > chunk\nprintf "{"\nwhile :; do cat chunk; done\n',
      );
      await chmod(script, 0o755);
      const error = await Codex.start({
        codexPath: script,
        cwd: dir,
        maxMessageBytes: 4 * 1024 * 1024,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CodexError);
      expect(error).toMatchObject({ method: 'initialize', code: 'message_too_large' });
      expect((error as Error).cause).toBeInstanceOf(MessageTooLargeError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('process faults against the real app-server', () => {
  it('SIGKILL mid-turn: the turn, run(), notifications$ and pending requests all fail with CodexProcessError', async () => {
    const real = await startRealCodex();
    try {
      const { codex, model } = real;
      const thread = await codex.startThread();
      model.enqueue(reply.hang('working'), reply.hang('also working'));
      const turn = thread.turn('long task');
      const turnEnd = lastValueFrom(turn).catch((e: unknown) => e);
      const other = await codex.startThread();
      const run = other.run('another long task').catch((e: unknown) => e);
      const notifications = lastValueFrom(codex.notifications$).catch((e: unknown) => e);
      await model.waitForModelRequests(2);
      const pending = codex
        .request('command/exec', { command: ['sleep', '30'], cwd: real.home.workspace })
        .catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 100));
      process.kill(codex.pid!, 'SIGKILL');
      const errors = await Promise.all([turnEnd, run, notifications, pending]);
      for (const error of errors) {
        expect(error).toBeInstanceOf(CodexProcessError);
        expect(error).toMatchObject({ signal: 'SIGKILL', exitCode: null });
        expect((error as CodexProcessError).stderrTail.length).toBeGreaterThan(0);
      }
      expect((errors[3] as CodexProcessError).method).toBe('command/exec');
      expect(codex.isClosed).toBe(true);
    } finally {
      await real.close();
    }
  });

  it('SIGKILL with 300 requests queued past maxInFlightRequests: every one settles', async () => {
    const real = await startRealCodex({ codex: { maxInFlightRequests: 4 } });
    try {
      const { codex, model } = real;
      const thread = await codex.startThread();
      model.enqueue(reply.hang('working'));
      const run = thread.run('long task').catch((e: unknown) => e);
      await model.waitForModelRequests(1);
      const requests = Array.from({ length: 300 }, () =>
        codex.listThreads().catch((e: unknown) => e),
      );
      expect(codex.routingStats().queuedRequests).toBeGreaterThan(0);
      process.kill(codex.pid!, 'SIGKILL');
      const outcomes = await Promise.all(requests);
      const failed = outcomes.filter((o) => o instanceof CodexProcessError);
      // Some may have been answered before the kill; none is left pending or fails otherwise.
      expect(failed.length + outcomes.filter((o) => !(o instanceof Error)).length).toBe(300);
      expect(failed.length).toBeGreaterThan(0);
      expect(await run).toBeInstanceOf(CodexProcessError);
      expect(codex.routingStats()).toMatchObject({ pendingRequests: 0, queuedRequests: 0 });
    } finally {
      await real.close();
    }
  });

  it('close() during a turn errors it with ClosedError and leaves no process or handle behind', async () => {
    const timers = trackLibraryTimers();
    try {
      const before = countResources();
      const real = await startRealCodex();
      const { codex, model } = real;
      const pid = codex.pid!;
      const thread = await codex.startThread();
      model.enqueue(reply.hang('still going'));
      const turn = thread.turn('long task');
      const ended = lastValueFrom(turn.pipe(toArray())).catch((e: unknown) => e);
      await firstValueFrom(
        thread.events$.pipe(filter((n) => n.method === 'item/agentMessage/delta')),
      );
      expect(timers.created()).toBeGreaterThan(0);
      await real.close();
      expect(await ended).toBeInstanceOf(ClosedError);
      expect(processExists(pid)).toBe(false);
      // No timer codex-rx started is still pending (jest and Node keep timers of their own).
      expect(timers.pending()).toEqual([]);
      // No child, pipe or socket beyond what was there before.
      const after = countResources();
      for (const type of ['ProcessWrap', 'PipeWrap', 'TCPWrap', 'TCPServerWrap']) {
        expect({ type, count: after.get(type) ?? 0 }).toEqual({
          type,
          count: Math.min(after.get(type) ?? 0, before.get(type) ?? 0),
        });
      }
    } finally {
      timers.restore();
    }
  });

  it('close() also ends the commands the server was running', async () => {
    const real = await startRealCodex();
    const seconds = 3000 + Math.floor(Math.random() * 600);
    const pending = real.codex
      .request('command/exec', { command: ['sleep', String(seconds)], cwd: real.home.workspace })
      .catch((e: unknown) => e);
    for (let i = 0; i < 100 && sleepers(seconds) === 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(sleepers(seconds)).toBe(1);
    await real.close();
    expect(await pending).toBeInstanceOf(ClosedError);
    for (let i = 0; i < 40 && sleepers(seconds) > 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(sleepers(seconds)).toBe(0);
  });

  describe('the commands a turn runs end with the server (its whole process tree)', () => {
    const hasProc = processExists(process.pid) && processTree(process.pid).length > 0;
    const maybe = hasProc ? it : it.skip; // needs Linux /proc to see the tree

    /** A turn whose scripted model runs `command`; resolves with the tree once `sleep` runs. */
    async function runningCommand(
      real: Awaited<ReturnType<typeof startRealCodex>>,
      command: string,
      seconds: number,
      params: Parameters<typeof real.codex.startThread>[0] = {},
    ): Promise<{ tree: ReturnType<typeof processTree>; ended: Promise<unknown> }> {
      const thread = await real.codex.startThread(params);
      real.model.enqueue(reply.execCommand(command), reply.text('done'));
      const ended = thread.run('run it').catch((e: unknown) => e);
      const tree = await waitForDescendant(
        real.codex.pid!,
        new RegExp(`^(\\S*/)?sleep ${seconds}$`),
      );
      return { tree, ended };
    }

    maybe(
      'SIGKILL of the server mid-command (sandboxed `sleep`): no process of its tree is left',
      async () => {
        const real = await startRealCodex();
        try {
          const seconds = 3000 + Math.floor(Math.random() * 600);
          const { tree, ended } = await runningCommand(real, `sleep ${seconds}`, seconds);
          process.kill(real.codex.pid!, 'SIGKILL');
          expect(await ended).toBeInstanceOf(CodexProcessError);
          expect(await waitUntilGone(tree)).toEqual([]);
        } finally {
          await real.close();
        }
      },
    );

    // Unsandboxed commands run in a session of their own (a PTY): neither the server's group nor
    // the terminal's hangup reaches one that ignores SIGHUP and SIGTERM.
    const stubborn = (seconds: number): string => `trap '' HUP TERM; exec sleep ${seconds}`;
    const unsandboxed = { sandbox: 'danger-full-access', approvalPolicy: 'never' } as const;

    maybe(
      'SIGKILL of the server mid-command (a command ignoring SIGHUP and SIGTERM in its own session): nothing is left',
      async () => {
        const real = await startRealCodex();
        try {
          const seconds = 3600 + Math.floor(Math.random() * 600);
          const { tree, ended } = await runningCommand(
            real,
            stubborn(seconds),
            seconds,
            unsandboxed,
          );
          const sleeper = tree.find((p) => p.command === `sleep ${seconds}`)!;
          // It left the server's process group: only the process-tree tag finds it.
          expect(sleeper.pgid).not.toBe(real.codex.pid);
          process.kill(real.codex.pid!, 'SIGKILL');
          expect(await ended).toBeInstanceOf(CodexProcessError);
          expect(await waitUntilGone(tree)).toEqual([]);
        } finally {
          await real.close();
        }
      },
    );

    maybe(
      'close() mid-command (the same stubborn command): nothing of the tree is left',
      async () => {
        const real = await startRealCodex({ codex: { killGraceMs: 500 } });
        const seconds = 4200 + Math.floor(Math.random() * 600);
        const { tree, ended } = await runningCommand(real, stubborn(seconds), seconds, unsandboxed);
        await real.close();
        expect(await ended).toBeInstanceOf(ClosedError);
        expect(await waitUntilGone(tree)).toEqual([]);
      },
    );
  });

  describe('when this process ends without close()', () => {
    const hasProc = processTree(process.pid).length > 0;
    it.each(['SIGINT', 'SIGTERM'] as const)(
      '%s to the Node process: its app-server and the command it runs end too',
      async (signal) => {
        if (!hasProc) return;
        const seconds = 4800 + Math.floor(Math.random() * 600);
        const client = await startPidPrintingChild([
          `import { startScriptedCodex, reply } from ${JSON.stringify(path.resolve('src/testing/index.js'))};`,
          'const real = await startScriptedCodex();',
          "const thread = await real.codex.startThread({ sandbox: 'danger-full-access', approvalPolicy: 'never' });",
          `real.model.enqueue(reply.execCommand("trap '' HUP TERM; exec sleep ${seconds}"));`,
          "void thread.run('go').catch(() => undefined);",
          "console.log('pid', real.codex.pid);",
        ]);
        try {
          const tree = await waitForDescendant(client.pid, new RegExp(`^sleep ${seconds}$`));
          client.child.kill(signal);
          await client.child;
          expect(await waitUntilGone(tree)).toEqual([]);
        } finally {
          await client.cleanup();
        }
      },
      120_000,
    );

    // No hook runs on SIGKILL: a listener and an executor read no stdin, so only the kernel's
    // parent-death signal (setpriv --pdeathsig, Linux) can end them.
    const withSetpriv = processTree(process.pid).length > 0 && hasSetpriv();
    it('SIGKILL to the Node process: a listener and an exec-server it started end too', async () => {
      if (!withSetpriv) return;
      const child = await startPidPrintingChild([
        `import { startExecServer, startListener } from ${JSON.stringify(path.resolve('src/index.js'))};`,
        `import { createCodexHome } from ${JSON.stringify(path.resolve('src/testing/codex-home.js'))};`,
        "const home = await createCodexHome({ modelUrl: 'http://127.0.0.1:9' });",
        "const listener = await startListener({ codexHome: home.path, env: home.env, cwd: home.workspace, listen: 'ws' });",
        'const executor = await startExecServer();',
        "console.log('home', home.path);",
        "console.log('executor', executor.pid);",
        "console.log('pid', listener.pid);",
        'setInterval(() => undefined, 1000);',
      ]);
      const home = /^home (.+)$/m.exec(child.output())?.[1];
      let left: Awaited<ReturnType<typeof waitUntilGone>> = [];
      try {
        const executorPid = Number(/^executor (\d+)$/m.exec(child.output())?.[1]);
        const tree = [...processTree(child.pid), ...processTree(executorPid)];
        expect(tree.map((entry) => entry.pid)).toEqual(
          expect.arrayContaining([child.pid, executorPid]),
        );
        const folders = () => [
          ...ownFolders('codex-rx-listener-', child.child.pid!),
          ...ownFolders('codex-rx-exec-server-', child.child.pid!),
        ];
        expect(folders()).toHaveLength(2);
        child.child.kill('SIGKILL');
        await child.child;
        left = await waitUntilGone(tree);
        expect(left).toEqual([]);
        // Nothing ran to remove their token folders; the next listener and executor sweep them.
        expect(folders()).toHaveLength(2);
        const next = await startListener({ listen: 'unix', codexHome: home! });
        await next.close();
        const nextExecutor = await startExecServer();
        await nextExecutor.close();
        expect(folders()).toEqual([]);
      } finally {
        // Should the signal not come, this test must not leave the servers running.
        for (const entry of left) {
          try {
            process.kill(entry.pid, 'SIGKILL');
          } catch {
            // gone meanwhile
          }
        }
        await child.cleanup();
        if (home) await rm(path.dirname(home), { recursive: true, force: true });
      }
    }, 120_000);

    // An executor reads no stdin: nothing but the exit hook ends it when its parent goes.
    it.each(['SIGINT', 'SIGTERM'] as const)(
      '%s to the Node process: an exec-server it started ends too',
      async (signal) => {
        if (!hasProc) return;
        const executor = await startPidPrintingChild([
          `import { startExecServer } from ${JSON.stringify(path.resolve('src/index.js'))};`,
          'const executor = await startExecServer();',
          "console.log('pid', executor.pid);",
          'setInterval(() => undefined, 1000);',
        ]);
        try {
          const tree = processTree(executor.pid);
          expect(tree.length).toBeGreaterThan(0);
          expect(ownFolders('codex-rx-exec-server-', executor.child.pid!)).toHaveLength(1);
          executor.child.kill(signal);
          await executor.child;
          expect(await waitUntilGone(tree, 5000)).toEqual([]);
          // Its token folder went with the exit hook.
          expect(ownFolders('codex-rx-exec-server-', executor.child.pid!)).toEqual([]);
        } finally {
          await executor.cleanup();
        }
      },
      120_000,
    );
  });
});
