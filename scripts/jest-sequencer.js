/**
 * Jest's own order (last run's failures first, then the longest by last run's timing, else the
 * largest file), except that the files known to run longest always start first: on a fresh
 * clone, as CI runs, Jest has no timings and orders by size, and a small file that runs for a
 * minute and a half, started last, leaves the other core idle that long.
 */
import Sequencer from '@jest/test-sequencer';

/** Slowest first, as a full run on 2 cores measured them (.tmp/jest-results.json). */
const LONGEST = [
  'spec/docs/code-blocks-run.spec.ts',
  'spec/examples/examples.spec.ts',
  'spec/package/setup.spec.ts',
  'spec/package/consumers.spec.ts',
  'spec/faults/load.real.spec.ts',
  'spec/bench/harness.spec.ts',
  'spec/web/web-chat.browser.spec.ts',
  'spec/docs/api-reference.spec.ts',
];

export default class LongestFirst extends Sequencer {
  sort(tests) {
    const rank = (test) => {
      const at = LONGEST.findIndex((file) => test.path.endsWith(file));
      return at === -1 ? LONGEST.length : at;
    };
    return super
      .sort(tests)
      .map((test, index) => ({ test, index }))
      .sort((a, b) => rank(a.test) - rank(b.test) || a.index - b.index)
      .map(({ test }) => test);
  }
}
