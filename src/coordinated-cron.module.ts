import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { COORDINATED_CRON_RESOLVED_OPTIONS } from './coordinated-cron.constants';
import {
  ASYNC_OPTIONS_TYPE,
  ConfigurableModuleClass,
  COORDINATED_CRON_MODULE_OPTIONS,
  OPTIONS_TYPE,
} from './coordinated-cron.module-definition';
import { resolveModuleOptions } from './coordinated-cron.options';
import { CronContext } from './context/cron-context';
import { CronContextStore } from './context/cron-context.store';
import { CoordinatedCronExplorer } from './discovery/coordinated-cron.explorer';
import { CoordinatedCronRegistry } from './discovery/coordinated-cron.registry';
import { CoordinatedCronRunner } from './execution/coordinated-cron.runner';
import { ErrorReporter } from './execution/error-reporter';
import { OccurrenceExecutor } from './execution/occurrence.executor';
import { ShutdownCoordinator } from './execution/shutdown.coordinator';
import { TenantFanOutExecutor } from './execution/tenant-fan-out.executor';
import { CoordinatedCronModuleOptions } from './interfaces';
import { CoordinatedCronLock } from './locking/coordinated-cron.lock';
import { CoordinatedCronScheduler } from './scheduling/coordinated-cron.scheduler';

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
    CronContextStore,
    CronContext,
    ShutdownCoordinator,
    ErrorReporter,
    CoordinatedCronLock,
    TenantFanOutExecutor,
    OccurrenceExecutor,
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
