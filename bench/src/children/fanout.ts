// Figure 1 in one process: the library's per-tenant path, fixed batches and a minimal pool, over the same
// lognormal durations, alternating so that drift in machine load hits all three alike.
import { fixedBatches, minimalPool } from '../lib/baselines';
import { guard, send, serve } from '../lib/child-io';
import { perTenantJobApp, succeededCount } from '../lib/nest-app';
import { pastOccurrence } from '../lib/occurrences';
import { figureOneTenants } from '../lib/timer-work';

export type FanOutSide = 'library' | 'batches' | 'pool';

export interface FanOutMeasure {
  what: FanOutSide;
  makespanMs: number;
  ratio: number;
  tenantSpanMs: number;
  /** max(sum of the durations measured inside the tenants / concurrency, longest measured): a strict bound. */
  actualLowerBoundMs: number;
}

const [url, keyPrefix, tenantsArg, concurrencyArg, seedArg] = process.argv.slice(2);
const TENANTS = Number(tenantsArg);
const CONCURRENCY = Number(concurrencyArg);
const JOB = 'bench-fanout';

const { ids, durations, durationOf } = figureOneTenants(TENANTS, Number(seedArg));
const total = durations.reduce((a, b) => a + b, 0);
const longest = Math.max(...durations);
const lowerBound = Math.max(total / CONCURRENCY, longest);
const listed: { ids: readonly string[] } = { ids };

// Measured around every tenant's work so the report can show how far the timers themselves strayed.
const probe = { sum: 0, longest: 0, firstStart: Infinity, lastEnd: 0 };
function work(id: string): Promise<void> {
  const start = performance.now();
  probe.firstStart = Math.min(probe.firstStart, start);
  return new Promise((resolve) =>
    setTimeout(() => {
      const end = performance.now();
      probe.sum += end - start;
      probe.longest = Math.max(probe.longest, end - start);
      probe.lastEnd = Math.max(probe.lastEnd, end);
      resolve();
    }, durationOf.get(id)),
  );
}

guard(async () => {
  const { app, runner } = await perTenantJobApp({
    url,
    keyPrefix,
    instanceId: 'fanout',
    jobName: JOB,
    concurrency: CONCURRENCY,
    handler: work,
    listed,
  });
  let serial = 0;
  const occurrence = (): Date => pastOccurrence(serial++);

  // Warm-up: JIT and connections, on a short list.
  listed.ids = ids.slice(0, 200);
  await runner.trigger(JOB, { occurrence: occurrence() });
  await fixedBatches(listed.ids, CONCURRENCY, work);
  await minimalPool(listed.ids, CONCURRENCY, work);
  listed.ids = ids;

  const measure = async (what: FanOutSide): Promise<FanOutMeasure> => {
    Object.assign(probe, { sum: 0, longest: 0, firstStart: Infinity, lastEnd: 0 });
    const t0 = performance.now();
    if (what === 'library') {
      const report = await runner.trigger(JOB, { occurrence: occurrence() });
      const ok = succeededCount(report);
      if (report.outcome !== 'completed' || ok !== TENANTS) {
        throw new Error(`library run ended ${report.outcome} with ${ok}/${TENANTS} tenants: ${report.error ?? ''}`);
      }
    } else if (what === 'batches') {
      await fixedBatches(ids, CONCURRENCY, work);
    } else {
      await minimalPool(ids, CONCURRENCY, work);
    }
    const makespanMs = performance.now() - t0;
    return {
      what,
      makespanMs,
      ratio: makespanMs / lowerBound,
      tenantSpanMs: probe.lastEnd - probe.firstStart,
      actualLowerBoundMs: Math.max(probe.sum / CONCURRENCY, probe.longest),
    };
  };

  serve(
    {
      rep: async (msg) => {
        const results: FanOutMeasure[] = [];
        for (const what of msg.order as FanOutSide[]) results.push(await measure(what));
        return { results };
      },
    },
    () => app.close(),
  );
  send({ type: 'ready', lowerBoundMs: lowerBound, sumMs: total, longestMs: longest });
});
