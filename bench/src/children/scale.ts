// Figures 8 and 16: one @PerTenant() run over a million no-op tenants through trigger(), its lock on a @keyv/redis
// store (figure 8) or on PostgreSQL (figure 16, by the scheme of the store URL), in a process of its own (started with
// --expose-gc) so that its peak RSS and its event loop belong to this run only.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { CoordinatedCronModuleOptions, CronRun } from 'nestjs-coordinated-cron';
import { guard, send, serve } from '../lib/child-io';
import { perTenantJobApp, succeededCount } from '../lib/nest-app';
import { pastOccurrence } from '../lib/occurrences';
import { withPeakRss } from '../lib/peak-rss';
import { openPool } from '../lib/postgres';
import { wallNow } from '../lib/tick-window';

export interface ScaleResult {
  tenants: number;
  elapsedMs: number;
  tenantsPerSec: number;
  rssBeforeMB: number;
  rssGrowthMB: number;
  loopDelayMaxMs: number;
  loopDelayP99Ms: number;
  /** Tenants whose run signal was already aborted when they started (the run lost its lease): 0. */
  abortedTenants: number;
  /** Wall-clock bounds of the `trigger()` call, for the lease watcher of figure 16. */
  startedAt: number;
  endedAt: number;
}

// leaseTtl: none for figure 8 (the default); figure 16 sets a short one, so that the run must renew its lease.
const [url, keyPrefix, tenantsArg, concurrencyArg, leaseTtlArg] = process.argv.slice(2);
const TENANTS = Number(tenantsArg);
const JOB = 'bench-scale';
const LOOP_RESOLUTION_MS = 10;

const ids = Array.from({ length: TENANTS }, (_, i) => `tenant-${i}`);
const listed: { ids: readonly string[] } = { ids: ids.slice(0, 1000) };
let calls = 0;
let aborted = 0;
const noop = async (_tenantId: string, { signal }: CronRun): Promise<void> => {
  calls++;
  if (signal.aborted) aborted++;
};

guard(async () => {
  const pool = url.startsWith('postgres') ? openPool(url, `${keyPrefix}-scale`) : undefined;
  const moduleOptions: Partial<CoordinatedCronModuleOptions> = {};
  if (pool) moduleOptions.postgres = pool;
  if (leaseTtlArg) moduleOptions.leaseTtl = Number(leaseTtlArg);
  const { app, runner } = await perTenantJobApp({
    url,
    keyPrefix,
    instanceId: 'scale',
    jobName: JOB,
    concurrency: Number(concurrencyArg),
    handler: noop,
    listed,
    cacheStore: pool ? null : undefined,
    moduleOptions,
  });
  // Warm-up on a short list: JIT, the Redis connection, the first claim.
  await runner.trigger(JOB, { occurrence: pastOccurrence(0) });
  listed.ids = ids;

  serve(
    {
      run: async () => {
        calls = 0;
        aborted = 0;
        const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
        loop.enable();
        const measured = await withPeakRss(async () => {
          const startedAt = wallNow();
          const t0 = performance.now();
          const report = await runner.trigger(JOB, { occurrence: pastOccurrence(1) });
          const triggerMs = performance.now() - t0;
          const endedAt = wallNow();
          // The histogram's timer can only record a stall once the loop turns again: wait for a few of its ticks.
          await new Promise((r) => setTimeout(r, 3 * LOOP_RESOLUTION_MS));
          return { report, triggerMs, startedAt, endedAt };
        });
        loop.disable();
        const { report, triggerMs: elapsedMs, startedAt, endedAt } = measured.value;
        const succeeded = succeededCount(report);
        if (report.outcome !== 'completed' || succeeded !== TENANTS || calls !== TENANTS) {
          throw new Error(`library run ended ${report.outcome} with ${succeeded}/${TENANTS} tenants, ${calls} calls: ${report.error ?? ''}`);
        }
        const result: ScaleResult = {
          tenants: TENANTS,
          elapsedMs,
          tenantsPerSec: (TENANTS / elapsedMs) * 1000,
          rssBeforeMB: measured.rssBeforeMB,
          rssGrowthMB: measured.rssGrowthMB,
          loopDelayMaxMs: loop.max / 1e6,
          loopDelayP99Ms: loop.percentile(99) / 1e6,
          abortedTenants: aborted,
          startedAt,
          endedAt,
        };
        return { ...result };
      },
    },
    async () => {
      await app.close();
      await pool?.end();
    },
  );
  send({ type: 'ready' });
});
