/** @jest-environment ./test/support/real-process-environment.cjs */
import { Injectable } from '@nestjs/common';
import { CoordinatedCron, type CronRun, type JobRunReport, MemoryLockStore } from '../../src/index.js';
import { CapturingLogger, createTestApp, OffsetClock } from '../support/app.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';
import { sleep } from '../support/wait.js';

const PERIOD_MS = 2_000;
const SKEW_MS = 6_000;
/** Ticks watched after the fast instance's first wait is over. */
const WATCHED_TICKS = 5;

interface Started {
  occurrence: string;
  instance: string;
  /** By the store's clock, which here is this process's. */
  at: number;
}

/**
 * Three instances on one store (in-process: the memory store, with the instances' clocks injected): one 6 s ahead,
 * one right, one 6 s behind (three periods), on a 2-second schedule without jitter. The store's clock decides: no occurrence
 * starts before its tick, every tick runs once, none twice, the fast instance's early ticks cost no other instance
 * its run, and the slow instance runs nothing it was late for. The same on real processes over Redis is in
 * test/e2e/clock-skew*.spec.ts.
 */
describe('instances whose clocks are off (memory store, injected clocks)', () => {
  const unhandled = failOnUnhandledRejections();

  it('a fast instance waits for the store clock, a slow one loses its late ticks: each tick once, none early', async () => {
    const store = new MemoryLockStore();
    const started: Started[] = [];
    const reports: JobRunReport[] = [];
    const makeJobs = (instance: string) => {
      @Injectable()
      class Jobs {
        @CoordinatedCron('every-period', `*/${PERIOD_MS / 1000} * * * * *`)
        async run({ context }: CronRun) {
          started.push({ occurrence: context.occurrence, instance, at: Date.now() });
          await sleep(200);
        }
      }
      return Jobs;
    };
    const instances = [
      { name: 'fast', offset: SKEW_MS },
      { name: 'right', offset: 0 },
      { name: 'slow', offset: -SKEW_MS },
    ];
    const apps = [];
    for (const { name, offset } of instances) {
      const logger = new CapturingLogger();
      const opened = await createTestApp({
        providers: [makeJobs(name)],
        cache: 'none',
        logger,
        clock: new OffsetClock(offset),
        options: { instanceId: name, lockStore: store, jitter: false },
      });
      apps.push({ name, ...opened });
    }
    const bootedAt = Date.now();
    try {
      // The fast instance fires its first tick 6 s early and waits it out; watch the ticks after that.
      await sleep(SKEW_MS + (WATCHED_TICKS + 1) * PERIOD_MS);
      for (const { logger } of apps) {
        for (const line of logger.matching(/ outcome=/)) reports.push(parseSummary(line));
      }
    } finally {
      for (const { app } of apps) await app.close();
    }

    const firstWatched = Math.ceil((bootedAt + SKEW_MS + PERIOD_MS) / PERIOD_MS) * PERIOD_MS;
    const watched = Array.from({ length: WATCHED_TICKS }, (_, i) =>
      new Date(firstWatched + i * PERIOD_MS).toISOString(),
    );
    for (const occurrence of watched) {
      const runs = started.filter((s) => s.occurrence === occurrence);
      expect({ occurrence, runs: runs.length }).toEqual({ occurrence, runs: 1 });
    }
    for (const run of started) {
      const tick = Date.parse(run.occurrence);
      // Never before the tick by the store's clock; no jitter, so late only by the machine's own delays.
      expect(run.at).toBeGreaterThanOrEqual(tick);
      expect(run.at - tick).toBeLessThan(1_500);
    }
    // Both the fast and the right instance won ticks; the slow one never ran one.
    expect(new Set(started.map((s) => s.instance))).toEqual(new Set(['fast', 'right']));
    // Every tick that was skipped says why, truthfully: no run was in progress, so no overlap.
    expect(reports.filter((r) => r.skipReason === 'overlap')).toEqual([]);
    const slowSkips = reports.filter((r) => r.instanceId === 'slow').map((r) => r.skipReason);
    expect(slowSkips.length).toBeGreaterThan(0);
    for (const reason of slowSkips) expect(['duplicate', 'late']).toContain(reason);
    expect(unhandled.calls).toEqual([]);
  }, 90_000);
});

function parseSummary(line: string): JobRunReport {
  const token = (key: string) => new RegExp(`(?:^|\\s)${key}=(\\S+)`).exec(line)?.[1];
  return {
    jobName: token('job') ?? '',
    runId: token('run') ?? '',
    occurrence: token('occurrence') ?? '',
    instanceId: token('instance') ?? '',
    outcome: token('outcome') as JobRunReport['outcome'],
    skipReason: token('reason') as JobRunReport['skipReason'],
    startedAt: '',
    finishedAt: '',
    attempt: 1,
    fencingToken: Number(token('fence') ?? 0),
  };
}
