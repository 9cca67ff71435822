/** @jest-environment ./test/support/real-process-environment.cjs */
import { Injectable } from '@nestjs/common';
import { CoordinatedCron, CoordinatedCronRunner, type CronRun, PerTenant } from '../../src/index.js';
import { createTestApp, fenceOf } from '../support/app.js';
import { leaseKey, pendingKey } from '../support/internals.js';
import { connectRedis, deleteKeys, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { OwnRedisServer } from '../support/redis-server.js';
import { expectPartition, staticTenants, tenantIds } from '../support/tenants.js';
import { deferred } from '../support/per-tenant.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';

const YEARLY = '0 0 1 1 *';
const OCCURRENCE = new Date('2026-01-01T00:00:00Z');
/** Long enough for any loaded machine to notice a lost lease, short enough that a missing abort fails fast. */
const GIVE_UP_MS = 8_000;

/**
 * Resolves with the signal's reason once it aborts, or with undefined after GIVE_UP_MS: a run whose abort never
 * comes ends by itself and the test fails on its assertions instead of on a jest timeout.
 */
function abortOf(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), GIVE_UP_MS);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve(signal.reason);
      },
      { once: true },
    );
  });
}

/** A plain job that runs until its signal aborts, then ends as a well-behaved job does: by throwing the reason. */
function untilAborted(name: string, seen: { started: ReturnType<typeof deferred>; reason?: unknown }) {
  @Injectable()
  class Jobs {
    @CoordinatedCron(name, YEARLY)
    async run({ signal }: CronRun) {
      seen.started.resolve();
      seen.reason = await abortOf(signal);
      if (signal.aborted) throw signal.reason;
    }
  }
  return Jobs;
}

