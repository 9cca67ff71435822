import { AUTOMATION_SCHEDULER, expectNone } from './harness/facts.js';
import { type RunLine } from './harness/sample-process.js';
import { type JobRunRow, type Scenario, useScenarios } from './harness/scenario.js';
import { sleep, waitFor } from '../support/wait.js';

/** automation-scheduler ticks every 2 s and each run works 3 s: every other tick finds the last run still going. */
const PERIOD_MS = 2000;
const WORK_MS = 3000;
/** automation-scheduler alone, its runs longer than its period, under the overlap policy of the test. */
const longRuns = (overlap: string): Record<string, string> => ({
  SAMPLE_JOBS: AUTOMATION_SCHEDULER,
  SAMPLE_FAST_PERIOD: String(PERIOD_MS / 1000),
  SAMPLE_AUTOMATION_WORK_MS: String(WORK_MS),
  SAMPLE_OVERLAP: overlap,
});
/** The promise of both policies: the next occurrence starts within 1 s of the end of the one before it. */
const START_BOUND_MS = 1000;

const runsOf = (world: Scenario): JobRunRow[] =>
  world
    .jobRuns('job_name = ? AND finished_at IS NOT NULL', AUTOMATION_SCHEDULER)
    .sort((a, b) => a.started_at - b.started_at);

const linesOf = (world: Scenario): RunLine[] => world.runLines().filter((line) => line.job === AUTOMATION_SCHEDULER);

/**
 * What is wrong with a run history across the fleet: an occurrence run twice, or two runs of the job at once. Rows
 * are the body's own record (start and end, by each process's clock on one machine).
 */
function overlapsAndRepeats(runs: readonly JobRunRow[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [i, run] of runs.entries()) {
    if (seen.has(run.occurrence)) problems.push(`${run.occurrence} ran twice`);
    seen.add(run.occurrence);
    const before = runs[i - 1];
    if (before && run.started_at < before.finished_at!) {
      problems.push(
        `${run.occurrence} (${run.instance_id}) started while ${before.occurrence} (${before.instance_id}) ran`,
      );
    }
  }
  return problems;
}

/** Starts after a run's end: how long after, for each run that followed one. */
const gapsMs = (runs: readonly JobRunRow[]): number[] =>
  runs.slice(1).map((run, i) => run.started_at - runs[i].finished_at!);

/**
 * Overlap policies and pause on failure across processes: two instances of the sample share a Redis and a database
 * in which every body call leaves a row, so what ran where and when is read back from the rows and the log lines.
 */
