/** Shared pieces of the @PerTenant integration specs (test/integration/per-tenant-*.spec.ts). */
import { Injectable, type INestApplicationContext, type Type } from '@nestjs/common';
import {
  CoordinatedCron,
  type CoordinatedCronModuleOptions,
  CoordinatedCronRunner,
  type CronRun,
  type JobRunReport,
  PerTenant,
  type PerTenantOptions,
  type TenantSettingsProvider,
} from '../../src/index.js';
import { CapturingLogger, createTestApp } from './app.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './redis.js';

export const JOB = 'tenant-sync';
export const CRON = '0 0 1 1 *';

export const ids = (n: number) => Array.from({ length: n }, (_, i) => `t-${i}`);

export let day = 0;
/** A fresh daily occurrence per call: a claimed occurrence is never run twice, so every trigger needs its own. */
export const nextOccurrence = () => new Date(Date.UTC(2026, 0, 1 + day++, 3));

/** What a test's tenant settings provider answers; the class itself is built per test because Nest wants a type. */
export interface TenantSource {
  tenants: () => Iterable<string> | Promise<Iterable<string>>;
  isEnabled?: (tenantId: string) => boolean | Promise<boolean>;
  /** Present: the provider has the batch form. */
  filterEnabled?: (tenantIds: string[]) => Promise<string[]>;
}

export interface SettingsCalls {
  listTenants: string[];
  isEnabled: number;
  filterEnabled: number;
}

export function settingsFor(source: TenantSource): { type: Type<TenantSettingsProvider>; calls: SettingsCalls } {
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

export type TenantHandler = (tenantId: string, run: CronRun) => unknown;

/** A provider with one per-tenant job that forwards each call to the test's handler. */
export function tenantJob(handler: TenantHandler, perTenant: PerTenantOptions = {}): Type {
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

export interface Booted {
  app: INestApplicationContext;
  logger: CapturingLogger;
  runner: CoordinatedCronRunner;
}

/** Boots a real app on the shared Redis under a key prefix of its own, and always closes and cleans up. */
export async function withApp(
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

export function tenantsOf(report: JobRunReport) {
  expect(report.tenants).toBeDefined();
  return report.tenants!;
}

export function countBy(items: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

/** Every id in `expected` appears exactly once in `actual`, and nothing else does. */
export function expectEachOnce(actual: readonly string[], expected: readonly string[]) {
  expect(actual).toHaveLength(expected.length);
  expect([...countBy(actual).values()].every((n) => n === 1)).toBe(true);
  expect([...actual].sort()).toEqual([...expected].sort());
}
