/** @jest-environment ./test/support/real-process-environment.cjs */
import { Injectable } from '@nestjs/common';
import { CoordinatedCron, CoordinatedCronRunner, type CronRun, type JobRunReport, PerTenant } from '../../src/index.js';
import { type CapturingLogger, createTestApp, fenceOf } from '../support/app.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { freePort } from '../support/redis-server.js';
import { staticTenants, tenantIds } from '../support/tenants.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';
import { deferred } from '../support/wait.js';

const YEARLY = '0 0 1 1 *';
let day = 0;
const nextOccurrence = () => new Date(Date.UTC(2026, 0, 1 + day++));

/** The level of the run's one summary line (the line that ends every run). */
function summaryLevel(logger: CapturingLogger, report: JobRunReport): string {
  const lines = logger.lines.filter((l) =>
    l.message.startsWith(`job=${report.jobName} run=${report.runId}${fenceOf(report)} occurrence=`),
  );
  expect(lines.map((l) => l.message)).toEqual([expect.stringContaining(` outcome=${report.outcome}`)]);
  return lines[0].level;
}

/**
 * README, Logs: "Completed runs log at `log` level, skipped duplicates at `debug`, overlaps, interrupted runs and
 * runs with failed tenants at `warn`, failures and lock errors at `error`."
 */
describe('the summary line of each outcome is written at its level', () => {
  failOnUnhandledRejections();

  it('completed: log; duplicate: debug; overlap: warn; failed: error; completed with failed tenants: warn', async () => {
    const prefix = uniquePrefix('levels');
    const gate = deferred();
    const slowStarted = deferred();
    @Injectable()
    class Jobs {
      @CoordinatedCron('fine', YEARLY)
      fine() {}
      @CoordinatedCron('slow', YEARLY)
      async slow() {
        slowStarted.resolve();
        await gate.promise;
      }
      @CoordinatedCron('broken', YEARLY)
      broken() {
        throw new Error('broken on purpose');
      }
      @CoordinatedCron('some-tenants-fail', YEARLY)
      @PerTenant()
      tenant(tenantId: string) {
        if (tenantId === 't-1') throw new Error('t-1 fails on purpose');
      }
    }
    const { app, logger } = await createTestApp({
      providers: [Jobs],
      options: { keyPrefix: prefix, tenantSettings: staticTenants(tenantIds(3)) },
    });
    try {
      const runner = app.get(CoordinatedCronRunner);
      const occurrence = nextOccurrence();

      const completed = await runner.trigger('fine', { occurrence });
      expect(completed.outcome).toBe('completed');
      expect(summaryLevel(logger, completed)).toBe('log');

      const duplicate = await runner.trigger('fine', { occurrence });
      expect(duplicate).toMatchObject({ outcome: 'skipped', skipReason: 'duplicate' });
      expect(summaryLevel(logger, duplicate)).toBe('debug');

      const slow = runner.trigger('slow', { occurrence: nextOccurrence() });
      await slowStarted.promise;
      const overlap = await runner.trigger('slow', { occurrence: nextOccurrence() });
      expect(overlap).toMatchObject({ outcome: 'skipped', skipReason: 'overlap' });
      expect(summaryLevel(logger, overlap)).toBe('warn');
      gate.resolve();
      expect(summaryLevel(logger, await slow)).toBe('log');

      const failed = await runner.trigger('broken', { occurrence });
      expect(failed.outcome).toBe('failed');
      expect(summaryLevel(logger, failed)).toBe('error');

      const partly = await runner.trigger('some-tenants-fail', { occurrence });
      expect(partly.outcome).toBe('completed');
      expect(partly.tenants?.failed.map((f) => f.tenantId)).toEqual(['t-1']);
      expect(summaryLevel(logger, partly)).toBe('warn');
    } finally {
      gate.resolve();
      await app.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });

  it('interrupted: warn', async () => {
    const started = deferred();
    @Injectable()
    class Jobs {
      @CoordinatedCron('cut-off', YEARLY)
      async run({ signal }: CronRun) {
        started.resolve();
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, 10_000);
          signal.addEventListener('abort', () => (clearTimeout(timer), resolve(undefined)), { once: true });
        });
        if (signal.aborted) throw signal.reason;
      }
    }
    const { app, logger } = await createTestApp({
      providers: [Jobs],
      cache: 'none',
      options: { shutdownTimeout: 100 },
    });
    try {
      const pending = app.get(CoordinatedCronRunner).trigger('cut-off', { occurrence: nextOccurrence() });
      await started.promise;
      await app.close();
      const interrupted = await pending;
      expect(interrupted.outcome).toBe('interrupted');
      expect(summaryLevel(logger, interrupted)).toBe('warn');
    } finally {
      started.resolve();
      await app.close();
    }
  });

  it('skipped for a lock error: error', async () => {
    const port = await freePort();
    @Injectable()
    class Jobs {
      @CoordinatedCron('no-store', YEARLY)
      run() {}
    }
    const { app, logger } = await createTestApp({
      providers: [Jobs],
      cache: { redisUrl: `redis://127.0.0.1:${port}` },
      options: { lockTimeout: 500 },
    });
    try {
      const report = await app.get(CoordinatedCronRunner).trigger('no-store', { occurrence: nextOccurrence() });
      expect(report).toMatchObject({ outcome: 'skipped', skipReason: 'lock-error' });
      expect(summaryLevel(logger, report)).toBe('error');
    } finally {
      await app.close();
    }
  });
});
