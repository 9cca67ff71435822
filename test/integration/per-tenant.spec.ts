import { Injectable, type INestApplicationContext, type Type } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { performance } from 'node:perf_hooks';
import {
  CoordinatedCron,
  CoordinatedCronConfigurationError,
  type CoordinatedCronModuleOptions,
  CoordinatedCronRunner,
  CronContext,
  type CronContextValue,
  type CronRun,
  type JobRunReport,
  PerTenant,
  type PerTenantOptions,
  type TenantSettingsProvider,
  TenantTimeoutError,
} from '../../src/index.js';
import { pendingKey } from '../../src/coordination/lock-keys.js';
import { type CapturingLogger, createTestApp } from '../support/app.js';
import { connectRedis, deleteKeys, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';

const JOB = 'tenant-sync';
const CRON = '0 0 1 1 *';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `t-${i}`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let day = 0;
/** A fresh daily occurrence per call: a claimed occurrence is never run twice, so every trigger needs its own. */
const nextOccurrence = () => new Date(Date.UTC(2026, 0, 1 + day++, 3));

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => (resolve = res));
  return { promise, resolve };
}

/** What a test's tenant settings provider answers; the class itself is built per test because Nest wants a type. */
interface TenantSource {
  tenants: () => Iterable<string> | Promise<Iterable<string>>;
  isEnabled?: (tenantId: string) => boolean | Promise<boolean>;
  /** Present: the provider has the batch form. */
  filterEnabled?: (tenantIds: string[]) => Promise<string[]>;
}

interface SettingsCalls {
  listTenants: string[];
  isEnabled: number;
  filterEnabled: number;
}

function settingsFor(source: TenantSource): { type: Type<TenantSettingsProvider>; calls: SettingsCalls } {
  const calls: SettingsCalls = { listTenants: [], isEnabled: 0, filterEnabled: 0 };
  class PerTestSettings implements TenantSettingsProvider {
    listTenants(jobName: string) {
      calls.listTenants.push(jobName);
      return source.tenants();
    }
    isEnabled(_jobName: string, tenantId: string) {
      calls.isEnabled += 1;
      return source.isEnabled ? source.isEnabled(tenantId) : true;
    }
  }
  if (!source.filterEnabled) return { type: PerTestSettings, calls };
  const filter: (tenantIds: string[]) => Promise<string[]> = source.filterEnabled;
  class PerTestBatchSettings extends PerTestSettings {
    filterEnabled(_jobName: string, tenantIds: string[]) {
      calls.filterEnabled += 1;
      return filter(tenantIds);
    }
  }
  return { type: PerTestBatchSettings, calls };
}

type TenantHandler = (tenantId: string, run: CronRun) => unknown;

/** A provider with one per-tenant job that forwards each call to the test's handler. */
function tenantJob(handler: TenantHandler, perTenant: PerTenantOptions = {}): Type {
  @Injectable()
  class TenantJobs {
    @CoordinatedCron(JOB, CRON)
    @PerTenant(perTenant)
    handle(tenantId: string, run: CronRun) {
      return handler(tenantId, run);
    }
  }
  return TenantJobs;
}

interface Booted {
  app: INestApplicationContext;
  logger: CapturingLogger;
  runner: CoordinatedCronRunner;
}

/** Boots a real app on the shared Redis under a key prefix of its own, and always closes and cleans up. */
async function withApp(
  spec: { providers: Type[]; settings: Type<TenantSettingsProvider>; options?: CoordinatedCronModuleOptions },
  body: (booted: Booted) => Promise<void>,
): Promise<void> {
  const prefix = uniquePrefix('per-tenant');
  const { app, logger } = await createTestApp({
    providers: spec.providers,
    options: { keyPrefix: prefix, jitter: false, tenantSettings: spec.settings, ...spec.options },
  });
  try {
    await body({ app, logger, runner: app.get(CoordinatedCronRunner) });
  } finally {
    await app.close();
    await deleteKeys(REDIS_URL, prefix);
  }
}

function tenantsOf(report: JobRunReport) {
  expect(report.tenants).toBeDefined();
  return report.tenants!;
}