describe('e2e: failure policies across processes', () => {
  const openScenario = useScenarios();

  it("overlap 'buffer-one': a tick that finds the job running starts once, within a second of its end, on some instance; further ticks meanwhile are skipped", async () => {
    const world = openScenario('buffer-one', longRuns('buffer-one'));
    await world.startReady(['b1', 'b2']);
    // Buffered runs start at a run's end, not at a tick: their occurrence is older than the end of the run before.
    const buffered = () =>
      runsOf(world).filter((run, i, all) => i > 0 && Date.parse(run.occurrence) < all[i - 1].finished_at!);
    await waitFor('four buffered runs', () => buffered().length >= 4, world.waiting(40_000));
    await world.stopAll();

    const runs = runsOf(world);
    expectNone('overlapping or repeated runs', overlapsAndRepeats(runs));
    // Back to back: each run after the first started within the bound of the end of the one before.
    expect(gapsMs(runs).filter((gap) => gap > START_BOUND_MS)).toEqual([]);
    // At most one occurrence remembered: the tick that found one already waiting was skipped as an overlap.
    const skippedOverlap = linesOf(world).filter((line) => line.reason === 'overlap');
    expect(skippedOverlap.length).toBeGreaterThan(0);
    for (const line of skippedOverlap) expect(runs.map((run) => run.occurrence)).not.toContain(line.occurrence);
    console.info(
      `buffer-one: ${runs.length} runs on ${[...new Set(runs.map((run) => run.instance_id))].join('+')}, ` +
        `${buffered().length} started from the buffer, gaps ${gapsMs(runs).join('/')} ms, ` +
        `${skippedOverlap.length} ticks skipped as overlaps`,
    );
  }, 90_000);

  it("overlap 'cancel-running': a tick stops the running run, which reports interrupted naming its replacement; the replacement starts once the lease is free", async () => {
    const world = openScenario('cancel-running', { ...longRuns('cancel-running'), CRON_LEASE_TTL_MS: '1500' });
    await world.startReady(['c1', 'c2']);
    const interrupted = () => linesOf(world).filter((line) => line.outcome === 'interrupted');
    await waitFor('three interrupted runs', () => interrupted().length >= 3, world.waiting(40_000));
    await world.stopAll();

    const runs = runsOf(world);
    expectNone('overlapping or repeated runs', overlapsAndRepeats(runs));
    const byOccurrence = new Map(runs.map((run) => [run.occurrence, run]));
    const problems: string[] = [];
    for (const line of interrupted()) {
      const replacedBy = /replaced-by=(\S+)/.exec(line.entry.message)?.[1];
      const stopped = byOccurrence.get(line.occurrence);
      const replacement = replacedBy ? byOccurrence.get(replacedBy) : undefined;
      if (!stopped || !replacement) {
        // The replacement of the last run may not have started when the fleet stopped.
        if (
          stopped &&
          replacedBy &&
          Date.parse(replacedBy) > Math.max(...runs.map((run) => run.started_at)) - PERIOD_MS
        )
          continue;
        problems.push(`${line.occurrence}: replaced-by=${replacedBy ?? '-'}, rows ${!!stopped}/${!!replacement}`);
        continue;
      }
      // Stopped well before its work was done, and replaced as soon as it ended.
      if (stopped.finished_at! - stopped.started_at >= WORK_MS) problems.push(`${line.occurrence} ran its full work`);
      if (stopped.status !== 'failed' || !/replaced/i.test(stopped.detail ?? '')) {
        problems.push(`${line.occurrence}: body ended ${stopped.status} (${stopped.detail})`);
      }
      const gap = replacement.started_at - stopped.finished_at!;
      if (gap > START_BOUND_MS) problems.push(`${replacedBy} started ${gap} ms after ${line.occurrence} ended`);
    }
    expectNone('interrupted runs not replaced as promised', problems);
    console.info(
      `cancel-running: ${runs.length} runs on ${[...new Set(runs.map((run) => run.instance_id))].join('+')}, ` +
        `${interrupted().length} interrupted after ${runs.map((run) => run.finished_at! - run.started_at).join('/')} ms ` +
        `of work, gaps ${gapsMs(runs).join('/')} ms`,
    );
  }, 90_000);

  it('pauseOnFailure: 3 pauses the job after three failed runs in a row spread over two processes', async () => {
    const world = openScenario('pause-on-failure', {
      SAMPLE_JOBS: AUTOMATION_SCHEDULER,
      SAMPLE_FAST_PERIOD: String(PERIOD_MS / 1000),
      SAMPLE_AUTOMATION_FAIL: '1',
      SAMPLE_PAUSE_ON_FAILURE: '3',
    });
    // Two failures on the first instance alone, then the third on a second one: only a fleet-wide count pauses.
    const [p1] = await world.startReady(['p1']);
    const failedBy = (name: string) => linesOf(world).filter((l) => l.instance === name && l.outcome === 'failed');
    await waitFor('two failed runs on p1', () => failedBy('p1').length >= 2, world.waiting(20_000));
    p1.signal('SIGTERM');
    await p1.waitForExit(20_000);
    const p2 = world.start('p2');
    await p2.waitForReady(30_000);
    const pauseLine = await waitFor(
      'the job to pause itself',
      () =>
        p2.libraryLines().find((entry) => entry.message.includes('job paused fleet-wide after 3 consecutive failures')),
      world.waiting(20_000),
    );
    // Paused: the ticks that follow are skipped as paused, and nothing runs.
    await waitFor(
      'two ticks skipped as paused',
      () => p2.runLines().filter((line) => line.reason === 'paused').length >= 2,
      world.waiting(10_000),
    );
    await sleep(PERIOD_MS);
    const failed = linesOf(world).filter((line) => line.outcome === 'failed');
    expect(failed.map((line) => line.instance)).toEqual(['p1', 'p1', 'p2']);
    expect(pauseLine.message).toContain(`run=${failed[2].run}`);
    expect(linesOf(world).filter((line) => line.outcome !== 'skipped' && line.outcome !== 'failed')).toEqual([]);
    expect(world.jobRuns('job_name = ?', AUTOMATION_SCHEDULER)).toHaveLength(3);
    await world.stopAll();
  }, 90_000);
});
