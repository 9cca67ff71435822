import KeyvRedis from '@keyv/redis';
import { CacheModule } from '@nestjs/cache-manager';
import { Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ClsModule } from 'nestjs-cls';
import {
  CoordinatedCron,
  CoordinatedCronModule,
  CronContext,
  PerTenant,
  type CronRun,
  type TenantSettingsProvider,
} from 'nestjs-coordinated-cron';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppController } from './app.controller';
import { AppService } from './app.service';

// Read from the environment so that each consumer run gets its own Redis keys and a schedule fast enough to
// watch; the defaults let `npm run start` work on its own.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const KEY_PREFIX = process.env.CONSUMER_KEY_PREFIX ?? 'consumer-nest11-cjs';
const SCHEDULE = process.env.CONSUMER_CRON ?? '*/2 * * * * *';
const JITTER_MS = Number(process.env.CONSUMER_JITTER_MS ?? 300);

export const PLAIN_JOB = 'consumer-plain';
export const TENANT_JOB = 'consumer-per-tenant';
export const TENANTS = ['acme', 'globex', 'initech', 'umbrella'];
/** Listed but switched off, so the run must never reach it. */
export const DISABLED_TENANT = 'umbrella';

/** One job body execution, as seen from inside it. */
export interface RunEntry {
  job: string;
  occurrence: string;
  tenant: string | null;
  pid: number;
  instance: string;
  /** What `CronContext` (nestjs-cls) says at the same moment; must agree with the arguments. */
  clsJob: string | null;
  clsTenant: string | null;
}

@Injectable()
export class RunLog {
  readonly entries: RunEntry[] = [];

  record(entry: RunEntry): void {
    this.entries.push(entry);
    console.log(`CONSUMER_RUN ${JSON.stringify(entry)}`);
  }
}

@Injectable()
export class ConsumerTenantSettings implements TenantSettingsProvider {
  async listTenants(): Promise<string[]> {
    return TENANTS;
  }

  isEnabled(_jobName: string, tenantId: string): boolean {
    return tenantId !== DISABLED_TENANT;
  }
}

@Injectable()
export class ConsumerJobs {
  constructor(
    private readonly cronContext: CronContext,
    private readonly runs: RunLog,
  ) {}

  @CoordinatedCron(PLAIN_JOB, { cron: SCHEDULE, jitter: JITTER_MS })
  async plain({ signal, context }: CronRun): Promise<void> {
    this.record(context.jobName, context.occurrence, null, context.instanceId);
    // Long enough that the other process's attempt usually lands while this run still holds its lease.
    await sleep(150, undefined, { signal });
  }

  @CoordinatedCron(TENANT_JOB, { cron: SCHEDULE, jitter: JITTER_MS })
  @PerTenant({ concurrency: 2 })
  async perTenant(tenantId: string, { signal, context }: CronRun): Promise<void> {
    this.record(context.jobName, context.occurrence, tenantId, context.instanceId);
    await sleep(50, undefined, { signal });
  }

  private record(job: string, occurrence: string, tenant: string | null, instance: string): void {
    const cls = this.cronContext.get();
    this.runs.record({
      job,
      occurrence,
      tenant,
      pid: process.pid,
      instance,
      clsJob: cls?.jobName ?? null,
      clsTenant: cls?.tenantId ?? null,
    });
  }
}

@Injectable()
class ShutdownMarker implements OnApplicationShutdown {
  onApplicationShutdown(signal?: string): void {
    console.log(`CONSUMER_SHUTDOWN ${JSON.stringify({ pid: process.pid, signal: signal ?? null })}`);
  }
}

@Module({
  imports: [
    ScheduleModule.forRoot(),
    ClsModule.forRoot({ global: true }),
    // A factory, not register(): each app instance (the spec boots two in one process) needs a Redis client of its
    // own, since closing an app disconnects its cache stores.
    CacheModule.registerAsync({ isGlobal: true, useFactory: () => ({ stores: [new KeyvRedis(REDIS_URL)] }) }),
    CoordinatedCronModule.forRoot({ keyPrefix: KEY_PREFIX, tenantSettings: ConsumerTenantSettings }),
  ],
  controllers: [AppController],
  providers: [AppService, RunLog, ConsumerTenantSettings, ConsumerJobs, ShutdownMarker],
})
export class AppModule {}
