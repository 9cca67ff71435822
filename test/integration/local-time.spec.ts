/** @jest-environment ./test/support/real-process-environment.cjs */
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import {
  CoordinatedCron,
  CoordinatedCronRunner,
  type CronRun,
  InvalidJobCommandError,
  type ListTenantsContext,
  PerTenant,
  type TenantEntry,
  type TenantSettingsProvider,
} from '../../src/index.js';
import { CapturingLogger, createTestApp } from '../support/app.js';
import { expectPartition } from '../support/tenants.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';

const TENANTS: Array<string | TenantEntry> = [
  { id: 'utc-1', timeZone: 'UTC' },
  { id: 'kolkata-1', timeZone: 'Asia/Kolkata' },
  { id: 'kolkata-2', timeZone: 'Asia/Kolkata' },
  { id: 'st-johns-1', timeZone: 'America/St_Johns' },
  { id: 'kathmandu-1', timeZone: 'Asia/Kathmandu' },
  // No zone: the window's zone (UTC here).
  'plain-1',
  { id: 'bad-1', timeZone: 'Mars/Olympus' },
];

const opened: INestApplicationContext[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((app) => app.close()));
});

async function instance() {
  const ran: string[] = [];
  const told: ListTenantsContext[] = [];
  @Injectable()
  class Settings implements TenantSettingsProvider {
    listTenants(_job: string, context: ListTenantsContext) {
      told.push(context);
      return TENANTS;
    }
    isEnabled() {
      return true;
    }
  }
  @Injectable()
  class Jobs {
    // 09:00 on each tenant's own clock, every day.
    @CoordinatedCron('digest', { cron: '0 9 * * *', timeZone: 'UTC', catchup: 'none' })
    @PerTenant({ localTime: true })
    send(tenantId: string, { context }: CronRun) {
      ran.push(`${tenantId}@${context.occurrence}`);
    }
  }
  const logger = new CapturingLogger();
  const { app } = await createTestApp({
    providers: [Jobs, Settings],
    cache: 'none',
    options: { tenantSettings: Settings, instanceId: 'tz' },
    logger,
  });
  opened.push(app);
  return { runner: app.get(CoordinatedCronRunner), ran, told, logger };
}

describe("@PerTenant({ localTime: true }): the cron read in each tenant's zone", () => {
  failOnUnhandledRejections();

  it("at 09:00 in Kolkata only Kolkata's tenants run and are counted; the provider is told the zones due", async () => {
    const { runner, ran, told } = await instance();
    const occurrence = new Date('2026-11-30T03:30:00Z');
    const report = await runner.trigger('digest', { occurrence });
    expect(ran.sort()).toEqual(['kolkata-1@2026-11-30T03:30:00.000Z', 'kolkata-2@2026-11-30T03:30:00.000Z']);
    // Tenants listed but not due are neither run nor reported (not even as disabled); the unknown zone is reported
    // at the ticks of the zone of tenants without one, not at every instant.
    expect(report.tenants?.total).toBe(2);
    expectPartition(report.tenants, ['kolkata-1', 'kolkata-2']);
    expect(told).toHaveLength(1);
    expect(told[0].occurrence).toEqual(occurrence);
    expect(told[0].timeZones).toEqual(expect.arrayContaining(['Asia/Kolkata', 'Asia/Calcutta']));
    expect(told[0].timeZones).not.toContain('UTC');
  });

  it('at 09:00 UTC the UTC tenants and those without a zone run; a tenant with an unknown zone fails, named', async () => {
    const { runner, ran, logger } = await instance();
    const report = await runner.trigger('digest', { occurrence: new Date('2026-11-30T09:00:00Z') });
    expect(ran.sort()).toEqual(['plain-1@2026-11-30T09:00:00.000Z', 'utc-1@2026-11-30T09:00:00.000Z']);
    expect(report.outcome).toBe('completed');
    expect(report.tenants?.failed).toEqual([
      { tenantId: 'bad-1', error: 'unknown time zone "Mars/Olympus"; give an IANA zone such as \'Europe/Berlin\'' },
    ]);
    expectPartition(report.tenants, ['utc-1', 'plain-1', 'bad-1']);
    expect(logger.matching(/tenant=bad-1 failed: Error: unknown time zone "Mars\/Olympus"/)).toHaveLength(1);
  });

  it('half-hour and 45-minute zones run at their own instants', async () => {
    const { runner, ran } = await instance();
    await runner.trigger('digest', { occurrence: new Date('2026-11-30T03:15:00Z') });
    await runner.trigger('digest', { occurrence: new Date('2026-11-30T12:30:00Z') });
    expect(ran.sort()).toEqual(['kathmandu-1@2026-11-30T03:15:00.000Z', 'st-johns-1@2026-11-30T12:30:00.000Z']);
  });

  it("describe() lists the next instants with the zones due at each; nextRuns gives one zone's runs", async () => {
    const { runner } = await instance();
    const described = await runner.describe('digest');
    expect(described.localTime).toBe(true);
    expect(described.nextTicks).toHaveLength(5);
    for (const tick of described.nextTicks ?? []) {
      expect(tick.timeZones.length).toBeGreaterThan(0);
      expect(Date.parse(tick.at)).toBeGreaterThan(Date.now());
    }
    expect(described.nextTicks?.map((tick) => tick.at)).toEqual(described.nextOccurrences);
    const kolkata = runner.nextRuns('digest', { timeZone: 'Asia/Kolkata', count: 3 });
    expect(kolkata).toHaveLength(3);
    for (const run of kolkata) expect(run.toISOString()).toMatch(/T03:30:00\.000Z$/);
    expect(runner.nextRuns('digest', { count: 1 })[0].toISOString()).toMatch(/T09:00:00\.000Z$/);
    expect(() => runner.nextRuns('digest', { timeZone: 'Mars/Olympus' })).toThrow(InvalidJobCommandError);
  });
});
