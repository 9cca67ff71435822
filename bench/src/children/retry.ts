// Figure 19 in one process: figure 1's fan-out through two @PerTenant() jobs that differ only in their window's
// retry, one with a policy that nothing fails into and one without, alternating so that drift in machine load hits
// both alike; and a third job, with a short backoff, whose drawn tenants fail their first call of each run.
import { Injectable } from '@nestjs/common';
import type { CronRun, JobRunReport, RetryPolicy } from 'nestjs-coordinated-cron';
import { guard, send, serve } from '../lib/child-io';
import { loadLibrary } from '../lib/library';
import { createApp, listedTenantSettings, succeededCount, TRIGGERED } from '../lib/nest-app';
import { retryableOccurrence } from '../lib/occurrences';
import { sampleIndices } from '../lib/rng';
import { figureOneTenants, TimerWork } from '../lib/timer-work';

export type RetrySide = 'on' | 'off';

export interface RetryMeasure {
  side: RetrySide;
  makespanMs: number;
  /** max(sum of the durations measured inside the tenants / concurrency, longest measured), as in figure 1. */
  actualLowerBoundMs: number;
}

export interface RecoveryMeasure {
  makespanMs: number;
  /** Tenants whose first call fails. */
  failing: number;
  /** Of those, the ones the run's report lists as succeeded. */
  recovered: number;
  /** The report's `tenants.retried`, counted. */
  retried: number;
  /** The failing tenants by the calls each got: `{ "2": 100 }` when each was called once more. */
  tries: Record<string, number>;
}

const [url, keyPrefix, tenantsArg, concurrencyArg, seedArg, failingArg, failingSeedArg, policiesArg] = process.argv.slice(2);
const TENANTS = Number(tenantsArg);
const CONCURRENCY = Number(concurrencyArg);
const POLICIES = JSON.parse(policiesArg) as { overhead: RetryPolicy; recovery: RetryPolicy };
const JOB = { on: 'bench-retry-on', off: 'bench-retry-off', recovery: 'bench-retry-recovery' };

const { ids, durationOf } = figureOneTenants(TENANTS, Number(seedArg));
// A seed of their own: drawn from the durations' seed, the failing tenants would follow the durations' draws.
const failing = new Set(sampleIndices(TENANTS, Number(failingArg), Number(failingSeedArg)).map((i) => ids[i]));
const listed: { ids: readonly string[] } = { ids };

const timers = new TimerWork(durationOf);
/** Calls of each tenant of the recovery job since the last reset. */
const calls = new Map<string, number>();

guard(async () => {
  const { CoordinatedCronModule, CoordinatedCron, PerTenant, CoordinatedCronRunner } = loadLibrary();

  const Settings = listedTenantSettings(listed);

  @Injectable()
  class RetryJobs {
    // Nothing fails, so nothing is retried: what is left is what the policy costs a run that needs none.
    @CoordinatedCron(JOB.on, { ...TRIGGERED, retry: POLICIES.overhead })
    @PerTenant({ concurrency: CONCURRENCY })
    withRetry(tenantId: string): Promise<void> {
      return timers.run(tenantId);
    }

    @CoordinatedCron(JOB.off, TRIGGERED)
    @PerTenant({ concurrency: CONCURRENCY })
    withoutRetry(tenantId: string): Promise<void> {
      return timers.run(tenantId);
    }

    // A failing call does its work before it throws, as a call that fails at its last step does: its retry costs
    // the work again.
    @CoordinatedCron(JOB.recovery, { ...TRIGGERED, retry: POLICIES.recovery })
    @PerTenant({ concurrency: CONCURRENCY })
    async flaky(tenantId: string, run: CronRun): Promise<void> {
      calls.set(tenantId, (calls.get(tenantId) ?? 0) + 1);
      await timers.run(tenantId);
      if (run.try === 1 && failing.has(tenantId)) throw new Error(`${tenantId} fails its first call`);
    }
  }

  const { app } = await createApp({
    url,
    providers: [RetryJobs, Settings],
    imports: [CoordinatedCronModule.forRoot({ keyPrefix, jitter: false, instanceId: 'retry', tenantSettings: Settings })],
  });
  const runner = app.get(CoordinatedCronRunner);
  let serial = 0;
  const trigger = (job: string): Promise<JobRunReport> => runner.trigger(job, { occurrence: retryableOccurrence(serial++) });

  listed.ids = ids.slice(0, 200);
  for (const job of Object.values(JOB)) await trigger(job);
  listed.ids = ids;

  const measure = async (side: RetrySide): Promise<RetryMeasure> => {
    timers.reset();
    const t0 = performance.now();
    const report = await trigger(JOB[side]);
    const makespanMs = performance.now() - t0;
    const ok = succeededCount(report);
    if (report.outcome !== 'completed' || ok !== TENANTS) {
      throw new Error(`${JOB[side]} ended ${report.outcome} with ${ok}/${TENANTS} tenants: ${report.error ?? ''}`);
    }
    return { side, makespanMs, actualLowerBoundMs: timers.lowerBoundMs(CONCURRENCY) };
  };

  // Tenants left failed are what the figure measures, not an error; any other tenant that did not succeed is.
  const recover = async (): Promise<RecoveryMeasure> => {
    calls.clear();
    const t0 = performance.now();
    const report = await trigger(JOB.recovery);
    const makespanMs = performance.now() - t0;
    // Whole lists: a report keeps every id up to 10,000 tenants.
    const succeeded = new Set(report.tenants?.succeeded);
    const recovered = [...failing].filter((id) => succeeded.has(id)).length;
    if (report.outcome !== 'completed' || succeeded.size - recovered !== TENANTS - failing.size) {
      throw new Error(`${JOB.recovery} ended ${report.outcome} with ${succeeded.size}/${TENANTS} tenants: ${report.error ?? ''}`);
    }
    const tries: Record<string, number> = {};
    for (const id of failing) {
      const n = calls.get(id) ?? 0;
      tries[n] = (tries[n] ?? 0) + 1;
    }
    const retried = report.tenants?.counts?.retried ?? report.tenants?.retried.length ?? 0;
    return { makespanMs, failing: failing.size, recovered, retried, tries };
  };

  serve(
    {
      rep: async (msg) => {
        const results: RetryMeasure[] = [];
        for (const side of msg.order as RetrySide[]) results.push(await measure(side));
        return { results };
      },
      recovery: async () => ({ result: await recover() }),
    },
    () => app.close(),
  );
  send({ type: 'ready', failing: failing.size });
});
