import { Inject, Injectable, Module, type Type } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ClsModule } from 'nestjs-cls';
import type { CronContext, CronContextValue, CronRun, TenantSettingsProvider } from 'nestjs-coordinated-cron';
import { type RunSettings } from '../config';
import { type Library } from '../lib/library';
import { type WriteResult } from '../lib/records';
import { type Recorder } from './recorder';
import { type SinkClient } from './sink-client';
import { type StoreConnection } from '../stores/store';

export interface ChaosAppDeps {
  library: Library;
  settings: RunSettings;
  instanceId: string;
  recorder: Recorder;
  sink: SinkClient;
  store: StoreConnection;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const between = ([min, max]: [number, number]): number => min + Math.random() * (max - min);
const cron = (everySeconds: number): string => (everySeconds === 1 ? '* * * * * *' : `*/${everySeconds} * * * * *`);

/** Thrown by a job whose write the sink refused, as README's fencing example does. */
class FencedOffError extends Error {
  constructor(token: number | undefined) {
    super(`the sink refused a write with fencing token ${token}: a newer holder has taken over, this run stops`);
  }
}

/**
 * The chaos app's root module, built only from the library's public API: a plain job every second and a
 * `@PerTenant()` job every five seconds, both with crash resume and catch-up, each writing through the sink with
 * its run's fencing token. Both ignore their abort signal on purpose: a holder that lost its lease still tries to
 * write, and the sink is what must stop it. Every handler call is recorded as it starts and ends.
 */
export function chaosAppModule(deps: ChaosAppDeps): Type<unknown> {
  const { library, settings, recorder, sink, instanceId } = deps;
  const { CoordinatedCron, CoordinatedCronModule, PerTenant, CronContext: CronContextClass } = library;
  const { plain, perTenant } = settings;
  const tenantIds = Array.from({ length: perTenant.tenants }, (_, i) => `t${String(i).padStart(3, '0')}`);

  const step = (context: CronContextValue) => ({
    job: context.jobName,
    runId: context.runId,
    occurrence: context.occurrence,
    token: context.fencingToken ?? 0,
  });
  const write = (context: CronContextValue, extra: { tenant?: string; step?: string }): Promise<WriteResult> =>
    sink.write({
      key: context.jobName,
      token: context.fencingToken ?? 0,
      runId: context.runId,
      occurrence: context.occurrence,
      instanceId,
      ...extra,
    });

  @Injectable()
  class ChaosTenants implements TenantSettingsProvider {
    constructor(@Inject(CronContextClass) private readonly cronContext: CronContext) {}

    // The first call of a claimed run: recorded as the moment the run was granted.
    listTenants(): string[] {
      const context = this.cronContext.get();
      if (context) recorder.record({ type: 'grant', ...step(context) });
      return tenantIds;
    }
    isEnabled(): boolean {
      return true;
    }
    filterEnabled(_job: string, ids: string[]): Promise<string[]> {
      return Promise.resolve(ids);
    }
  }

  const common = {
    lockTtl: settings.lockTtlMs,
    catchup: 'all' as const,
    catchupWindow: settings.catchupWindowMs,
    crashRecovery: 'resume' as const,
  };

  @Injectable()
  class ChaosJobs {
    @CoordinatedCron(plain.name, { cron: cron(plain.everySeconds), jitter: plain.jitterMs, ...common })
    async everySecond({ context }: CronRun): Promise<void> {
      recorder.record({ type: 'plain-start', ...step(context) });
      let result = await write(context, { step: 'start' });
      if (result === 'accepted') {
        await sleep(between(plain.bodyMs));
        result = await write(context, { step: 'end' });
      }
      recorder.record({ type: 'plain-end', ...step(context), result });
      if (result !== 'accepted') throw new FencedOffError(context.fencingToken);
    }

    @CoordinatedCron(perTenant.name, { cron: cron(perTenant.everySeconds), jitter: perTenant.jitterMs, ...common })
    @PerTenant({ concurrency: perTenant.concurrency })
    async perTenant(tenant: string, { context }: CronRun): Promise<void> {
      recorder.record({ type: 'tenant-start', ...step(context), tenant });
      await sleep(between(perTenant.tenantMs));
      const result = await write(context, { tenant });
      recorder.record({ type: 'tenant-end', ...step(context), tenant, result });
      if (result !== 'accepted') throw new FencedOffError(context.fencingToken);
    }
  }

  @Module({
    imports: [
      ScheduleModule.forRoot(),
      ClsModule.forRoot({ global: true }),
      CoordinatedCronModule.forRoot({
        keyPrefix: 'chaos',
        instanceId,
        leaseTtl: settings.leaseTtlMs,
        lockTimeout: settings.lockTimeoutMs,
        shutdownTimeout: settings.shutdownTimeoutMs,
        tenantSettings: ChaosTenants,
        ...deps.store.moduleOptions,
      }),
    ],
    providers: [ChaosJobs, ChaosTenants],
  })
  class ChaosAppModule {}

  return ChaosAppModule;
}
