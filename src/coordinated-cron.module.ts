import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { COORDINATED_CRON_RESOLVED_OPTIONS } from './common/constants.js';
import {
  ASYNC_OPTIONS_TYPE,
  ConfigurableModuleClass,
  COORDINATED_CRON_MODULE_OPTIONS,
  OPTIONS_TYPE,
} from './coordinated-cron.module-definition.js';
import { resolveModuleOptions } from './options/module-options.js';
import { CronContext } from './context/cron-context.js';
import { CronContextStore } from './context/cron-context.store.js';
import { CoordinatedCronExplorer } from './discovery/coordinated-cron.explorer.js';
import { CoordinatedCronRegistry } from './definition/coordinated-cron.registry.js';
import { CoordinatedCronRunner } from './execution/coordinated-cron.runner.js';
import { DrainBeforeCacheDisconnect } from './execution/drain-before-cache-disconnect.js';
import { RunLog } from './execution/run-log.js';
import { PendingTenants } from './execution/tenants/pending-tenants.js';
import { OccurrenceExecutor } from './execution/occurrence.executor.js';
import { ClaimedRunExecutor } from './execution/claimed-run.executor.js';
import { QueuedRuns } from './execution/overlap/queued-runs.js';
import { LockFailurePolicy } from './execution/lock-failure.policy.js';
import { CrashTakeover } from './execution/recovery/crash-takeover.js';
import { StoreOutage } from './execution/recovery/store-outage.js';
import { RunReporter } from './execution/run-reporter.js';
import { StoreClock } from './execution/store-clock.js';
import { SchedulesInForce } from './execution/schedules-in-force.js';
import { JobDescriber } from './execution/job-describer.js';
import { Clock } from './common/clock.js';
import { Telemetry } from './execution/telemetry.js';
import { ShutdownCoordinator } from './execution/shutdown.coordinator.js';
import { TenantFanOutExecutor } from './execution/tenants/tenant-fan-out.executor.js';
import { LockStoreProvider } from './store/lock-store.provider.js';
import { type CoordinatedCronModuleOptions } from './interfaces/index.js';
import { CoordinatedCronLock } from './coordination/coordinated-cron.lock.js';
import { CoordinatedCronScheduler } from './scheduling/coordinated-cron.scheduler.js';

/**
 * Turns `@CoordinatedCron` methods into cron jobs that run on exactly one instance per occurrence.
 * The app imports `ScheduleModule.forRoot()` and `ClsModule.forRoot({ global: true })` itself; `CacheModule` with
 * a `@keyv/redis` store makes the lock shared across instances.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: COORDINATED_CRON_RESOLVED_OPTIONS,
      useFactory: (options: CoordinatedCronModuleOptions) => resolveModuleOptions(options),
      inject: [COORDINATED_CRON_MODULE_OPTIONS],
    },
    CoordinatedCronRegistry,
    CoordinatedCronExplorer,
    Clock,
    CronContextStore,
    CronContext,
    ShutdownCoordinator,
    RunLog,
    LockStoreProvider,
    CoordinatedCronLock,
    DrainBeforeCacheDisconnect,
    PendingTenants,
    TenantFanOutExecutor,
    Telemetry,
    StoreClock,
    LockFailurePolicy,
    RunReporter,
    QueuedRuns,
    ClaimedRunExecutor,
    StoreOutage,
    SchedulesInForce,
    CrashTakeover,
    OccurrenceExecutor,
    JobDescriber,
    CoordinatedCronRunner,
    CoordinatedCronScheduler,
  ],
  exports: [CronContext, CoordinatedCronRunner],
})
export class CoordinatedCronModule extends ConfigurableModuleClass {
  static override forRoot(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }

  static override forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    return super.forRootAsync(options);
  }
}
