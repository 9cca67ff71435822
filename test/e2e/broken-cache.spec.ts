import { ALL_JOBS, finishedOccurrenceCounts, groupByOccurrence, iso } from './harness/facts.js';
import { freePort, OwnRedis } from './harness/redis.js';
import { type RunLine, type SampleProcess } from './harness/sample-process.js';
import { useScenarios } from './harness/scenario.js';
import { sleep, waitFor } from '../support/wait.js';

const LOCK_TIMEOUT_MS = 500;
/** A claim already answered when Redis stopped may still start its body this long after the pause. */
const IN_FLIGHT_GRACE_MS = LOCK_TIMEOUT_MS + 1000;

const FAST_EVERY_SECOND = {
  SAMPLE_FAST_PERIOD: '1',
  SAMPLE_FAST_JITTER_MS: '300',
  SAMPLE_ACCOUNTS: '4',
  CRON_LOCK_TIMEOUT_MS: String(LOCK_TIMEOUT_MS),
  CRON_LEASE_TTL_MS: '3000',
};

const lockErrors = (instance: SampleProcess, since = 0): RunLine[] =>
  instance
    .runLines()
    .filter((line) => line.reason === 'lock-error' && line.outcome === 'skipped')
    .filter((line) => Date.parse(line.occurrence) >= since);

function expectAllRunning(instances: SampleProcess[]): void {
  const states = instances.map((instance) => ({ name: instance.name, running: instance.running }));
  expect(states).toEqual(instances.map((instance) => ({ name: instance.name, running: true })));
}

/** Each instance has logged at least `count` lock-error skips of every job (since `since`). */
function everyJobSkipped(instances: SampleProcess[], count: number, since = 0): boolean {
  return instances.every((instance) =>
    ALL_JOBS.every((job) => lockErrors(instance, since).filter((line) => line.job === job).length >= count),
  );
}

/**
 * Scenario 2: the lock store is broken. Instances must stay up, run no job body, and log each skipped run with its
 * job; when Redis comes back, runs resume.
 */
describe('e2e: broken cache', () => {
  const openScenario = useScenarios();

  it('Redis at a closed port: processes stay up, no job body runs, every skip is logged with its job', async () => {
    const closedPort = await freePort();
    const world = openScenario('closed-port', {
      ...FAST_EVERY_SECOND,
      REDIS_URL: `redis://127.0.0.1:${closedPort}`,
    });
    const instances = await world.startReady(['c1', 'c2']);

    await waitFor(
      'three lock-error skips of every job on each instance',
      () => everyJobSkipped(instances, 3),
      world.waiting(20_000, 250),
    );

    expectAllRunning(instances);
    expect(world.jobRuns()).toEqual([]);

    for (const instance of instances) {
      const skips = lockErrors(instance);
      // The skip is an error-level line naming the job and the run, and saying why.
      for (const line of skips) {
        expect(line.entry.level).toBe('error');
        expect(ALL_JOBS).toContain(line.job);
        expect(line.run).toMatch(/^[\w-]{8,}$/);
        expect(line.entry.message).toMatch(/error=/);
      }
      const fatal = instance.entries.filter((entry) => entry.level === 'fatal' || entry.level === 'raw');
      expect(fatal.map((entry) => entry.message)).toEqual([]);
    }

    // Nothing completed, anywhere: not one occurrence ran uncoordinated.
    expect(world.runLines().filter((line) => line.outcome !== 'skipped')).toEqual([]);

    await world.stopAll(15_000);
    for (const instance of instances) expect(instance.exit?.code).toBe(0);
  }, 90_000);

  it('Redis paused (SIGSTOP): no job body runs, processes stay up; runs resume after SIGCONT', async () => {
    const world = openScenario('paused', FAST_EVERY_SECOND);
    const redis = await OwnRedis.start();
    const instances = await world.startReady(['p1', 'p2'], { REDIS_URL: redis.url });

    const startedTick = iso(Date.now());
    await waitFor(
      'two finished occurrences of every job before the pause',
      () => {
        const counts = finishedOccurrenceCounts(world, startedTick);
        return ALL_JOBS.every((job) => (counts.get(job) ?? 0) >= 2);
      },
      world.waiting(20_000, 250),
    );

    const pausedAt = Date.now();
    redis.pause();
    // Judge only occurrences whose window opened after the pause: all of their claims met a silent Redis.
    const firstPausedTick = Math.ceil((pausedAt + 1) / 1000) * 1000;
    await sleep(5000);
    await waitFor(
      'two lock-error skips of every job on each instance during the pause',
      () => everyJobSkipped(instances, 2, firstPausedTick),
      world.waiting(20_000, 250),
    );
    expectAllRunning(instances);

    const resumedAt = Date.now();
    redis.resume();

    await waitFor(
      'a job body of every job after SIGCONT',
      () => {
        const resumed = world.jobRuns('started_at > ?', resumedAt);
        return ALL_JOBS.every((job) => resumed.some((row) => row.job_name === job && row.status === 'succeeded'));
      },
      world.waiting(25_000, 250),
    );

    // No body started while Redis was silent (beyond claims it had answered before the pause).
    const duringPause = world.jobRuns('started_at > ? AND started_at < ?', pausedAt + IN_FLIGHT_GRACE_MS, resumedAt);
    expect(duringPause).toEqual([]);
    // And every occurrence after the pause that did run, ran on one instance only.
    const afterPause = groupByOccurrence(world.jobRuns('occurrence >= ?', iso(firstPausedTick)));
    const sharedOccurrences = [...afterPause].filter(
      ([, rows]) => new Set(rows.map((row) => row.instance_id)).size > 1,
    );
    expect(sharedOccurrences.map(([key]) => key)).toEqual([]);

    expectAllRunning(instances);
    for (const instance of instances) {
      for (const line of lockErrors(instance, firstPausedTick)) {
        expect(line.entry.level).toBe('error');
        expect(ALL_JOBS).toContain(line.job);
      }
    }
    const resumedRows = world.jobRuns('started_at > ?', resumedAt);
    const resumeDelays = ALL_JOBS.map((job) => {
      const first = Math.min(...resumedRows.filter((row) => row.job_name === job).map((row) => row.started_at));
      return `${job} +${first - resumedAt}ms`;
    });
    const skipCounts = instances.map((i) => `${i.name} ${lockErrors(i, firstPausedTick).length} lock-error skips`);
    console.info(
      `paused Redis ${resumedAt - pausedAt}ms: ${skipCounts.join(', ')}; ` +
        `first body after SIGCONT: ${resumeDelays.join(', ')}`,
    );

    await world.stopAll(15_000);
    for (const instance of instances) expect(instance.exit?.code).toBe(0);
  }, 120_000);
});
