import KeyvRedis, { createCluster, createSentinel } from '@keyv/redis';
import { CacheModule } from '@nestjs/cache-manager';
import { DynamicModule, Module, Type } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import {
  CoordinatedCronAdminModule,
  CoordinatedCronModule,
  type CoordinatedCronModuleOptions,
} from 'nestjs-coordinated-cron';
import { ClsModule } from 'nestjs-cls';
import { AccountTenantSettings } from './accounts/account-tenant-settings.js';
import { AccountsModule } from './accounts/accounts.module.js';
import { AdminModule } from './admin/admin.module.js';
import { AdminTokenGuard } from './admin/admin-token.guard.js';
import { AnnouncementCleanupJob } from './announcements/announcement-cleanup.job.js';
import { AnnouncementsModule } from './announcements/announcements.module.js';
import { AutomationSchedulerJob } from './automations/automation-scheduler.job.js';
import { AutomationsModule } from './automations/automations.module.js';
import { BillingArchiveJob } from './billing/billing-archive.job.js';
import { BillingModule } from './billing/billing.module.js';
import { SampleConfigModule } from './config/config.module.js';
import {
  ANNOUNCEMENT_CLEANUP,
  AUTOMATION_SCHEDULER,
  BILLING_ARCHIVE,
  DAILY_DIGEST,
  JobName,
  LOG_CLEANUP,
  SAMPLE_CONFIG,
  SampleConfig,
} from './config/sample-config.js';
import { DatabaseModule } from './database/database.module.js';
import { DailyDigestJob } from './digests/daily-digest.job.js';
import { postgresLock } from './database/postgres-lock.js';
import { JobRunsModule } from './job-runs/job-runs.module.js';
import { LogCleanupJob } from './logs/log-cleanup.job.js';
import { LogsModule } from './logs/logs.module.js';

const JOB_PROVIDERS: Record<JobName, Type> = {
  [LOG_CLEANUP]: LogCleanupJob,
  [ANNOUNCEMENT_CLEANUP]: AnnouncementCleanupJob,
  [BILLING_ARCHIVE]: BillingArchiveJob,
  [AUTOMATION_SCHEDULER]: AutomationSchedulerJob,
  [DAILY_DIGEST]: DailyDigestJob,
};

export function coordinatedCronOptions(config: SampleConfig): CoordinatedCronModuleOptions {
  return {
    keyPrefix: config.keyPrefix,
    instanceId: config.instanceId,
    concurrency: config.concurrency,
    shutdownTimeout: config.shutdownTimeoutMs,
    leaseTtl: config.leaseTtlMs,
    lockTimeout: config.lockTimeoutMs,
    tenantTimeout: config.tenantTimeoutMs,
    tenantSettings: AccountTenantSettings,
    scheduling: config.scheduling,
    ...postgresLock(),
  };
}

/** The shared cache (and with it the lock store): a Redis Cluster, a Sentinel group, one Redis, or none. */
function redisCache(config: SampleConfig): DynamicModule[] {
  if (config.redisSentinels && config.redisSentinels.length > 0) {
    const sentinel = createSentinel({ name: config.redisSentinelName, sentinelRootNodes: config.redisSentinels });
    return [CacheModule.register({ isGlobal: true, stores: [new KeyvRedis(sentinel)] })];
  }
  if (config.redisClusterNodes && config.redisClusterNodes.length > 0) {
    const cluster = createCluster({ rootNodes: config.redisClusterNodes.map((url) => ({ url })) });
    return [CacheModule.register({ isGlobal: true, stores: [new KeyvRedis(cluster)] })];
  }
  if (config.redisUrl) return [CacheModule.register({ isGlobal: true, stores: [new KeyvRedis(config.redisUrl)] })];
  return [];
}

/**
 * The feature modules hold the data access; the job classes (one per feature folder) are registered here, from the
 * config, so that a demo or a test can run a subset of them (SAMPLE_JOBS).
 */
@Module({})
export class AppModule {
  static register(config: SampleConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SampleConfigModule,
        // The library asks the app for these two rather than configuring them itself.
        ScheduleModule.forRoot(),
        ClsModule.forRoot({ global: true }),
        // With a Redis store in the cache, the library claims occurrences on that Redis; without it every
        // instance only deduplicates against itself, which is right for one process and wrong for several.
        ...redisCache(config),
        DatabaseModule,
        JobRunsModule,
        AccountsModule,
        LogsModule,
        AnnouncementsModule,
        BillingModule,
        AutomationsModule,
        CoordinatedCronModule.forRootAsync({
          imports: [AccountsModule],
          inject: [SAMPLE_CONFIG],
          useFactory: coordinatedCronOptions,
        }),
        AdminModule,
        // The operator page at /cron and its JSON API, behind the sample's token guard.
        CoordinatedCronAdminModule.forRoot({ path: 'cron', guards: [AdminTokenGuard] }),
      ],
      providers: [...config.jobs].map((job) => JOB_PROVIDERS[job]),
    };
  }
}
