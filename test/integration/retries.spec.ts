/** @jest-environment ./test/support/real-process-environment.cjs */
import { Injectable, type INestApplicationContext, type Type } from '@nestjs/common';
import {
  CoordinatedCron,
  type CoordinatedCronModuleOptions,
  CoordinatedCronRunner,
  type CronRun,
  type CronWindow,
  InvalidJobCommandError,
  PerTenant,
} from '../../src/index.js';
import { type CapturingLogger, createTestApp } from '../support/app.js';
import { countBy } from '../support/per-tenant.js';
import { uniquePrefix } from '../support/redis.js';
import { STORE_TARGETS, type StoreTarget } from '../support/store-targets.js';
import { expectPartition, staticTenants, tenantIds } from '../support/tenants.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';
import { deferred } from '../support/wait.js';

const YEARLY = '0 0 1 1 *';
let day = 0;
/** A fresh occurrence per run; the yearly schedule's next window (2027) is far enough for any retry. */
const nextOccurrence = () => new Date(Date.UTC(2026, 0, 1 + day++, 3));

/** One call of a handler: which tenant (or `-` for a plain job), which try, and what the CLS context said. */
interface Call {
  tenantId: string;
  try: number;
  contextTry?: number;
}

/** A provider with a plain job and a per-tenant job, both calling `behave` and recording every call. */
function jobs(window: Partial<CronWindow>, behave: (call: Call) => unknown, calls: Call[]): Type {
  @Injectable()
  class RetryingJobs {
    @CoordinatedCron('plain', { cron: YEARLY, catchup: 'none', ...window })
    plain({ try: call, context }: CronRun) {
      const entry = { tenantId: '-', try: call, contextTry: context.try };
      calls.push(entry);
      return behave(entry);
    }

    @CoordinatedCron('tenants', { cron: YEARLY, catchup: 'none', ...window })
    @PerTenant({ concurrency: 4, tenantTimeout: 1_000 })
    tenants(tenantId: string, { try: call, context }: CronRun) {
      const entry = { tenantId, try: call, contextTry: context.try };
      calls.push(entry);
      return behave(entry);
    }
  }
  return RetryingJobs;
}

