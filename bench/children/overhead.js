'use strict';

// Figure 2, one repetition per process so that the peak RSS (a lifetime high-water mark) belongs to this run only.
const { send, guard } = require('../lib/child-io');
const { minimalPool } = require('../lib/baselines');

const [mode, url, keyPrefix, tenantsArg, concurrencyArg] = process.argv.slice(2);
const TENANTS = Number(tenantsArg);
const CONCURRENCY = Number(concurrencyArg);
const JOB = 'bench-overhead';

const ids = Array.from({ length: TENANTS }, (_, i) => `tenant-${i}`);
const listed = { ids };
let calls = 0;
// What a no-op tenant handler looks like in app code: an async method that does nothing.
const noop = async () => {
  calls++;
};

function rssNow() {
  return process.memoryUsage.rss();
}

async function measured(run) {
  if (global.gc) global.gc();
  const rssBefore = rssNow();
  let sampledPeak = rssBefore;
  // Macrotask sampling can starve while the pool runs on microtasks; the kernel's high-water mark below cannot.
  const sampler = setInterval(() => {
    const r = rssNow();
    if (r > sampledPeak) sampledPeak = r;
  }, 5);
  calls = 0;
  const t0 = performance.now();
  await run();
  const elapsed = performance.now() - t0;
  clearInterval(sampler);
  const peak = Math.max(process.resourceUsage().maxRSS * 1024, sampledPeak, rssNow());
  return {
    elapsedMs: elapsed,
    tenantsPerSec: (TENANTS / elapsed) * 1000,
    rssGrowthMB: (peak - rssBefore) / (1024 * 1024),
    rssBeforeMB: rssBefore / (1024 * 1024),
    calls,
  };
}

guard(async () => {
  let result;
  if (mode === 'bare') {
    listed.ids = ids.slice(0, 1000);
    await minimalPool(listed.ids, CONCURRENCY, noop);
    result = await measured(() => minimalPool(ids, CONCURRENCY, noop));
  } else {
    const { perTenantJobApp } = require('../lib/nest-app');
    // Default logger and levels: the issue measures the path as a user gets it out of the box.
    const { app, runner } = await perTenantJobApp({
      url,
      keyPrefix,
      instanceId: 'overhead',
      jobName: JOB,
      className: 'OverheadJobs',
      concurrency: CONCURRENCY,
      handler: noop,
      listed,
    });
    listed.ids = ids.slice(0, 1000);
    await runner.trigger(JOB, { occurrence: new Date(Date.UTC(2031, 0, 1)) });
    listed.ids = ids;
    let report;
    result = await measured(async () => {
      report = await runner.trigger(JOB, { occurrence: new Date(Date.UTC(2031, 0, 1, 0, 1)) });
    });
    const succeeded = report.tenants ? report.tenants.succeeded.length : 0;
    if (report.outcome !== 'completed' || succeeded !== TENANTS) {
      throw new Error(`library run ended ${report.outcome} with ${succeeded}/${TENANTS} tenants: ${report.error || ''}`);
    }
    await app.close();
  }
  if (result.calls !== TENANTS) throw new Error(`handler called ${result.calls} times for ${TENANTS} tenants`);
  send({ type: 'result', ...result });
  setTimeout(() => process.exit(0), 20);
});
