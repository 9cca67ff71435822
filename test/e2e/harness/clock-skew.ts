import { existsSync } from 'node:fs';
import { AUTOMATION_SCHEDULER, expectNone, iso, tickAfter } from './facts.js';
import { type Scenario } from './scenario.js';
import { sleep } from '../../support/wait.js';

/** libfaketime from Debian's `libfaketime`: the clock a process reads, moved by FAKETIME. */
export const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/** The environment of a sample process whose clock is `offsetMs` off (timers keep the real monotonic clock). */
export function skewedClock(offsetMs: number): Record<string, string> {
  if (!existsSync(LIBFAKETIME)) {
    throw new Error(`${LIBFAKETIME} is missing: install it with \`apt-get install -y libfaketime\``);
  }
  const seconds = offsetMs / 1000;
  return {
    LD_PRELOAD: LIBFAKETIME,
    FAKETIME: `${seconds >= 0 ? '+' : ''}${seconds}s`,
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  };
}

const PERIOD_MS = 3_000;
const SKEW_MS = 9_000;
const WATCHED_TICKS = 5;

/**
 * Three sample processes on one store, a 3-second schedule without jitter: one with its clock 9 s ahead, one right,
 * one 9 s behind (three periods). Checks, by the real clock (each process's own timestamps corrected by its known offset): no run
 * starts before its tick, every tick after the fast one's first wait ran exactly once and soon after its tick, the
 * slow one ran nothing and reported only duplicate or late, and nobody reported an overlap (no run was ever in
 * progress when a tick came).
 */
export async function fastAndSlowInstances(world: Scenario): Promise<void> {
  const offsets: Record<string, number> = { fast: SKEW_MS, right: 0, slow: -SKEW_MS };
  const common = { SAMPLE_JOBS: AUTOMATION_SCHEDULER, SAMPLE_FAST_PERIOD: String(PERIOD_MS / 1000) };
  await world.startReady(['right'], { ...common });
  const [fast, slow] = [
    world.start('fast', { ...common, ...skewedClock(SKEW_MS) }),
    world.start('slow', { ...common, ...skewedClock(-SKEW_MS) }),
  ];
  await Promise.all([fast.waitForReady(30_000), slow.waitForReady(30_000)]);
  const bootedAt = Date.now();
  // The fast instance's first tick comes 9 s early and waits; watch the ticks after that.
  const firstWatched = tickAfter(bootedAt + SKEW_MS, PERIOD_MS);
  const lastWatched = firstWatched + (WATCHED_TICKS - 1) * PERIOD_MS;
  await sleep(lastWatched + 2_000 - Date.now());
  for (const instance of world.instances)
    expect({ instance: instance.name, running: instance.running }).toEqual({ instance: instance.name, running: true });

  const runs = world.jobRuns('job_name = ?', AUTOMATION_SCHEDULER).map((row) => ({
    ...row,
    realStart: row.started_at - (offsets[row.instance_id] ?? 0),
  }));
  const problems: string[] = [];
  for (let tick = firstWatched; tick <= lastWatched; tick += PERIOD_MS) {
    const of = runs.filter((row) => row.occurrence === iso(tick));
    if (of.length !== 1)
      problems.push(`${iso(tick)} ran ${of.length} times (${of.map((r) => r.instance_id).join(',')})`);
  }
  for (const run of runs) {
    const tick = Date.parse(run.occurrence);
    // Never before its tick; the same clock read by two processes agrees to a few ms, hence the small slack.
    if (run.realStart < tick - 50)
      problems.push(`${run.occurrence} started ${tick - run.realStart}ms early on ${run.instance_id}`);
    if (run.realStart - tick > 2_000)
      problems.push(`${run.occurrence} started ${run.realStart - tick}ms late on ${run.instance_id}`);
    if (run.instance_id === 'slow') problems.push(`the slow instance ran ${run.occurrence}`);
  }
  const lines = world.runLines().filter((line) => line.job === AUTOMATION_SCHEDULER);
  for (const line of lines) {
    if (line.reason === 'overlap') problems.push(`${line.instance} reported ${line.occurrence} as an overlap`);
    if (line.instance === 'slow' && line.outcome === 'skipped' && !['duplicate', 'late'].includes(line.reason ?? '')) {
      problems.push(`the slow instance skipped ${line.occurrence} as ${line.reason}`);
    }
  }
  expectNone('problems', problems);
  // How long after its tick each instance's runs started, by the real clock: the fast one's include its wait.
  const startsAfterTick = (name: string) =>
    runs.filter((r) => r.instance_id === name).map((r) => r.realStart - Date.parse(r.occurrence));
  console.info(
    `clock skew ±${SKEW_MS} ms: runs started after their tick by the real clock, fast ${startsAfterTick('fast').join('/')} ms, ` +
      `right ${startsAfterTick('right').join('/')} ms`,
  );
  // The fast instance took part (it won some ticks, at their due time), and the slow one did report its ticks.
  expect(new Set(runs.filter((r) => Date.parse(r.occurrence) >= firstWatched).map((r) => r.instance_id))).toContain(
    'fast',
  );
  expect(lines.filter((line) => line.instance === 'slow').length).toBeGreaterThan(0);
}
