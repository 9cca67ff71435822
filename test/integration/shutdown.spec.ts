/** @jest-environment ./test/support/real-process-environment.cjs */
import { jest } from '@jest/globals';
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CoordinatedCron, CoordinatedCronRunner, type CronRun, type JobRunReport, PerTenant } from '../../src/index.js';
import { deferred, waitFor, within } from '../support/wait.js';
import { createTestApp } from '../support/app.js';
import { claimKey, leaseKey, OccurrenceExecutor, pendingKey, ShutdownCoordinator } from '../support/internals.js';
import { connectRedis, deleteKeys, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { expectPartition, staticTenants, tenantIds } from '../support/tenants.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';

const YEARLY = '0 0 1 1 *';
const OCCURRENCE = new Date('2026-01-01T00:00:00Z');

async function timedClose(app: INestApplicationContext, guardMs: number): Promise<{ ms: number; closed: boolean }> {
  const started = Date.now();
  const result = await within(
    guardMs,
    app.close().then(() => 'closed' as const),
  );
  return { ms: Date.now() - started, closed: result === 'closed' };
}

/** The node-redis client behind the app's @keyv/redis cache store. */
function cacheClient(app: INestApplicationContext): { isOpen: boolean } {
  const cache = app.get<{ stores: Array<{ store: { client: { isOpen: boolean } } }> }>(CACHE_MANAGER);
  return cache.stores[0].store.client;
}

describe('shutdown', () => {
  failOnUnhandledRejections();

  /**
   * Nest runs the onModuleDestroy hooks of sibling global modules in reverse import order (NestJS 11 and 12 alike):
   * with CacheModule imported after CoordinatedCronModule, the cache's disconnect hook comes first, and only the
   * library's wrapper around it keeps the store open for the drain.
   */
  describe.each([
    ['before', 'this module drains first'],
    ['after', "the cache's disconnect hook runs first and waits"],
  ] as const)('CacheModule imported %s CoordinatedCronModule (%s)', (cacheModule, _order) => {
    it('the disconnect waits for the drain: the run ends, its tenants are kept pending, its lease released, then the client closes', async () => {
      const prefix = uniquePrefix(`drain-${cacheModule}`);
      const tenants = tenantIds(12);
      const started: string[] = [];
      const threeStarted = deferred();
      const gate = deferred();
      @Injectable()
      class TenantJobs {
        @CoordinatedCron('drained', YEARLY)
        @PerTenant({ concurrency: 3 })
        async run(tenantId: string) {
          started.push(tenantId);
          if (started.length === 3) threeStarted.resolve();
          await gate.promise;
        }
      }
      const redis = await connectRedis();
      const { app, logger } = await createTestApp({
        providers: [TenantJobs],
        cacheModule,
        options: { keyPrefix: prefix, tenantSettings: staticTenants(tenants), shutdownTimeout: 5_000 },
      });
      try {
        const client = cacheClient(app);
        const pending = app.get(CoordinatedCronRunner).trigger('drained', { occurrence: OCCURRENCE });
        await threeStarted.promise;
        // The running tenants finish only once shutdown has begun, so the drain has store work to do after the
        // moment the cache's disconnect hook is called.
        app.get(ShutdownCoordinator).onBegin(() => gate.resolve());
        await app.close();
        const report = await pending;

        expect(report.outcome).toBe('interrupted');
        expectPartition(report.tenants, tenants);
        expect([...report.tenants!.succeeded].sort()).toEqual([...started].sort());
        expect(report.tenants!.unprocessed).toHaveLength(9);
        expect((await redis.sMembers(pendingKey(prefix, 'drained'))).sort()).toEqual(
          [...report.tenants!.unprocessed].sort(),
        );
        expect(await redis.exists(leaseKey(prefix, 'drained'))).toBe(0);
        expect(logger.matching(/could not (store|release)/)).toEqual([]);
        // Disconnected last, and for good: a store call after the disconnect would have reopened it.
        expect(client.isOpen).toBe(false);
      } finally {
        gate.resolve();
        await app.close();
        await redis.close();
        await deleteKeys(REDIS_URL, prefix);
      }
    });
  });

  it('a plain job still running at shutdownTimeout: its signal aborts, it reports interrupted, its lease is released', async () => {
    const prefix = uniquePrefix('plain-cut-off');
    const started = deferred();
    @Injectable()
    class Jobs {
      @CoordinatedCron('long-export', YEARLY)
      async run({ signal }: CronRun) {
        started.resolve();
        // Until its signal aborts; a run whose abort never comes gives up, so the test fails on its assertions.
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, 10_000);
          signal.addEventListener('abort', () => (clearTimeout(timer), resolve(undefined)), { once: true });
        });
        if (signal.aborted) throw signal.reason;
      }
    }
    const redis = await connectRedis();
    const { app, logger } = await createTestApp({
      providers: [Jobs],
      options: { keyPrefix: prefix, shutdownTimeout: 400 },
    });
    try {
      const pending = app.get(CoordinatedCronRunner).trigger('long-export', { occurrence: OCCURRENCE });
      await started.promise;
      const { ms, closed } = await timedClose(app, 10_000);
      expect(closed).toBe(true);
      // It was given its shutdownTimeout before its signal was aborted.
      expect(ms).toBeGreaterThanOrEqual(390);
      const report = await pending;
      expect(report.outcome).toBe('interrupted');
      expect(report.error).toBe('Error: shutdown: still running after shutdownTimeout (400ms)');
      expect(await redis.exists(leaseKey(prefix, 'long-export'))).toBe(0);
      expect(
        logger.lines
          .filter((l) => /still running after shutdownTimeout; their signals are aborted/.test(l.message))
          .map((l) => l.level),
      ).toEqual(['warn']);
    } finally {
      started.resolve();
      await app.close();
      await redis.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });

  it('app.close() takes at most shutdownTimeout + lockTimeout, even when a job ignores its signal', async () => {
    const prefix = uniquePrefix('bounded-close');
    const started = deferred();
    const release = deferred();
    let aborted = false;
    @Injectable()
    class Jobs {
      @CoordinatedCron('stubborn', YEARLY)
      async run({ signal }: CronRun) {
        signal.addEventListener('abort', () => (aborted = true), { once: true });
        started.resolve();
        // Ignores its signal: only the test ends it, after the app has closed.
        await release.promise;
      }
    }
    const shutdownTimeout = 800;
    const lockTimeout = 400;
    const { app } = await createTestApp({
      providers: [Jobs],
      options: { keyPrefix: prefix, shutdownTimeout, lockTimeout },
    });
    let pending: Promise<JobRunReport> | undefined;
    try {
      pending = app.get(CoordinatedCronRunner).trigger('stubborn', { occurrence: OCCURRENCE });
      await started.promise;
      const { ms, closed } = await timedClose(app, shutdownTimeout + lockTimeout + 10_000);
      expect(closed).toBe(true);
      expect(aborted).toBe(true);
      expect(ms).toBeGreaterThanOrEqual(shutdownTimeout - 10);
      // The bound is the promise; the slack is for a loaded machine's timers, and far below another full wait.
      expect(ms).toBeLessThanOrEqual(shutdownTimeout + lockTimeout + 1_500);
    } finally {
      release.resolve();
      await pending;
      await app.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });

  it('once shutdown has begun, a new occurrence is skipped as shutting-down, runs nothing and claims nothing', async () => {
    const prefix = uniquePrefix('shutting-down');
    const holderStarted = deferred();
    const gate = deferred();
    let lateRuns = 0;
    @Injectable()
    class Jobs {
      @CoordinatedCron('holder', YEARLY)
      async hold() {
        holderStarted.resolve();
        await gate.promise;
      }
      @CoordinatedCron('late', YEARLY)
      late() {
        lateRuns += 1;
      }
    }
    const redis = await connectRedis();
    const { app, logger } = await createTestApp({ providers: [Jobs], options: { keyPrefix: prefix } });
    try {
      const runner = app.get(CoordinatedCronRunner);
      const holder = runner.trigger('holder', { occurrence: OCCURRENCE });
      await holderStarted.promise;
      let late: Promise<JobRunReport> | undefined;
      // The holder keeps the drain open; the new occurrence arrives the moment shutdown begins.
      app.get(ShutdownCoordinator).onBegin(() => {
        late = runner.trigger('late', { occurrence: OCCURRENCE });
        gate.resolve();
      });
      await app.close();
      expect((await holder).outcome).toBe('completed');
      const report = await late!;
      expect(report).toMatchObject({ outcome: 'skipped', skipReason: 'shutting-down' });
      expect(lateRuns).toBe(0);
      // Not even claimed: another instance, still up, may run this occurrence.
      expect(await redis.exists(claimKey(prefix, 'late', OCCURRENCE))).toBe(0);
      const line = logger.lines.find((l) => l.message.startsWith(`job=late run=${report.runId} occurrence=`));
      expect(line?.message).toContain('outcome=skipped reason=shutting-down');
    } finally {
      gate.resolve();
      await app.close();
      await redis.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });

  it('ticks that come while a long drain runs start nothing: the executor is not even asked', async () => {
    const holderStarted = deferred();
    const gate = deferred();
    @Injectable()
    class Jobs {
      @CoordinatedCron('holder', YEARLY)
      async hold() {
        holderStarted.resolve();
        await gate.promise;
      }
      @CoordinatedCron('every-second', '* * * * * *')
      tick() {}
    }
    const { app } = await createTestApp({
      providers: [Jobs],
      cache: 'none',
      options: { jitter: false, shutdownTimeout: 10_000 },
    });
    try {
      const run = jest.spyOn(app.get(OccurrenceExecutor), 'run');
      const holder = app.get(CoordinatedCronRunner).trigger('holder', { occurrence: OCCURRENCE });
      await holderStarted.promise;
      let callsAtBegin = -1;
      // The drain lasts past two ticks of the every-second job, then the holder finishes by itself.
      app.get(ShutdownCoordinator).onBegin(() => {
        callsAtBegin = run.mock.calls.length;
        setTimeout(() => gate.resolve(), 2_200);
      });
      await app.close();
      expect((await holder).outcome).toBe('completed');
      expect(callsAtBegin).toBeGreaterThan(0);
      expect(run.mock.calls.slice(callsAtBegin).map(([job]) => job.name)).toEqual([]);
    } finally {
      gate.resolve();
      await app.close();
    }
  });

  it('a window delay still pending when shutdown begins is cancelled: its occurrence never reaches the executor', async () => {
    // Every draw lands at the end of the window: 1881 ms of a 1900 ms window after each two-second tick.
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.99);
    @Injectable()
    class Jobs {
      @CoordinatedCron('jittered', { cron: '*/2 * * * * *', jitter: 1900 })
      run() {}
    }
    const { app } = await createTestApp({ providers: [Jobs], cache: 'none' });
    try {
      const run = jest.spyOn(app.get(OccurrenceExecutor), 'run');
      const cronJob = app.get(SchedulerRegistry).getCronJob('jittered');
      const tick = await waitFor('a tick of the schedule', () => cronJob.lastDate() ?? undefined, {
        timeoutMs: 5_000,
        intervalMs: 5,
      });
      // The tick's delay is now running; shut down well inside it.
      expect(Date.now() - tick.getTime()).toBeLessThan(1_500);
      await app.close();
      // Past the moment the delay would have ended, and past the next tick.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, tick.getTime() + 2_500 - Date.now())));
      expect(run).not.toHaveBeenCalled();
    } finally {
      random.mockRestore();
      await app.close();
    }
  });
});
