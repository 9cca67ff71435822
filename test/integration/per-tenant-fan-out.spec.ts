/** @jest-environment ./test/support/real-process-environment.cjs */
import { type CronContextValue } from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';
import {
  JOB,
  ids,
  nextOccurrence,
  settingsFor,
  tenantJob,
  withApp,
  tenantsOf,
  expectEachOnce,
} from '../support/per-tenant.js';
import { sleep } from '../support/wait.js';

describe('@PerTenant fan-out: eligibility, bounded concurrency, shuffling (real Redis)', () => {
  failOnUnhandledRejections();

  describe.each([
    ['a provider with filterEnabled', true],
    ['a provider with only isEnabled', false],
  ])('100 tenants, 10 disabled, t-13 throws, with %s', (_label, batch) => {
    it('reports 89 succeeded, t-13 failed with its message, 10 disabled, and logs the failure with its identity', async () => {
      const tenants = ids(100);
      const disabled = tenants.filter((_, i) => i % 10 === 5);
      const enabled = (id: string) => !disabled.includes(id);
      const { type, calls } = settingsFor({
        tenants: () => tenants,
        isEnabled: batch
          ? () => {
              throw new Error('isEnabled must not be asked when filterEnabled exists');
            }
          : async (id) => enabled(id),
        filterEnabled: batch ? async (list) => list.filter(enabled) : undefined,
      });
      const handled: string[] = [];
      const hooked: Array<{ error: unknown; context: CronContextValue }> = [];
      const job = tenantJob(async (tenantId) => {
        handled.push(tenantId);
        await sleep(1);
        if (tenantId === 't-13') throw new Error('tenant 13 exploded');
      });

      await withApp(
        { providers: [job], settings: type, options: { onError: (error, context) => hooked.push({ error, context }) } },
        async ({ logger, runner }) => {
          const occurrence = nextOccurrence();
          const report = await runner.trigger(JOB, { occurrence });
          const summary = tenantsOf(report);

          expect(report.outcome).toBe('completed');
          expect(summary.total).toBe(100);
          expect(summary.succeeded).toHaveLength(89);
          expectEachOnce(
            summary.succeeded,
            tenants.filter((id) => enabled(id) && id !== 't-13'),
          );
          expect(summary.failed).toEqual([{ tenantId: 't-13', error: 'Error: tenant 13 exploded' }]);
          expectEachOnce(summary.disabled, disabled);
          expect(summary.unprocessed).toEqual([]);
          expectEachOnce(handled, tenants.filter(enabled));

          expect(calls.listTenants).toEqual([JOB]);
          if (batch) expect([calls.filterEnabled, calls.isEnabled]).toEqual([1, 0]);
          else expect([calls.filterEnabled, calls.isEnabled]).toEqual([0, 100]);

          const failureLines = logger.lines.filter((l) => l.level === 'error' && l.message.includes('tenant=t-13'));
          expect(failureLines).toHaveLength(1);
          expect(failureLines[0].message).toContain(`job=${JOB}`);
          expect(failureLines[0].message).toContain(`run=${report.runId}`);
          expect(failureLines[0].message).toContain('tenant 13 exploded');
          expect(
            logger.matching(
              new RegExp(`job=${JOB} run=${report.runId} fence=${report.fencingToken} 10 tenant\\(s\\) disabled`),
            ),
          ).toHaveLength(1);

          expect(hooked).toHaveLength(1);
          expect(hooked[0].error).toBeInstanceOf(Error);
          expect((hooked[0].error as Error).message).toBe('tenant 13 exploded');
          expect(hooked[0].context).toEqual({
            jobName: JOB,
            runId: report.runId,
            occurrence: occurrence.toISOString(),
            instanceId: report.instanceId,
            fencingToken: report.fencingToken,
            tenantId: 't-13',
          });
        },
      );
    });
  });

  describe.each([
    ['the module option', { concurrency: 7 }, {}],
    ['@PerTenant, overriding the module', { concurrency: 2 }, { concurrency: 7 }],
  ])('concurrency 7 from %s', (_label, moduleOptions, perTenant) => {
    it('keeps exactly 7 of 60 tenants of 20-40 ms in flight at the peak, never more', async () => {
      const tenants = ids(60);
      const { type } = settingsFor({ tenants: () => tenants });
      let inFlight = 0;
      const inFlightAtStart: number[] = [];
      const handled: string[] = [];
      const job = tenantJob(async (tenantId) => {
        inFlight += 1;
        inFlightAtStart.push(inFlight);
        handled.push(tenantId);
        try {
          await sleep(20 + ((Number(tenantId.slice(2)) * 7) % 21));
        } finally {
          inFlight -= 1;
        }
      }, perTenant);

      await withApp({ providers: [job], settings: type, options: moduleOptions }, async ({ runner }) => {
        const report = await runner.trigger(JOB, { occurrence: nextOccurrence() });
        expect(report.outcome).toBe('completed');
        expectEachOnce(tenantsOf(report).succeeded, tenants);
        expectEachOnce(handled, tenants);
        expect(Math.max(...inFlightAtStart)).toBe(7);
        expect(inFlightAtStart.filter((n) => n > 7)).toEqual([]);
        expect(inFlight).toBe(0);
      });
    });
  });

  it('shuffles: over 20 runs of 30 enabled tenants the first one varies, and each run takes every tenant once', async () => {
    const tenants = ids(33);
    const disabled = new Set(['t-4', 't-17', 't-29']);
    const enabled = tenants.filter((id) => !disabled.has(id));
    const { type } = settingsFor({
      tenants: () => tenants,
      filterEnabled: async (list) => list.filter((id) => !disabled.has(id)),
    });
    let order: string[] = [];
    const job = tenantJob((tenantId) => {
      order.push(tenantId);
    });

    await withApp({ providers: [job], settings: type }, async ({ runner }) => {
      const orders: string[][] = [];
      for (let run = 0; run < 20; run++) {
        order = [];
        const report = await runner.trigger(JOB, { occurrence: nextOccurrence() });
        expect(report.outcome).toBe('completed');
        expectEachOnce(order, enabled);
        expectEachOnce(tenantsOf(report).succeeded, enabled);
        orders.push(order);
      }
      expect(new Set(orders.map((o) => o[0])).size).toBeGreaterThan(1);
      // 20 draws out of 30! orders: any repeat means the order is not fresh per run.
      expect(new Set(orders.map((o) => o.join(','))).size).toBe(20);
    });
  });
});
