// Figure 10, one application instance of a small fleet: a @PerTenant() job with slow tenants and a short lease, so
// that the harness can SIGKILL the instance running it and time how soon a survivor resumes it.
import KeyvRedis from '@keyv/redis';
import { Inject, Injectable } from '@nestjs/common';
import type { CronContext as CronContextType, TenantSettingsProvider } from 'nestjs-coordinated-cron';
import { guard, send, serve } from '../lib/child-io';
import { loadLibrary } from '../lib/library';
import { createApp, TRIGGERED } from '../lib/nest-app';
import { wallNow } from '../lib/tick-window';

export const RESUME_JOB = 'bench-resume';

const [url, keyPrefix, instanceId, connectionName, leaseTtlArg, tenantsArg, tenantMsArg, concurrencyArg] = process.argv.slice(2);
const TENANTS = Number(tenantsArg);
const TENANT_MS = Number(tenantMsArg);
const ids = Array.from({ length: TENANTS }, (_, i) => `t-${String(i).padStart(4, '0')}`);

guard(async () => {
  const { CoordinatedCronModule, CoordinatedCron, PerTenant, CoordinatedCronRunner, CronContext } = loadLibrary();

  @Injectable()
  class Settings implements TenantSettingsProvider {
    listTenants(): string[] {
      return ids;
    }
    isEnabled(): boolean {
      return true;
    }
  }

  // Runs whose first tenant this process has already announced: only the first start of each run is timed.
  const announced = new Set<string>();

  @Injectable()
  class ResumeJobs {
    constructor(@Inject(CronContext) private readonly cron: CronContextType) {}

    // crashRecovery is spelled out although 'resume' is the default for @PerTenant() jobs: the figure measures it.
    @CoordinatedCron(RESUME_JOB, { ...TRIGGERED, crashRecovery: 'resume' })
    @PerTenant({ concurrency: Number(concurrencyArg) })
    async tenant(tenantId: string): Promise<void> {
      const at = wallNow();
      const ctx = this.cron.get();
      if (ctx && !announced.has(ctx.runId)) {
        announced.add(ctx.runId);
        send({ type: 'tenant-start', instance: instanceId, runId: ctx.runId, tenantId, at, fencingToken: ctx.fencingToken });
      }
      await new Promise((resolve) => setTimeout(resolve, TENANT_MS));
    }
  }

  // The name lets the harness tell this process's connection apart on a shared Redis.
  const cacheStore = new KeyvRedis<unknown>({ url, name: connectionName });
  const { app } = await createApp({
    url,
    cacheStore,
    providers: [ResumeJobs, Settings],
    imports: [
      CoordinatedCronModule.forRoot({ keyPrefix, jitter: false, instanceId, leaseTtl: Number(leaseTtlArg), tenantSettings: Settings }),
    ],
  });
  await cacheStore.getClient();
  const runner = app.get(CoordinatedCronRunner);

  serve(
    {
      trigger: async (msg) => {
        const r = await runner.trigger(RESUME_JOB, { occurrence: new Date(String(msg.occurrence)) });
        return { instance: instanceId, runId: r.runId, outcome: r.outcome, skipReason: r.skipReason, attempt: r.attempt, error: r.error };
      },
      // The fleet-wide history: where the resumed run's report (attempt, resumedFrom) can be read back.
      describe: async () => {
        const d = await runner.describe(RESUME_JOB);
        return {
          recent: d.recent.map((r) => ({
            runId: r.runId,
            instanceId: r.instanceId,
            occurrence: r.occurrence,
            outcome: r.outcome,
            attempt: r.attempt,
            resumedFrom: r.resumedFrom,
            fencingToken: r.fencingToken,
            tenants: r.tenants?.total,
          })),
        };
      },
    },
    () => app.close(),
  );
  send({ type: 'ready', instance: instanceId });
});
