// A Jest reporter for logs (CI, `npm test` piped): a line per test as it finishes, and every 30 s
// the files still running with their time so far, so that a suite file whose tests take a minute
// each never looks like a hang. Jest's default reporter still prints each file's result and the
// failures; this one only adds progress.
import path from 'node:path';
import process from 'node:process';
import { clearInterval, setInterval } from 'node:timers';

const HEARTBEAT_MS = 30_000;

export default class ProgressReporter {
  constructor(globalConfig) {
    this.root = globalConfig.rootDir;
    this.running = new Map();
    this.done = 0;
    this.total = 0;
    this.timer = undefined;
  }

  name(testPath) {
    return path.relative(this.root, testPath);
  }

  onRunStart(results) {
    this.total = results.numTotalTestSuites;
    this.timer = setInterval(() => {
      const now = Date.now();
      const files = [...this.running].map(
        ([file, start]) => `${this.name(file)} ${Math.round((now - start) / 1000)} s`,
      );
      if (files.length > 0) process.stderr.write(`… still running: ${files.join(', ')}\n`);
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  onTestFileStart(test) {
    this.running.set(test.path, Date.now());
  }

  onTestCaseResult(test, result) {
    const mark = result.status === 'passed' ? '✓' : result.status === 'failed' ? '✗' : '-';
    const ms = result.duration == null ? '' : ` (${(result.duration / 1000).toFixed(1)} s)`;
    process.stderr.write(`  ${mark} ${this.name(test.path)} › ${result.fullName}${ms}\n`);
  }

  onTestFileResult(test) {
    this.running.delete(test.path);
    this.done += 1;
    process.stderr.write(`[${this.done}/${this.total} files] ${this.name(test.path)} done\n`);
  }

  onRunComplete() {
    clearInterval(this.timer);
  }

  getLastError() {
    return undefined;
  }
}
