import 'reflect-metadata';
import KeyvRedis from '@keyv/redis';
import { CacheModule } from '@nestjs/cache-manager';
import { Injectable, Module, type DynamicModule, type INestApplicationContext, type LoggerService, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { ClsModule } from 'nestjs-cls';
import type { CoordinatedCronModuleOptions, CoordinatedCronRunner, CronRun, JobRunReport, TenantSettingsProvider } from 'nestjs-coordinated-cron';
import { loadLibrary } from './library';

/** A schedule that is never due while the bench runs (1 January): these jobs run only through trigger(). */
export const NEVER = '0 0 1 1 *';

/**
 * The window of a job that runs only through `trigger()`, of past occurrences (see lib/occurrences.ts). Catch-up is
 * off: once an occurrence of 2020 is in the job's ledger, the instance would otherwise find the schedule's latest tick
 * (the last 1 January) missed and run it late, and that run would hold the lease against the bench's own triggers.
 * An explicit lockTtl keeps the claims independent of how far those dates are from now.
 */
export const TRIGGERED = { cron: NEVER, lockTtl: '10m', catchup: 'none' } as const;

/**
 * The app every bench child builds: the imports a user of the library writes (README quick start), with Nest's
 * default logger and levels, plus `imports`. The app's cache is a `@keyv/redis` store on `url` (`cacheStore` when
 * given); `cacheStore: null` leaves CacheModule out (an app whose lock lives in PostgreSQL needs no Redis). `logger`
 * replaces Nest's default logger. Resolves how long `createApplicationContext` (which includes init()) took.
 */
export async function createApp(opts: {
  url?: string;
  providers?: Provider[];
  imports?: DynamicModule[];
  cacheStore?: KeyvRedis<unknown> | null;
  logger?: LoggerService;
}): Promise<{ app: INestApplicationContext; store: KeyvRedis<unknown> | null; bootMs: number }> {
  const store = opts.cacheStore === null ? null : (opts.cacheStore ?? new KeyvRedis(opts.url));

  @Module({
    imports: [
      ScheduleModule.forRoot(),
      ClsModule.forRoot({ global: true }),
      ...(store ? [CacheModule.register({ stores: [store], isGlobal: true })] : []),
      ...(opts.imports ?? []),
    ],
    providers: opts.providers ?? [],
  })
  class BenchAppModule {}

  const t0 = performance.now();
  const app = await NestFactory.createApplicationContext(BenchAppModule, opts.logger ? { logger: opts.logger } : {});
  return { app, store, bootMs: performance.now() - t0 };
}

/** A provider with `count` job methods, each decorated the way TypeScript's emitted code would (Reflect.decorate). */
export function jobsClass(count: number, decoratorFor: (i: number) => MethodDecorator): new () => object {
  @Injectable()
  class GeneratedJobs {}
  const proto = GeneratedJobs.prototype as Record<string, unknown>;
  for (let i = 0; i < count; i++) {
    const key = `job${i}`;
    Object.defineProperty(proto, key, { value: async () => undefined, writable: true, configurable: true });
    const descriptor = Object.getOwnPropertyDescriptor(proto, key) as PropertyDescriptor;
    const decorated = Reflect.decorate([decoratorFor(i)], proto, key, descriptor) as PropertyDescriptor | undefined;
    Object.defineProperty(proto, key, decorated ?? descriptor);
  }
  return GeneratedJobs;
}

/**
 * A settings provider that lists whatever `listed.ids` holds when asked and enables every tenant through the batch
 * form: a warm-up can run on a short list, and the measured run on the whole one, in one app.
 */
export function listedTenantSettings(listed: { ids: readonly string[] }): new () => TenantSettingsProvider {
  @Injectable()
  class BenchTenantSettings implements TenantSettingsProvider {
    listTenants(): readonly string[] {
      return listed.ids;
    }
    isEnabled(): boolean {
      return true;
    }
    filterEnabled(_jobName: string, tenantIds: string[]): Promise<string[]> {
      return Promise.resolve(tenantIds);
    }
  }
  return BenchTenantSettings;
}

/**
 * One `@PerTenant()` job on a never-due schedule, run only through `trigger`, over whatever `listed.ids` holds at
 * trigger time (so a warm-up can run on a short list without rebuilding the app): figures 1, 2 and 8 drive the
 * library's whole per-tenant path this way. The settings provider enables every tenant through the batch form.
 */
export async function perTenantJobApp(opts: {
  url?: string;
  keyPrefix: string;
  instanceId: string;
  jobName: string;
  concurrency: number;
  handler: (tenantId: string, run: CronRun) => Promise<unknown>;
  listed: { ids: readonly string[] };
  cacheStore?: KeyvRedis<unknown> | null;
  /** Further module options of the figure under test (e.g. `traceTenants`); the rest stay at their defaults. */
  moduleOptions?: Partial<CoordinatedCronModuleOptions>;
}): Promise<{ app: INestApplicationContext; runner: CoordinatedCronRunner }> {
  const { CoordinatedCronModule, CoordinatedCron, PerTenant, CoordinatedCronRunner } = loadLibrary();
  const { handler } = opts;
  const BenchTenantSettings = listedTenantSettings(opts.listed);

  @Injectable()
  class PerTenantJobs {
    @CoordinatedCron(opts.jobName, TRIGGERED)
    @PerTenant({ concurrency: opts.concurrency })
    perTenant(tenantId: string, run: CronRun): Promise<unknown> {
      return handler(tenantId, run);
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