function countBy(items: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

/** Every id in `expected` appears exactly once in `actual`, and nothing else does. */
function expectEachOnce(actual: readonly string[], expected: readonly string[]) {
  expect(actual).toHaveLength(expected.length);
  expect([...countBy(actual).values()].every((n) => n === 1)).toBe(true);
  expect([...actual].sort()).toEqual([...expected].sort());
}

describe('@PerTenant fan-out (real Redis)', () => {
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
          expect(logger.matching(new RegExp(`job=${JOB} run=${report.runId} fence=${report.fencingToken} 10 tenant\\(s\\) disabled`))).toHaveLength(1);

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

  it('shutdown: stops starting tenants at close, lets running ones finish, and the next app takes the rest first', async () => {
    const tenants = ids(200);
    const { type } = settingsFor({ tenants: () => tenants });
    const prefix = uniquePrefix('per-tenant-shutdown');
    const firstStarts: Array<{ tenantId: string; at: number }> = [];
    const firstFinished: string[] = [];
    const job1 = tenantJob(async (tenantId) => {
      firstStarts.push({ tenantId, at: performance.now() });
      await sleep(50);
      firstFinished.push(tenantId);
    });
    const options = { keyPrefix: prefix, jitter: false, tenantSettings: type, concurrency: 5 };
    const redis = await connectRedis();
    let closeStarted = false;
    const first = await createTestApp({ providers: [job1], options });
    try {
      const runner = first.app.get(CoordinatedCronRunner);
      const occurrence = nextOccurrence();
      // trigger() resolves only when the whole run is over, so it is left running while the app closes.
      let reportSettled = false;
      const pendingReport = runner.trigger(JOB, { occurrence }).finally(() => (reportSettled = true));
      await sleep(300);
      // On a starved machine the run may not have reached its tenants yet; close only once it has.
      while (firstStarts.length === 0) await sleep(10);
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

      expectEachOnce(await redis.sMembers(pendingKey(prefix, JOB)), summary.unprocessed);

      const secondStarts: string[] = [];
      const job2 = tenantJob(async (tenantId) => {
        secondStarts.push(tenantId);
        await sleep(2);
      });
      const second = await createTestApp({ providers: [job2], options });
      try {
        const next = await second.app.get(CoordinatedCronRunner).trigger(JOB, { occurrence: nextOccurrence() });
        expect(next.outcome).toBe('completed');
        expectEachOnce(secondStarts.slice(0, summary.unprocessed.length), summary.unprocessed);
        expectEachOnce(secondStarts, tenants);
        expectEachOnce(tenantsOf(next).succeeded, tenants);
        expect(tenantsOf(next).unprocessed).toEqual([]);
        const takenFirst = new RegExp(`run=${next.runId} fence=${next.fencingToken} ${summary.unprocessed.length} tenant\\(s\\) left unprocessed`);
        expect(second.logger.matching(takenFirst)).toHaveLength(1);
        // Done with them: a third run must not find them pending again.
        expect(await redis.exists(pendingKey(prefix, JOB))).toBe(0);
      } finally {
        await second.app.close();
      }
    } finally {
      if (!closeStarted) await first.app.close();
      await redis.close();
      await deleteKeys(REDIS_URL, prefix);
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
    const redis = await connectRedis();
    let closed = false;
    const { app, logger } = await createTestApp({
      providers: [job],
      options: { keyPrefix: prefix, jitter: false, tenantSettings: type, concurrency: 3, shutdownTimeout: 200 },
    });
    try {
      const pendingReport = app.get(CoordinatedCronRunner).trigger(JOB, { occurrence: nextOccurrence() });
      while (started.length < 3) await sleep(5);
      await app.close();
      closed = true;
      const report = await pendingReport;
      const summary = tenantsOf(report);

      expect(report.outcome).toBe('interrupted');
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
      expectEachOnce(await redis.sMembers(pendingKey(prefix, JOB)), tenants);
      const line = logger.matching(/interrupted: unprocessed=/);
      expect(line).toHaveLength(1);
      expect(line[0]).toContain(`run=${report.runId} fence=${report.fencingToken} interrupted: unprocessed=17 ids=${summary.unprocessed.join(',')} `);
      expect(line[0]).toContain(`cut-off=3 cut-off-ids=${summary.failed.map((f) => f.tenantId).join(',')} `);
    } finally {
      if (!closed) await app.close();
      await redis.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });

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
          expect(logger.matching(new RegExp(`job=${JOB} run=${report.runId} fence=${report.fencingToken} tenant=${tenantId} failed: `))).toHaveLength(1);
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
          (l) => l.level === 'error' && l.message.includes(`run=${report.runId} fence=${report.fencingToken} tenant=t-3 isEnabled threw`),
        );
        expect(t3).toHaveLength(1);
        expect(t3[0].message).toContain('settings row corrupt');
        const t4 = new RegExp(`run=${report.runId} fence=${report.fencingToken} tenant=t-4 isEnabled threw, tenant skipped: Error: settings db timeout`);
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
      const line = new RegExp(`^job=${JOB} run=${report.runId} fence=${report.fencingToken} filterEnabled failed, run failed: Error: feature flags unavailable`);
      expect(logger.matching(line)).toHaveLength(1);
    });
  });

  it('gives each tenant its own CLS child context: CronContext names the tenant, and values set in one stay there', async () => {
    const tenants = ids(4);
    const { type } = settingsFor({ tenants: () => tenants });
    const seen = new Map<string, { context?: CronContextValue; before: unknown; after: unknown }>();
    let arrived = 0;
    const allSet = deferred();

    @Injectable()
    class ClsJobs {
      constructor(
        private readonly cls: ClsService,
        private readonly cron: CronContext,
      ) {}

      @CoordinatedCron(JOB, CRON)
      @PerTenant({ concurrency: 4 })
      async handle(tenantId: string) {
        const before = this.cls.get('current-tenant');
        this.cls.set('current-tenant', tenantId);
        // All four run at once and each waits until every one has written: a shared store would show the last write.
        if (++arrived === tenants.length) allSet.resolve();
        await allSet.promise;
        await sleep(1);
        seen.set(tenantId, {
          context: this.cron.get(),
          before,
          after: this.cls.get('current-tenant'),
        });
      }
    }

    await withApp({ providers: [ClsJobs], settings: type }, async ({ app, runner }) => {
      const occurrence = nextOccurrence();
      const report = await runner.trigger(JOB, { occurrence });
      expect(report.outcome).toBe('completed');
      expect([...seen.keys()].sort()).toEqual([...tenants].sort());
      for (const tenantId of tenants) {
        const entry = seen.get(tenantId)!;
        expect(entry.context).toEqual({
          jobName: JOB,
          runId: report.runId,
          occurrence: occurrence.toISOString(),
          instanceId: report.instanceId,
          fencingToken: report.fencingToken,
          tenantId,
        });
        expect(entry.before).toBeUndefined();
        expect(entry.after).toBe(tenantId);
      }
      expect(app.get(CronContext).get()).toBeUndefined();
    });
  });

  describe('boot errors', () => {
    /**
     * NestFactory.createApplicationContext runs the init hooks itself, so both module-option errors (thrown while
     * the options provider is built) and decorator errors (thrown by the explorer's onModuleInit) surface there.
     */
    async function bootError(providers: Type[], options: CoordinatedCronModuleOptions): Promise<string> {
      let booted: INestApplicationContext | undefined;
      try {
        booted = (await createTestApp({ providers, options, cache: 'none' })).app;
      } catch (error) {
        expect(error).toBeInstanceOf(CoordinatedCronConfigurationError);
        return (error as Error).message;
      }
      await booted.close();
      throw new Error('expected the boot to fail');
    }

    const { type: Settings } = settingsFor({ tenants: () => ['a'] });
    const noop = () => undefined;

    it('@PerTenant without @CoordinatedCron names the class and method', async () => {
      @Injectable()
      class Orphan {
        @PerTenant()
        refreshQuotas(_tenantId: string) {
          return undefined;
        }
      }
      const message = await bootError([Orphan], { tenantSettings: Settings });
      expect(message).toBe(
        '(Orphan.refreshQuotas): @PerTenant() needs @CoordinatedCron(name, window) on the same method; ' +
          'add it, or remove @PerTenant().',
      );
    });

    it('@PerTenant with no tenantSettings names the job, class and method', async () => {
      const message = await bootError([tenantJob(noop)], {});
      expect(message).toContain(`Job "${JOB}" (TenantJobs.handle)`);
      expect(message).toContain('needs a tenant settings provider');
      expect(message).toContain('tenantSettings');
    });

    it.each([0, -1, 1.5])('module concurrency %p is rejected when the app is created', async (concurrency) => {
      const message = await bootError([tenantJob(noop)], { tenantSettings: Settings, concurrency });
      expect(message).toBe(
        `CoordinatedCronModule option concurrency ${concurrency} must be a positive integer, e.g. 5.`,
      );
    });

    it.each([0, -1, 1.5])('@PerTenant concurrency %p names the job, class and method', async (concurrency) => {
      const message = await bootError([tenantJob(noop, { concurrency })], { tenantSettings: Settings });
      expect(message).toBe(
        `Job "${JOB}" (TenantJobs.handle): @PerTenant concurrency ${concurrency} must be a positive integer, e.g. 5.`,
      );
    });

    it('an unparseable module tenantTimeout is rejected when the app is created', async () => {
      const message = await bootError([tenantJob(noop)], { tenantSettings: Settings, tenantTimeout: 'a while' });
      expect(message).toContain('CoordinatedCronModule option tenantTimeout "a while" is not a duration');
    });

    it('an unparseable @PerTenant tenantTimeout names the job, class and method', async () => {
      const message = await bootError([tenantJob(noop, { tenantTimeout: 'a while' })], { tenantSettings: Settings });
      expect(message).toContain(
        `Job "${JOB}" (TenantJobs.handle): @PerTenant tenantTimeout "a while" is not a duration`,
      );
      expect(message).toContain("'30s'");
    });
  });
});
