/** @jest-environment ./test/support/real-process-environment.cjs */
import { performance } from 'node:perf_hooks';
import { CoordinatedCronRunner } from '../../src/index.js';
import { createTestApp } from '../support/app.js';
import { uniquePrefix } from '../support/redis.js';
import { STORE_TARGETS } from '../support/store-targets.js';
import { expectPartition } from '../support/tenants.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';
import { JOB, ids, nextOccurrence, settingsFor, tenantJob, tenantsOf, expectEachOnce } from '../support/per-tenant.js';
import { deferred, sleep } from '../support/wait.js';

describe.each(STORE_TARGETS)('@PerTenant fan-out at shutdown: pending tenants ($name)', (target) => {
  failOnUnhandledRejections();
  target.use();
  it('shutdown: stops starting tenants at close, lets running ones finish, and the next app takes the rest first', async () => {
    const tenants = ids(200);
    const { type } = settingsFor({ tenants: () => tenants });
    const prefix = uniquePrefix('per-tenant-shutdown');
    const firstStarts: Array<{ tenantId: string; at: number }> = [];
    const firstFinished: string[] = [];
    // The app is closed from the moment the 12th tenant starts, so tenants are known to be in flight at the close.
    // (Closing after a fixed sleep could land in the instant between one batch finishing and the next starting.)
    const twelfthStarted = deferred();
    const job1 = tenantJob(async (tenantId) => {
      firstStarts.push({ tenantId, at: performance.now() });
      if (firstStarts.length === 12) twelfthStarted.resolve();
      await sleep(50);
      firstFinished.push(tenantId);
    });
    const options = { jitter: false, tenantSettings: type, concurrency: 5 };
    const probe = await target.probe(prefix);
    let closeStarted = false;
    const first = await createTestApp({ providers: [job1], ...target.app(prefix, options) });
    try {
      const runner = first.app.get(CoordinatedCronRunner);
      const occurrence = nextOccurrence();
      // trigger() resolves only when the whole run is over, so it is left running while the app closes.
      let reportSettled = false;
      const pendingReport = runner.trigger(JOB, { occurrence }).finally(() => (reportSettled = true));
      await twelfthStarted.promise;
      const closeAt = performance.now();
      const inFlightAtClose = firstStarts.length - firstFinished.length;
      closeStarted = true;
      await first.app.close();
      // The app's shutdown waits for the drain: by the time close() resolves, the run has fully ended.
      expect(reportSettled).toBe(true);
      expect(inFlightAtClose).toBeGreaterThan(0);
      const report = await pendingReport;
      const summary = tenantsOf(report);

      expect(report.outcome).toBe('interrupted');
      expectPartition(summary, tenants);
      const started = firstStarts.map((s) => s.tenantId);
      expect(started.length).toBeGreaterThan(0);
      expect(started.length).toBeLessThan(200);
      expect(firstStarts.filter((s) => s.at > closeAt)).toEqual([]);
      expectEachOnce(firstFinished, started);
      expectEachOnce(summary.succeeded, started);
      expect(summary.failed).toEqual([]);
      expectEachOnce(
        summary.unprocessed,
        tenants.filter((id) => !started.includes(id)),
      );

      const lines = first.logger.matching(/interrupted: unprocessed=/);
      expect(lines).toHaveLength(1);
      const line = lines[0];
      expect(line).toContain(`job=${JOB}`);
      expect(line).toContain(`run=${report.runId}`);
      expect(line).toContain(`unprocessed=${summary.unprocessed.length} `);
      const listed = /ids=(\S+)/.exec(line)?.[1].split(',') ?? [];
      expectEachOnce(listed, summary.unprocessed);

      expectEachOnce(await probe.readPending(JOB), summary.unprocessed);

      const secondStarts: string[] = [];
      const job2 = tenantJob(async (tenantId) => {
        secondStarts.push(tenantId);
        await sleep(2);
      });
      const second = await createTestApp({ providers: [job2], ...target.app(prefix, options) });
      try {
        const next = await second.app.get(CoordinatedCronRunner).trigger(JOB, { occurrence: nextOccurrence() });
        expect(next.outcome).toBe('completed');
        expectEachOnce(secondStarts.slice(0, summary.unprocessed.length), summary.unprocessed);
        expectEachOnce(secondStarts, tenants);
        expectEachOnce(tenantsOf(next).succeeded, tenants);
        expect(tenantsOf(next).unprocessed).toEqual([]);
        const takenFirst = new RegExp(
          `run=${next.runId} fence=${next.fencingToken} ${summary.unprocessed.length} tenant\\(s\\) left unprocessed`,
        );
        expect(second.logger.matching(takenFirst)).toHaveLength(1);
        // Done with them: a third run must not find them pending again.
        expect(await probe.readPending(JOB)).toEqual([]);
      } finally {
        await second.app.close();
      }
    } finally {
      if (!closeStarted) await first.app.close();
    }
  });

  it('shutdown: tenants still running after shutdownTimeout get their signals aborted and are kept pending', async () => {
    const tenants = ids(20);
    const { type } = settingsFor({ tenants: () => tenants });
    const prefix = uniquePrefix('per-tenant-cutoff');
    const started: string[] = [];
    const abortReasons = new Map<string, unknown>();
    // Each tenant runs until told to stop, like a long export that checks its signal.
    const job = tenantJob(
      (tenantId, { signal }) =>
        new Promise<void>((resolve) => {
          started.push(tenantId);
          signal.addEventListener(
            'abort',
            () => {
              abortReasons.set(tenantId, signal.reason);
              resolve();
            },
            { once: true },
          );
        }),
    );
    const probe = await target.probe(prefix);
    let closed = false;
    const { app, logger } = await createTestApp({
      providers: [job],
      ...target.app(prefix, { jitter: false, tenantSettings: type, concurrency: 3, shutdownTimeout: 200 }),
    });
    try {
      const pendingReport = app.get(CoordinatedCronRunner).trigger(JOB, { occurrence: nextOccurrence() });
      while (started.length < 3) await sleep(5);
      await app.close();
      closed = true;
      const report = await pendingReport;
      const summary = tenantsOf(report);

      expect(report.outcome).toBe('interrupted');
      expectPartition(summary, tenants);
      expect(started).toHaveLength(3);
      expect([...abortReasons.keys()].sort()).toEqual([...started].sort());
      for (const reason of abortReasons.values())
        expect(String((reason as Error).message)).toContain('shutdownTimeout');
      expect(summary.succeeded).toEqual([]);
      expect(summary.failed.map((f) => f.tenantId).sort()).toEqual([...started].sort());
      expect(summary.failed.every((f) => f.error.includes('its signal was aborted'))).toBe(true);
      expectEachOnce(
        summary.unprocessed,
        tenants.filter((id) => !started.includes(id)),
      );
      // Cut off mid-way or never started: all of them are retried by the next run.
      expectEachOnce(await probe.readPending(JOB), tenants);
      const line = logger.matching(/interrupted: unprocessed=/);
      expect(line).toHaveLength(1);
      expect(line[0]).toContain(
        `run=${report.runId} fence=${report.fencingToken} interrupted: unprocessed=17 ids=${summary.unprocessed.join(',')} `,
      );
      expect(line[0]).toContain(`cut-off=3 cut-off-ids=${summary.failed.map((f) => f.tenantId).join(',')} `);
    } finally {
      if (!closed) await app.close();
    }
  });
});
