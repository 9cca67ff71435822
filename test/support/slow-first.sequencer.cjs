const Sequencer = require('@jest/test-sequencer').default;

/**
 * The files that take longest, slowest first. Jest starts the slowest files first when it has timings from an
 * earlier run; in a fresh clone (CI) it has none and goes by file size, which puts these last: each is a few lines
 * around scenarios that wait on real ticks for minutes, so one worker would end minutes after the other.
 */
const SLOWEST = [
  'e2e/nothing-lost-cluster.spec.ts',
  'e2e/nothing-lost.spec.ts',
  'e2e/nothing-lost-sentinel.spec.ts',
  'e2e/nothing-lost-postgres.spec.ts',
  'e2e/schedules-fleet.spec.ts',
  'e2e/redis-sentinel.spec.ts',
  'e2e/clock-skew-sentinel.spec.ts',
  'e2e/clock-skew.spec.ts',
  'integration/clock-skew.spec.ts',
  'e2e/dedup-cluster.spec.ts',
  'e2e/admin-page.spec.ts',
  'e2e/failure-policies.spec.ts',
  'e2e/failure-retries.spec.ts',
];

class SlowFirstSequencer extends Sequencer {
  sort(tests) {
    const rank = (test) => {
      if (typeof test.duration === 'number') return SLOWEST.length;
      const index = SLOWEST.findIndex((name) => test.path.endsWith(name));
      return index === -1 ? SLOWEST.length : index;
    };
    // Array.prototype.sort is stable: jest's own order holds among files of equal rank.
    return [...super.sort(tests)].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = SlowFirstSequencer;
