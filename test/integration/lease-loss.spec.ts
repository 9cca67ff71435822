/** @jest-environment ./test/support/real-process-environment.cjs */
import { Injectable } from '@nestjs/common';
import { CoordinatedCron, CoordinatedCronRunner, type CronRun, type LockStore, PerTenant } from '../../src/index.js';
import { createTestApp, fenceOf } from '../support/app.js';
import { uniquePrefix } from '../support/redis.js';
import { STORE_TARGETS } from '../support/store-targets.js';
import { expectPartition, staticTenants, tenantIds } from '../support/tenants.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';
import { deferred } from '../support/wait.js';

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

/**
 * What an expiry followed by another instance's claim leaves behind, made through the port: the holder's lease is
 * released, and a claim of another (older) occurrence takes the job's lease with a token of its own.
 */
async function stealLease(probe: LockStore, job: string): Promise<void> {
  const held = await probe.readLease(job);
  if (held) await probe.releaseLease({ job, token: held.token });
  const stolen = await probe.claim({
    job,
    occurrence: new Date('2020-01-01T00:00:00Z'),
    token: 'another-holder',
    runId: 'another-run',
    owner: 'another-instance',
    ttls: { claimUntil: new Date(0), claimMinMs: 60_000, leaseMs: 60_000, ledgerMs: 60_000 },
  });
  expect(stolen.kind).toBe('won');
}

describe.each(STORE_TARGETS)(
  'lease loss: the run is told (its signal aborts) and the loss is logged ($name)',
  (target) => {
    failOnUnhandledRejections();
    target.use();

    it('another holder takes the lease mid-run: the signal aborts, an error line says so, and its lease is left alone', async () => {
      const prefix = uniquePrefix('lease-taken');
      const seen = { started: deferred() } as { started: ReturnType<typeof deferred>; reason?: unknown };
      const probe = await target.probe(prefix);
      // Renewed every 200 ms: the next renewal after the takeover finds another token.
      const { app, logger } = await createTestApp({
        providers: [untilAborted('lease-plain', seen)],
        ...target.app(prefix, { leaseTtl: 600 }),
      });
      try {
        const pending = app.get(CoordinatedCronRunner).trigger('lease-plain', { occurrence: OCCURRENCE });
        await seen.started.promise;
        await stealLease(probe, 'lease-plain');
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
        const lease = await probe.readLease('lease-plain');
        expect(lease?.token).toBe('another-holder');
        expect(lease?.expiresInMs).toBeGreaterThan(30_000);
      } finally {
        seen.started.resolve();
        await app.close();
      }
    });

    it('the store stops answering mid-run: once the lease cannot have survived, the signal aborts and the loss is logged', async () => {
      const server = await target.ownServer();
      const prefix = uniquePrefix('lease-silent');
      const seen = { started: deferred() } as { started: ReturnType<typeof deferred>; reason?: unknown };
      const { app, logger } = await createTestApp({
        providers: [untilAborted('lease-silent', seen)],
        ...target.app(prefix, { leaseTtl: 900, lockTimeout: 200 }, server),
      });
      try {
        const pending = app.get(CoordinatedCronRunner).trigger('lease-silent', { occurrence: OCCURRENCE });
        await seen.started.promise;
        // SIGSTOP: the socket stays open and every renewal waits for an answer that never comes.
        server.pause();
        const report = await pending;
        expect((seen.reason as Error | undefined)?.message).toBe(
          `running lease lost: not renewed for 900ms: LockStoreError: ${target.name} lock store: renewLease did not answer within 200ms`,
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
      const probe = await target.probe(prefix);
      const { app, logger } = await createTestApp({
        providers: [TenantJobs],
        ...target.app(prefix, { leaseTtl: 600, tenantSettings: staticTenants(tenants) }),
      });
      try {
        const pending = app.get(CoordinatedCronRunner).trigger('lease-tenants', { occurrence: OCCURRENCE });
        await twoStarted.promise;
        await stealLease(probe, 'lease-tenants');
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
        expect((await probe.readPending('lease-tenants')).sort()).toEqual([...tenants].sort());

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
      }
    });
  },
);