describe.each(STORE_TARGETS)('retries of only what failed ($name)', (target: StoreTarget) => {
  failOnUnhandledRejections();
  // Apps close before the target's own clean-up: a pool ends only once the app gave back its connections.
  const opened: INestApplicationContext[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((app) => app.close()));
  });
  target.use();

  async function instance(
    prefix: string,
    provider: Type,
    options: CoordinatedCronModuleOptions = {},
  ): Promise<{ runner: CoordinatedCronRunner; logger: CapturingLogger }> {
    const { app, logger } = await createTestApp({
      providers: [provider],
      ...target.app(prefix, { tenantSettings: staticTenants(TENANTS), scheduling: false, ...options }),
    });
    opened.push(app);
    return { runner: app.get(CoordinatedCronRunner), logger };
  }

  const TENANTS = tenantIds(20);
  const FLAKY = new Set(['t-3', 't-8', 't-15']);

  it('a plain job is called again after the backoff until a call succeeds; the report counts the calls', async () => {
    const calls: Call[] = [];
    const { runner, logger } = await instance(
      uniquePrefix('retry-plain'),
      jobs(
        { retry: { attempts: 4, backoff: 20 } },
        ({ try: n }) => {
          if (n < 3) throw new Error(`call ${n} failed`);
        },
        calls,
      ),
    );
    const report = await runner.trigger('plain', { occurrence: nextOccurrence() });
    expect(report.outcome).toBe('completed');
    expect(report.tries).toBe(3);
    expect(calls.map((c) => [c.try, c.contextTry])).toEqual([
      [1, undefined],
      [2, 2],
      [3, 3],
    ]);
    expect(logger.matching(/ calling again in \d+ms \(try 2\)$/)).toHaveLength(1);
    expect(
      logger.matching(new RegExp(`run=${report.runId} fence=\\d+ try=2 failed: Error: call 2 failed`)),
    ).toHaveLength(1);
    expect(logger.matching(/ outcome=completed tries=3 /)).toHaveLength(1);
  });

  it('a plain job that keeps failing is called attempts times, then fails with the last error', async () => {
    const calls: Call[] = [];
    const { runner } = await instance(
      uniquePrefix('retry-plain-fails'),
      jobs({ retry: { attempts: 3, backoff: '10ms' } }, ({ try: n }) => Promise.reject(new Error(`no ${n}`)), calls),
    );
    const report = await runner.trigger('plain', { occurrence: nextOccurrence() });
    expect(report.outcome).toBe('failed');
    expect(report.tries).toBe(3);
    expect(report.error).toBe('Error: no 3');
    expect(calls).toHaveLength(3);
  });

  it('no retry starts at or past the opening of the next window: the run fails with its one call', async () => {
    const calls: Call[] = [];
    // Every second: the next window opens within a second, and a backoff of a minute never fits before it.
    const { runner, logger } = await instance(
      uniquePrefix('retry-deadline'),
      jobs(
        { cron: '* * * * * *', retry: { attempts: 5, backoff: '1m' } },
        () => {
          throw new Error('down');
        },
        calls,
      ),
    );
    const occurrence = new Date(Math.floor(Date.now() / 1000) * 1000);
    const report = await runner.trigger('plain', { occurrence });
    expect(report.outcome).toBe('failed');
    expect(report.tries).toBe(1);
    expect(calls).toHaveLength(1);
    expect(
      logger.matching(/ failed call\(s\) are not retried: the next try would start after the job's next/),
    ).toHaveLength(1);
  });

  it('a per-tenant run calls again only the tenants that failed, each until it succeeds; each flaky tenant twice', async () => {
    const calls: Call[] = [];
    const { runner, logger } = await instance(
      uniquePrefix('retry-tenants'),
      jobs(
        { retry: { attempts: 3, backoff: 20 } },
        ({ tenantId, try: n }) => {
          if (FLAKY.has(tenantId) && n === 1) throw new Error(`${tenantId} flaked`);
        },
        calls,
      ),
    );
    const report = await runner.trigger('tenants', { occurrence: nextOccurrence() });
    expect(report.outcome).toBe('completed');
    expectPartition(report.tenants, TENANTS);
    expect(report.tenants?.failed).toEqual([]);
    expect([...(report.tenants?.retried ?? [])].sort()).toEqual([...FLAKY].sort());
    const perTenant = countBy(calls.map((c) => c.tenantId));
    for (const tenant of TENANTS) expect([tenant, perTenant.get(tenant)]).toEqual([tenant, FLAKY.has(tenant) ? 2 : 1]);
    // The retried call knows it is the second, and so does everything logged inside it.
    expect(calls.filter((c) => c.try === 2).every((c) => c.contextTry === 2 && FLAKY.has(c.tenantId))).toBe(true);
    expect(logger.matching(/ 3 failed tenant\(s\) are called again in \d+ms \(try 2\)$/)).toHaveLength(1);
    expect(logger.matching(/ tenant=t-8 failed: Error: t-8 flaked$/)).toHaveLength(1);
    expect(logger.matching(/ retried=3 /)).toHaveLength(1);
    // Nothing failed in the end: nothing is kept for retryFailed.
    expect((await runner.describe('tenants')).failedTenants).toBeUndefined();
  });

  it('a tenant that fails every try, or times out, ends failed with its last error after attempts calls', async () => {
    const calls: Call[] = [];
    const { runner, logger } = await instance(
      uniquePrefix('retry-tenants-fail'),
      jobs(
        { retry: { attempts: 3, backoff: 10 } },
        async ({ tenantId, try: n }) => {
          if (tenantId === 't-0') throw new Error(`t-0 down (try ${n})`);
          // A tenant that hangs past tenantTimeout on its first call counts as failed, and its retry succeeds.
          if (tenantId === 't-1' && n === 1) await new Promise((resolve) => setTimeout(resolve, 1_500));
        },
        calls,
      ),
    );
    const occurrence = nextOccurrence();
    const report = await runner.trigger('tenants', { occurrence });
    expect(report.outcome).toBe('completed');
    expectPartition(report.tenants, TENANTS);
    expect(report.tenants?.failed).toEqual([{ tenantId: 't-0', error: 'Error: t-0 down (try 3)' }]);
    expect([...(report.tenants?.retried ?? [])].sort()).toEqual(['t-0', 't-1']);
    expect(calls.filter((c) => c.tenantId === 't-0').map((c) => c.try)).toEqual([1, 2, 3]);
    expect(calls.filter((c) => c.tenantId === 't-1').map((c) => c.try)).toEqual([1, 2]);
    expect(logger.matching(/ tenant=t-0 try=3 failed: Error: t-0 down \(try 3\)$/)).toHaveLength(1);
    // The failure is kept for an operator's retry.
    expect((await runner.describe('tenants')).failedTenants).toEqual({
      occurrence: occurrence.toISOString(),
      count: 1,
    });
  });

  it('retryFailed from another instance runs exactly the failed tenants once, and records what still fails', async () => {
    const calls: Call[] = [];
    const broken = ['t-2', 't-5', 't-11'];
    let failing = new Set(broken);
    const prefix = uniquePrefix('retry-failed');
    const provider = jobs(
      {},
      ({ tenantId }) => {
        if (failing.has(tenantId)) throw new Error(`${tenantId} broken`);
      },
      calls,
    );
    const a = await instance(prefix, provider, { instanceId: 'a' });
    const b = await instance(prefix, provider, { instanceId: 'b' });
    const occurrence = nextOccurrence();
    const first = await a.runner.trigger('tenants', { occurrence });
    expect(first.tenants?.failed.map((f) => f.tenantId).sort()).toEqual([...broken].sort());
    expect(calls).toHaveLength(TENANTS.length);
    expect(await b.runner.describe('tenants')).toMatchObject({
      failedTenants: { occurrence: occurrence.toISOString(), count: 3 },
    });

    calls.length = 0;
    failing = new Set(['t-5']);
    const retry = await b.runner.retryFailed('tenants');
    expect(retry.instanceId).toBe('b');
    expect(retry.retryOf).toBe(occurrence.toISOString());
    expect(retry.occurrence).toBe(occurrence.toISOString());
    expect(retry.fencingToken).toBeGreaterThan(first.fencingToken);
    expect(retry.tenants?.total).toBe(3);
    expect([...retry.tenants!.succeeded].sort()).toEqual(['t-11', 't-2']);
    expect(retry.tenants?.failed.map((f) => f.tenantId)).toEqual(['t-5']);
    expect(calls.map((c) => c.tenantId).sort()).toEqual(['t-11', 't-2', 't-5']);
    expect((await a.runner.describe('tenants')).failedTenants).toEqual({
      occurrence: occurrence.toISOString(),
      count: 1,
    });

    failing = new Set();
    const again = await a.runner.retryFailed('tenants', { occurrence });
    expect(again.tenants?.succeeded).toEqual(['t-5']);
    expect((await a.runner.describe('tenants')).failedTenants).toBeUndefined();
    await expect(a.runner.retryFailed('tenants')).rejects.toThrow(InvalidJobCommandError);
    await expect(a.runner.retryFailed('tenants')).rejects.toThrow(/no failed tenants are recorded/);
    await expect(a.runner.retryFailed('plain')).rejects.toThrow(/not a @PerTenant\(\) job/);
  });

  it('a run that takes over a crashed one goes on with its retries and never runs a finished tenant again', async () => {
    const calls: Call[] = [];
    const prefix = uniquePrefix('retry-takeover');
    const probe = await target.probe(prefix);
    const occurrence = nextOccurrence();
    // The crashed holder, as the store saw it: it claimed the occurrence, finished ten tenants, left three waiting
    // for their second try, and stopped renewing its lease.
    const claimed = await probe.claim({
      job: 'tenants',
      occurrence,
      token: 'crashed-instance:crashed-run',
      runId: 'crashed-run',
      owner: 'crashed-instance',
      ttls: { claimUntil: new Date(Date.now() + 60_000), claimMinMs: 60_000, leaseMs: 600, ledgerMs: 60_000 },
    });
    expect(claimed.kind).toBe('won');
    const finished = TENANTS.slice(0, 10);
    await probe.addProgress('tenants', occurrence, finished, 60_000);
    const waiting = ['t-12', 't-13', 't-14'];
    await probe.addRetries(
      'tenants',
      occurrence,
      waiting.map((tenantId) => ({ tenantId, tries: 1 })),
      60_000,
    );

    const resumedRun = deferred();
    const b = await instance(
      prefix,
      jobs(
        { retry: { attempts: 3, backoff: 10 } },
        () => {
          if (calls.length === TENANTS.length - finished.length) resumedRun.resolve();
        },
        calls,
      ),
      { instanceId: 'b' },
    );
    // b learns from its claim that the occurrence runs elsewhere, watches the lease, and takes it over once it expires.
    const loser = await b.runner.trigger('tenants', { occurrence });
    expect(loser.skipReason).toBe('duplicate');
    await resumedRun.promise;
    const byTenant = new Map(calls.map((c) => [c.tenantId, c.try]));
    // The finished ten are not run again; the waiting three get their second call, the rest their first.
    expect(finished.filter((t) => byTenant.has(t))).toEqual([]);
    expect(waiting.map((t) => byTenant.get(t))).toEqual([2, 2, 2]);
    expect(
      TENANTS.slice(10)
        .filter((t) => !waiting.includes(t))
        .map((t) => byTenant.get(t)),
    ).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(calls).toHaveLength(10);
  });
});
