/** @jest-environment ./test/support/real-process-environment.cjs */
import { type CronContextValue, TenantTimeoutError } from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';
import {
  JOB,
  ids,
  nextOccurrence,
  type TenantSource,
  settingsFor,
  tenantJob,
  withApp,
  tenantsOf,
  expectEachOnce,
} from '../support/per-tenant.js';
import { deferred, sleep } from '../support/wait.js';

describe("@PerTenant fan-out: one tenant's failure never stops the others (real Redis)", () => {
  failOnUnhandledRejections();
  describe.each([
    ['the module option', { tenantTimeout: 150 }, {}, 150],
    ['@PerTenant, overriding the module', { tenantTimeout: '30s' }, { tenantTimeout: '200ms' }, 200],
  ])('tenantTimeout from %s', (_label, moduleOptions, perTenant, limit) => {
    it('fails the hanging tenant, aborts its signal and frees its slot while the others go on', async () => {
      const tenants = ids(6);
      const { type } = settingsFor({ tenants: () => tenants });
      const release = deferred();
      let hung: string | undefined;
      let hungSettled = false;
      let hungAbortReason: unknown;
      const others: Array<{ tenantId: string; whileHung: boolean; aborted: boolean }> = [];
      // Concurrency 1: whichever tenant starts first hangs (ignoring its signal), and only a freed slot lets the rest run.
      const job = tenantJob(
        async (tenantId, { signal }) => {
          if (hung === undefined) {
            hung = tenantId;
            signal.addEventListener('abort', () => (hungAbortReason = signal.reason), { once: true });
            await release.promise;
            hungSettled = true;
            return;
          }
          await sleep(1);
          others.push({ tenantId, whileHung: !hungSettled, aborted: signal.aborted });
        },
        { ...perTenant, concurrency: 1 },
      );

      const hooked: CronContextValue[] = [];
      await withApp(
        {
          providers: [job],
          settings: type,
          options: { ...moduleOptions, onError: (_e, context) => hooked.push(context) },
        },
        async ({ logger, runner }) => {
          // A slot held until the hung call settles would show up as others starting after it, not as a jest timeout.
          const safety = setTimeout(() => release.resolve(), 3_000);
          try {
            const report = await runner.trigger(JOB, { occurrence: nextOccurrence() });
            const summary = tenantsOf(report);
            expect(hung).toBeDefined();
            expect(summary.failed).toEqual([
              { tenantId: hung, error: `TenantTimeoutError: timed out after ${limit}ms` },
            ]);
            expectEachOnce(
              summary.succeeded,
              tenants.filter((id) => id !== hung),
            );
            expect(report.outcome).toBe('completed');

            expect(hungAbortReason).toBeInstanceOf(TenantTimeoutError);
            expect((hungAbortReason as Error).message).toBe(`timed out after ${limit}ms`);
            expect(hungSettled).toBe(false);
            expect(others).toHaveLength(5);
            expect(others.every((o) => o.whileHung && !o.aborted)).toBe(true);

            const line = logger.lines.find((l) => l.level === 'error' && l.message.includes(`tenant=${hung}`));
            expect(line?.message).toContain(
              `job=${JOB} run=${report.runId} fence=${report.fencingToken} tenant=${hung} failed: TenantTimeoutError: timed out after ${limit}ms`,
            );
            expect(hooked.map((c) => c.tenantId)).toEqual([hung]);
          } finally {
            clearTimeout(safety);
            release.resolve();
          }
        },
      );
    });
  });

  it('contains a non-Error throw and a rejection in one tenant each; the rest succeed', async () => {
    const tenants = ids(8);
    const { type } = settingsFor({ tenants: () => tenants });
    const hooked: Array<{ error: unknown; context: CronContextValue }> = [];
    const payload = { code: 'E_QUOTA', retryable: false };
    const job = tenantJob((tenantId) => {
      if (tenantId === 't-2') throw 'plain string failure';
      if (tenantId === 't-5') return Promise.reject(payload);
      if (tenantId === 't-6') return sleep(2).then(() => Promise.reject(new RangeError('late rejection')));
      return undefined;
    });

    await withApp(
      { providers: [job], settings: type, options: { onError: (error, context) => hooked.push({ error, context }) } },
      async ({ logger, runner }) => {
        const report = await runner.trigger(JOB, { occurrence: nextOccurrence() });
        const summary = tenantsOf(report);
        expect(report.outcome).toBe('completed');
        expect([...summary.failed].sort((a, b) => a.tenantId.localeCompare(b.tenantId))).toEqual([
          { tenantId: 't-2', error: 'plain string failure' },
          { tenantId: 't-5', error: JSON.stringify(payload) },
          { tenantId: 't-6', error: 'RangeError: late rejection' },
        ]);
        expectEachOnce(summary.succeeded, ['t-0', 't-1', 't-3', 't-4', 't-7']);

        const byTenant = new Map(hooked.map((h) => [h.context.tenantId, h.error]));
        expect(byTenant.get('t-2')).toBe('plain string failure');
        expect(byTenant.get('t-5')).toBe(payload);
        expect(byTenant.get('t-6')).toBeInstanceOf(RangeError);
        expect(hooked).toHaveLength(3);
        for (const tenantId of ['t-2', 't-5', 't-6']) {
          expect(
            logger.matching(
              new RegExp(`job=${JOB} run=${report.runId} fence=${report.fencingToken} tenant=${tenantId} failed: `),
            ),
          ).toHaveLength(1);
        }
      },
    );
  });

  it('skips a tenant whose isEnabled throws or rejects, logs it, and runs the others', async () => {
    const tenants = ids(10);
    const { type } = settingsFor({
      tenants: () => tenants,
      isEnabled: (id) => {
        if (id === 't-3') throw new Error('settings row corrupt');
        if (id === 't-4') return Promise.reject(new Error('settings db timeout'));
        return id !== 't-9';
      },
    });
    const handled: string[] = [];
    const hooked: CronContextValue[] = [];
    const job = tenantJob((tenantId) => void handled.push(tenantId));

    await withApp(
      { providers: [job], settings: type, options: { onError: (_e, context) => hooked.push(context) } },
      async ({ logger, runner }) => {
        const report = await runner.trigger(JOB, { occurrence: nextOccurrence() });
        const summary = tenantsOf(report);
        const runnable = tenants.filter((id) => !['t-3', 't-4', 't-9'].includes(id));
        expect(report.outcome).toBe('completed');
        expectEachOnce(handled, runnable);
        expectEachOnce(summary.succeeded, runnable);
        expect(summary.disabled).toEqual(['t-9']);
        expect(summary.failed.map((f) => f.tenantId).sort()).toEqual(['t-3', 't-4']);
        expect(summary.failed.every((f) => f.error.startsWith('eligibility check failed: Error: settings'))).toBe(true);
        const t3 = logger.lines.filter(
          (l) =>
            l.level === 'error' &&
            l.message.includes(`run=${report.runId} fence=${report.fencingToken} tenant=t-3 isEnabled threw`),
        );
        expect(t3).toHaveLength(1);
        expect(t3[0].message).toContain('settings row corrupt');
        const t4 = new RegExp(
          `run=${report.runId} fence=${report.fencingToken} tenant=t-4 isEnabled threw, tenant skipped: Error: settings db timeout`,
        );
        expect(logger.matching(t4)).toHaveLength(1);
        expect(hooked.map((c) => c.tenantId).sort()).toEqual(['t-3', 't-4']);
      },
    );
  });

  describe.each<[string, TenantSource['tenants']]>([
    [
      'throws',
      () => {
        throw new Error('tenant directory down');
      },
    ],
    ['rejects', () => Promise.reject(new Error('tenant directory down'))],
  ])('listTenants that %s', (_label, listTenants) => {
    it('fails the run, logs it with the run identity, and starts no tenant', async () => {
      const { type } = settingsFor({ tenants: listTenants });
      const handled: string[] = [];
      const hooked: CronContextValue[] = [];
      const job = tenantJob((tenantId) => void handled.push(tenantId));
      await withApp(
        { providers: [job], settings: type, options: { onError: (_e, context) => hooked.push(context) } },
        async ({ logger, runner }) => {
          const report = await runner.trigger(JOB, { occurrence: nextOccurrence() });
          expect(report.outcome).toBe('failed');
          expect(report.error).toBe('listTenants failed: Error: tenant directory down');
          expect(handled).toEqual([]);
          const lines = logger.lines.filter(
            (l) => l.level === 'error' && l.message.includes('listTenants failed, run failed'),
          );
          expect(lines.map((l) => l.message)).toEqual([
            `job=${JOB} run=${report.runId} fence=${report.fencingToken} listTenants failed, run failed: Error: tenant directory down`,
          ]);
          expect(
            logger.matching(new RegExp(`run=${report.runId} .*outcome=failed .*error="listTenants failed`)),
          ).toHaveLength(1);
          expect(hooked).toHaveLength(1);
          expect(hooked[0]).toMatchObject({ jobName: JOB, runId: report.runId });
          expect(hooked[0].tenantId).toBeUndefined();
        },
      );
    });
  });

  it('fails the run when filterEnabled throws, without starting any tenant', async () => {
    const { type, calls } = settingsFor({
      tenants: () => ids(5),
      filterEnabled: async () => {
        throw new Error('feature flags unavailable');
      },
    });
    const handled: string[] = [];
    const job = tenantJob((tenantId) => void handled.push(tenantId));
    await withApp({ providers: [job], settings: type }, async ({ logger, runner }) => {
      const report = await runner.trigger(JOB, { occurrence: nextOccurrence() });
      expect(report.outcome).toBe('failed');
      expect(report.error).toBe('filterEnabled failed: Error: feature flags unavailable');
      expect(handled).toEqual([]);
      expect(calls.isEnabled).toBe(0);
      const line = new RegExp(
        `^job=${JOB} run=${report.runId} fence=${report.fencingToken} filterEnabled failed, run failed: Error: feature flags unavailable`,
      );
      expect(logger.matching(line)).toHaveLength(1);
    });
  });
});
