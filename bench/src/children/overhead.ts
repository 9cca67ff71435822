// Figure 2, one repetition per process so that the peak RSS (a lifetime high-water mark) belongs to this run only.
import { minimalPool } from '../lib/baselines';
import { finish, guard } from '../lib/child-io';
import { perTenantJobApp, succeededCount } from '../lib/nest-app';
import { pastOccurrence } from '../lib/occurrences';
import { withPeakRss } from '../lib/peak-rss';

export interface OverheadResult {
  elapsedMs: number;
  tenantsPerSec: number;
  rssGrowthMB: number;
  rssBeforeMB: number;
  calls: number;
}

const [mode, url, keyPrefix, tenantsArg, concurrencyArg] = process.argv.slice(2);
const TENANTS = Number(tenantsArg);
const CONCURRENCY = Number(concurrencyArg);
const JOB = 'bench-overhead';

const ids = Array.from({ length: TENANTS }, (_, i) => `tenant-${i}`);
const listed: { ids: readonly string[] } = { ids };
let calls = 0;
// What a no-op tenant handler looks like in app code: an async method that does nothing.
const noop = async (): Promise<void> => {
  calls++;
};

guard(async () => {
  let measured: Awaited<ReturnType<typeof withPeakRss>>;
  if (mode === 'bare') {
    await minimalPool(ids.slice(0, 1000), CONCURRENCY, noop);
    calls = 0;
    measured = await withPeakRss(() => minimalPool(ids, CONCURRENCY, noop));
  } else {
    const { app, runner } = await perTenantJobApp({
      url,
      keyPrefix,
      instanceId: 'overhead',
      jobName: JOB,
      concurrency: CONCURRENCY,
      handler: noop,
      listed,
    });
    listed.ids = ids.slice(0, 1000);
    await runner.trigger(JOB, { occurrence: pastOccurrence(0) });
    listed.ids = ids;
    calls = 0;
    measured = await withPeakRss(() => runner.trigger(JOB, { occurrence: pastOccurrence(1) }));
    const report = measured.value as Awaited<ReturnType<typeof runner.trigger>>;
    const succeeded = succeededCount(report);
    if (report.outcome !== 'completed' || succeeded !== TENANTS) {
      throw new Error(`library run ended ${report.outcome} with ${succeeded}/${TENANTS} tenants: ${report.error ?? ''}`);
    }
    await app.close();
  }
  if (calls !== TENANTS) throw new Error(`handler called ${calls} times for ${TENANTS} tenants`);
  const result: OverheadResult = {
    elapsedMs: measured.elapsedMs,
    tenantsPerSec: (TENANTS / measured.elapsedMs) * 1000,
    rssGrowthMB: measured.rssGrowthMB,
    rssBeforeMB: measured.rssBeforeMB,
    calls,
  };
  finish({ ...result });
});