describe('lease loss: the run is told (its signal aborts) and the loss is logged', () => {
  failOnUnhandledRejections();

  it('another holder takes the lease mid-run: the signal aborts, an error line says so, and its lease is left alone', async () => {
    const prefix = uniquePrefix('lease-taken');
    const seen = { started: deferred() } as { started: ReturnType<typeof deferred>; reason?: unknown };
    const redis = await connectRedis();
    // Renewed every 200 ms: the next renewal after the takeover finds another token.
    const { app, logger } = await createTestApp({
      providers: [untilAborted('lease-plain', seen)],
      options: { keyPrefix: prefix, leaseTtl: 600 },
    });
    try {
      const pending = app.get(CoordinatedCronRunner).trigger('lease-plain', { occurrence: OCCURRENCE });
      await seen.started.promise;
      const key = leaseKey(prefix, 'lease-plain');
      // What an expiry followed by another instance's SET NX leaves behind: the key, with someone else's token.
      await redis.set(key, 'another-holder', { PX: 60_000 });
      const report = await pending;

      expect(seen.reason).toBeInstanceOf(Error);
      expect((seen.reason as Error).message).toBe('running lease lost: another holder has it or it expired');
      expect(report.outcome).toBe('interrupted');
      const lost = logger.lines.filter((l) => l.message.includes(' running lease lost ('));
      expect(lost.map((l) => [l.level, l.message])).toEqual([
        [
          'error',
          `job=lease-plain run=${report.runId}${fenceOf(report)} running lease lost (another holder has it or it expired); ` +
            `the run's signal is aborted and no new tenant starts`,
        ],
      ]);
      // Neither the failed renewal nor the release at the end touched the other holder's lease: both compare tokens.
      expect(await redis.get(key)).toBe('another-holder');
      expect(await redis.pTTL(key)).toBeGreaterThan(30_000);
    } finally {
      seen.started.resolve();
      await app.close();
      await redis.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });

  it('Redis stops answering mid-run: once the lease cannot have survived, the signal aborts and the loss is logged', async () => {
    const server = await OwnRedisServer.start();
    const prefix = uniquePrefix('lease-silent');
    const seen = { started: deferred() } as { started: ReturnType<typeof deferred>; reason?: unknown };
    const { app, logger } = await createTestApp({
      providers: [untilAborted('lease-silent', seen)],
      cache: { redisUrl: server.url },
      options: { keyPrefix: prefix, leaseTtl: 900, lockTimeout: 200 },
    });
    try {
      const pending = app.get(CoordinatedCronRunner).trigger('lease-silent', { occurrence: OCCURRENCE });
      await seen.started.promise;
      // SIGSTOP: the socket stays open and every renewal waits for an answer that never comes.
      server.pause();
      const report = await pending;
      expect((seen.reason as Error | undefined)?.message).toMatch(
        /^running lease lost: not renewed for 900ms: LockStoreError: redis lock store: renewLease did not answer within 200ms$/,
      );
      expect(report.outcome).toBe('interrupted');
      const lost = logger.lines.filter((l) => l.message.includes(' running lease lost ('));
      expect(lost).toHaveLength(1);
      expect(lost[0].level).toBe('error');
      expect(lost[0].message).toMatch(
        new RegExp(
          `^job=lease-silent run=${report.runId}${fenceOf(report)} running lease lost \\(not renewed for 900ms`,
        ),
      );
    } finally {
      server.resume();
      seen.started.resolve();
      await app.close();
      server.kill();
    }
  });

  it('a per-tenant run that loses its lease starts no new tenant, cuts off the running ones and keeps them all pending', async () => {
    const prefix = uniquePrefix('lease-fan-out');
    const tenants = tenantIds(10);
    const started: string[] = [];
    const twoStarted = deferred();
    @Injectable()
    class TenantJobs {
      @CoordinatedCron('lease-tenants', YEARLY)
      @PerTenant({ concurrency: 2 })
      async run(tenantId: string, { signal }: CronRun) {
        started.push(tenantId);
        if (started.length === 2) twoStarted.resolve();
        // Only the first two wait for the abort; any tenant started after it ends at once, so a fan-out that keeps
        // starting tenants fails the assertions below quickly instead of running into the jest timeout.
        if (started.length <= 2) await abortOf(signal);
      }
    }
    const redis = await connectRedis();
    const { app, logger } = await createTestApp({
      providers: [TenantJobs],
      options: { keyPrefix: prefix, leaseTtl: 600, tenantSettings: staticTenants(tenants) },
    });
    try {
      const pending = app.get(CoordinatedCronRunner).trigger('lease-tenants', { occurrence: OCCURRENCE });
      await twoStarted.promise;
      await redis.set(leaseKey(prefix, 'lease-tenants'), 'another-holder', { PX: 60_000 });
      const report = await pending;
      const summary = report.tenants!;

      expect(report.outcome).toBe('interrupted');
      expect(started).toHaveLength(2);
      expectPartition(summary, tenants);
      expect(summary.succeeded).toEqual([]);
      expect(summary.failed.map((f) => f.tenantId).sort()).toEqual([...started].sort());
      for (const failure of summary.failed) {
        expect(failure.error).toBe('the run lost its lease; its signal was aborted and it will be retried');
      }
      expect([...summary.unprocessed].sort()).toEqual(tenants.filter((id) => !started.includes(id)).sort());
      // Cut off and never started alike are retried by the next run, on whichever instance.
      expect((await redis.sMembers(pendingKey(prefix, 'lease-tenants'))).sort()).toEqual([...tenants].sort());

      const lost = logger.lines.filter((l) => l.message.includes(' running lease lost ('));
      expect(lost.map((l) => l.level)).toEqual(['error']);
      expect(lost[0].message).toContain(`job=lease-tenants run=${report.runId}${fenceOf(report)} `);
      const summaryLine = logger.lines.find((l) =>
        l.message.startsWith(`job=lease-tenants run=${report.runId}${fenceOf(report)} occurrence=`),
      );
      expect(summaryLine?.level).toBe('warn');
      expect(summaryLine?.message).toContain('outcome=interrupted');
    } finally {
      twoStarted.resolve();
      await app.close();
      await redis.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });
});
