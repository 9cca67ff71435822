/** @jest-environment ./test/support/real-process-environment.cjs */
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import {
  CoordinatedCron,
  CoordinatedCronRunner,
  type CronRun,
  InvalidJobCommandError,
  type LockStore,
  PerTenant,
  RedisLockStore,
} from '../../src/index.js';
import { CapturingLogger, createTestApp } from '../support/app.js';
import { connectRedis, deleteKeys, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { expectPartition, staticTenants, tenantIds } from '../support/tenants.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';
import { sleep } from '../support/wait.js';

const TENANTS = tenantIds(6);
let hour = 0;
/** A fresh hourly tick per call: a claimed occurrence never runs twice. */
const nextTick = () => new Date(Date.UTC(2026, 3, 1, 0) + hour++ * 3_600_000);

const opened: INestApplicationContext[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  logger = new CapturingLogger();
  await Promise.all(opened.splice(0).map((app) => app.close()));
  await Promise.all(prefixes.splice(0).map((prefix) => deleteKeys(REDIS_URL, prefix)));
});

/** Nest's Logger is one per process: every app of a test writes to the logger the last one set. */
let logger = new CapturingLogger();

async function instance(prefix: string, name: string, ran: string[], extra: Record<string, unknown> = {}) {
  @Injectable()
  class Jobs {
    @CoordinatedCron('digest', { cron: '0 * * * *', catchup: 'none' })
    @PerTenant({ concurrency: 3 })
    run(tenantId: string, { context }: CronRun) {
      ran.push(`${tenantId}@${context.occurrence}`);
    }

    @CoordinatedCron('plain', { cron: '0 * * * *', catchup: 'none' })
    plain() {}
  }
  const { app } = await createTestApp({
    providers: [Jobs],
    options: { keyPrefix: prefix, instanceId: name, tenantSettings: staticTenants(TENANTS), ...extra },
    logger,
  });
  opened.push(app);
  return { app, runner: app.get(CoordinatedCronRunner), logger };
}

describe('tenants paused one by one, fleet-wide (real Redis)', () => {
  failOnUnhandledRejections();

  it('a tenant paused on one instance is skipped by another, reported paused, and runs again once resumed', async () => {
    const prefix = uniquePrefix('tenant-pause');
    prefixes.push(prefix);
    const ran: string[] = [];
    const a = await instance(prefix, 'a', ran);
    const b = await instance(prefix, 'b', ran);

    await b.runner.pauseTenant('digest', 't-2', { reason: 'debugging a bad import' });
    const paused = await a.runner.trigger('digest', { occurrence: nextTick() });
    expect(paused.outcome).toBe('completed');
    expect(paused.tenants?.paused).toEqual(['t-2']);
    expect(paused.tenants?.succeeded).not.toContain('t-2');
    expect(ran.filter((r) => r.startsWith('t-2@'))).toEqual([]);
    expectPartition(paused.tenants, TENANTS);
    expect(logger.matching(/1 tenant\(s\) paused for this job, skipped/)).toHaveLength(1);
    expect(
      logger.matching(/ outcome=completed tenants=6 succeeded=5 failed=0 disabled=0 unprocessed=0 paused=1 /),
    ).toHaveLength(1);

    const described = await a.runner.describe('digest');
    expect(described.pausedTenants).toEqual({
      total: 1,
      tenants: [{ tenantId: 't-2', reason: 'debugging a bad import', since: expect.any(String), by: 'b' }],
    });

    await a.runner.resumeTenant('digest', 't-2');
    const resumed = await b.runner.trigger('digest', { occurrence: nextTick() });
    expect(resumed.tenants?.paused).toEqual([]);
    expect(resumed.tenants?.succeeded).toContain('t-2');
    expect((await b.runner.describe('digest')).pausedTenants).toEqual({ total: 0, tenants: [] });
  });

  it('a pause with until ends by itself', async () => {
    const prefix = uniquePrefix('tenant-pause-until');
    prefixes.push(prefix);
    const ran: string[] = [];
    const a = await instance(prefix, 'a', ran);
    await a.runner.pauseTenant('digest', 't-0', { until: new Date(Date.now() + 1_000) });
    expect((await a.runner.trigger('digest', { occurrence: nextTick() })).tenants?.paused).toEqual(['t-0']);
    await sleep(1_200);
    expect((await a.runner.trigger('digest', { occurrence: nextTick() })).tenants?.paused).toEqual([]);
  });

  it('reads the pauses in one store call per run, however many tenants are paused', async () => {
    const prefix = uniquePrefix('tenant-pause-calls');
    prefixes.push(prefix);
    const client = await connectRedis();
    try {
      const base = new RedisLockStore(() => client as never, { keyPrefix: prefix });
      let reads = 0;
      const counting: LockStore = Object.assign(Object.create(base) as LockStore, {
        readTenantPauses: (job: string, limit?: number) => {
          reads += 1;
          return base.readTenantPauses(job, limit);
        },
      });
      const ran: string[] = [];
      const a = await instance(prefix, 'a', ran, { lockStore: counting });
      for (const tenantId of ['t-1', 't-3', 't-5']) await a.runner.pauseTenant('digest', tenantId);
      const report = await a.runner.trigger('digest', { occurrence: nextTick() });
      expect([...(report.tenants?.paused ?? [])].sort()).toEqual(['t-1', 't-3', 't-5']);
      expect(reads).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('rejects a tenant command on a job that is not per-tenant, and a bad until', async () => {
    const prefix = uniquePrefix('tenant-pause-bad');
    prefixes.push(prefix);
    const a = await instance(prefix, 'a', []);
    await expect(a.runner.pauseTenant('plain', 't-1')).rejects.toBeInstanceOf(InvalidJobCommandError);
    await expect(a.runner.pauseTenant('digest', '')).rejects.toBeInstanceOf(InvalidJobCommandError);
    await expect(a.runner.pauseTenant('digest', 't-1', { until: 'someday' })).rejects.toThrow(
      /until "someday" is neither a date nor a duration/,
    );
    expect((await a.runner.describe('digest')).pausedTenants?.total).toBe(0);
  });
});
