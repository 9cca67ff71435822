'use strict';

// Figure 1 in one process: the library's per-tenant path, fixed batches and a minimal pool, over the same
// 2,000 lognormal durations, alternating so that drift in machine load hits all three alike.
const { send, serve, guard } = require('../lib/child-io');
const { perTenantJobApp } = require('../lib/nest-app');
const { lognormalDurations } = require('../lib/rng');
const { minimalPool, fixedBatches } = require('../lib/baselines');

const [url, keyPrefix, tenantsArg, concurrencyArg, seedArg] = process.argv.slice(2);
const TENANTS = Number(tenantsArg);
const CONCURRENCY = Number(concurrencyArg);
const SEED = Number(seedArg);
const JOB = 'bench-fanout';

const ids = Array.from({ length: TENANTS }, (_, i) => `t-${String(i).padStart(5, '0')}`);
const durations = lognormalDurations(TENANTS, { seed: SEED, medianMs: 4, sigma: 1 });
const durationOf = new Map(ids.map((id, i) => [id, durations[i]]));
const total = durations.reduce((a, b) => a + b, 0);
const lowerBound = Math.max(total / CONCURRENCY, Math.max(...durations));

// The listed tenants can be swapped for a short warm-up list without rebuilding the app.
const listed = { ids };

// Measured around every tenant's work so the report can show how far the timers themselves strayed.
let actualSum = 0;
let actualLongest = 0;
let firstStart = Infinity;
let lastEnd = 0;
function work(id) {
  const start = performance.now();
  if (start < firstStart) firstStart = start;
  return new Promise((resolve) =>
    setTimeout(() => {
      const end = performance.now();
      actualSum += end - start;
      if (end - start > actualLongest) actualLongest = end - start;
      if (end > lastEnd) lastEnd = end;
      resolve();
    }, durationOf.get(id)),
  );
}

function resetProbes() {
  actualSum = 0;
  actualLongest = 0;
  firstStart = Infinity;
  lastEnd = 0;
}

guard(async () => {
  const { app, runner } = await perTenantJobApp({
    url,
    keyPrefix,
    instanceId: 'fanout',
    jobName: JOB,
    className: 'FanOutJobs',
    concurrency: CONCURRENCY,
    handler: (tenantId) => work(tenantId),
    listed,
  });
  let serial = 0;
  const occurrence = () => new Date(Date.UTC(2031, 0, 1) + serial++ * 60000);

  // Warm-up: JIT and connections, on a short list.
  listed.ids = ids.slice(0, 200);
  await runner.trigger(JOB, { occurrence: occurrence() });
  await fixedBatches(listed.ids, CONCURRENCY, work);
  await minimalPool(listed.ids, CONCURRENCY, work);
  listed.ids = ids;

  const measure = async (what) => {
    resetProbes();
    const t0 = performance.now();
    let ok = TENANTS;
    if (what === 'library') {
      const report = await runner.trigger(JOB, { occurrence: occurrence() });
      ok = report.tenants ? report.tenants.succeeded.length : 0;
      if (report.outcome !== 'completed' || ok !== TENANTS) {
        throw new Error(`library run ended ${report.outcome} with ${ok}/${TENANTS} tenants: ${report.error || ''}`);
      }
    } else if (what === 'batches') {
      await fixedBatches(ids, CONCURRENCY, work);
    } else {
      await minimalPool(ids, CONCURRENCY, work);
    }
    const makespan = performance.now() - t0;
    return {
      what,
      makespanMs: makespan,
      ratio: makespan / lowerBound,
      tenantSpanMs: lastEnd - firstStart,
      actualLowerBoundMs: Math.max(actualSum / CONCURRENCY, actualLongest),
    };
  };

  serve(
    {
      rep: async ({ order }) => {
        const results = [];
        for (const what of order) results.push(await measure(what));
        return { results };
      },
    },
    () => app.close(),
  );
  send({ type: 'ready', lowerBoundMs: lowerBound, sumMs: total, longestMs: Math.max(...durations) });
});
