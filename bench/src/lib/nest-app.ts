import 'reflect-metadata';
import KeyvRedis from '@keyv/redis';
import { CacheModule } from '@nestjs/cache-manager';
import { Injectable, Module, type DynamicModule, type INestApplicationContext, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { ClsModule } from 'nestjs-cls';
import type { CoordinatedCronModuleOptions, CoordinatedCronRunner, JobRunReport, TenantSettingsProvider } from 'nestjs-coordinated-cron';
import { loadLibrary } from './library';

/** A schedule that is never due while the bench runs (1 January): these jobs run only through trigger(). */
export const NEVER = '0 0 1 1 *';

/**
 * The app every bench child builds: the imports a user of the library writes (README quick start), with Nest's
 * default logger and levels, plus `imports`. Resolves how long `createApplicationContext` (which includes init()) took.
 */
export async function createApp(opts: {
  url: string;
  providers?: Provider[];
  imports?: DynamicModule[];
  cacheStore?: KeyvRedis<unknown>;
}): Promise<{ app: INestApplicationContext; store: KeyvRedis<unknown>; bootMs: number }> {
  const store = opts.cacheStore ?? new KeyvRedis(opts.url);

  @Module({
    imports: [
      ScheduleModule.forRoot(),
      ClsModule.forRoot({ global: true }),
      CacheModule.register({ stores: [store], isGlobal: true }),
      ...(opts.imports ?? []),
    ],
    providers: opts.providers ?? [],
  })
  class BenchAppModule {}

  const t0 = performance.now();
  const app = await NestFactory.createApplicationContext(BenchAppModule);
  return { app, store, bootMs: performance.now() - t0 };
}

/**
 * One `@PerTenant()` job on a never-due schedule, run only through `trigger`, over whatever `listed.ids` holds at
 * trigger time (so a warm-up can run on a short list without rebuilding the app): figures 1, 2 and 8 drive the
 * library's whole per-tenant path this way. The settings provider enables every tenant through the batch form.
 */
export async function perTenantJobApp(opts: {
  url: string;
  keyPrefix: string;
  instanceId: string;
  jobName: string;
  concurrency: number;
  handler: (tenantId: string) => Promise<unknown>;
  listed: { ids: readonly string[] };
  cacheStore?: KeyvRedis<unknown>;
  /** Further module options of the figure under test (e.g. `traceTenants`); the rest stay at their defaults. */
  moduleOptions?: Partial<CoordinatedCronModuleOptions>;
}): Promise<{ app: INestApplicationContext; runner: CoordinatedCronRunner }> {
  const { CoordinatedCronModule, CoordinatedCron, PerTenant, CoordinatedCronRunner } = loadLibrary();
  const { listed, handler } = opts;

  @Injectable()
  class BenchTenantSettings implements TenantSettingsProvider {
    listTenants(): Iterable<string> {
      return listed.ids;
    }
    isEnabled(): boolean {
      return true;
    }
    filterEnabled(_jobName: string, tenantIds: string[]): Promise<string[]> {
      return Promise.resolve(tenantIds);
    }
  }

  @Injectable()
  class PerTenantJobs {
    @CoordinatedCron(opts.jobName, { cron: NEVER, lockTtl: '10m' })
    @PerTenant({ concurrency: opts.concurrency })
    perTenant(tenantId: string): Promise<unknown> {
      return handler(tenantId);
    }
  }

  const { app } = await createApp({
    url: opts.url,
    cacheStore: opts.cacheStore,
    providers: [PerTenantJobs],
    imports: [
      CoordinatedCronModule.forRoot({
        keyPrefix: opts.keyPrefix,
        jitter: false,
        instanceId: opts.instanceId,
        tenantSettings: BenchTenantSettings,
        ...opts.moduleOptions,
      }),
    ],
  });
  return { app, runner: app.get(CoordinatedCronRunner) };
}

/**
 * How many tenants a run reports as succeeded. Above 10,000 tenants a report's id lists keep only their first
 * 10,000 ids and the exact numbers are in `tenants.counts`.
 */
export function succeededCount(report: JobRunReport): number {
  return report.tenants?.counts?.succeeded ?? report.tenants?.succeeded.length ?? 0;
}
