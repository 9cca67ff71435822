// Figure 8: one @PerTenant() run over a million no-op tenants through trigger(), on a @keyv/redis store, in a
// process of its own (started with --expose-gc) so that its peak RSS and its event loop belong to this run only.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { guard, send, serve } from '../lib/child-io';
import { perTenantJobApp, succeededCount } from '../lib/nest-app';
import { withPeakRss } from '../lib/peak-rss';

export interface ScaleResult {
  tenants: number;
  elapsedMs: number;
  tenantsPerSec: number;
  rssBeforeMB: number;
  rssGrowthMB: number;
  loopDelayMaxMs: number;
  loopDelayP99Ms: number;
}

const [url, keyPrefix, tenantsArg, concurrencyArg] = process.argv.slice(2);
const TENANTS = Number(tenantsArg);
const JOB = 'bench-scale';
const LOOP_RESOLUTION_MS = 10;

const ids = Array.from({ length: TENANTS }, (_, i) => `tenant-${i}`);
const listed: { ids: readonly string[] } = { ids: ids.slice(0, 1000) };
let calls = 0;
const noop = async (): Promise<void> => {
  calls++;
};

guard(async () => {
  const { app, runner } = await perTenantJobApp({
    url,
    keyPrefix,
    instanceId: 'scale',
    jobName: JOB,
    concurrency: Number(concurrencyArg),
    handler: noop,
    listed,
  });
  // Warm-up on a short list: JIT, the Redis connection, the first claim.
  await runner.trigger(JOB, { occurrence: new Date(Date.UTC(2031, 0, 1)) });
  listed.ids = ids;

  serve(
    {
      run: async () => {
        calls = 0;
        const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
        loop.enable();
        const measured = await withPeakRss(async () => {
          const t0 = performance.now();
          const report = await runner.trigger(JOB, { occurrence: new Date(Date.UTC(2031, 0, 1, 0, 1)) });
          const triggerMs = performance.now() - t0;
          // The histogram's timer can only record a stall once the loop turns again: wait for a few of its ticks.
          await new Promise((r) => setTimeout(r, 3 * LOOP_RESOLUTION_MS));
          return { report, triggerMs };
        });
        loop.disable();
        const { report, triggerMs: elapsedMs } = measured.value;
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
        };
        return { ...result };
      },
    },
    () => app.close(),
  );
  send({ type: 'ready' });
});
