// Figure 11 in one process: figure 1's fan-out through two @PerTenant() jobs that differ only in crashRecovery, one
// recording progress (the default on Redis) and one not, alternating so that drift in machine load hits both alike.
import { Injectable } from '@nestjs/common';
import { guard, send, serve } from '../lib/child-io';
import { loadLibrary } from '../lib/library';
import { createApp, listedTenantSettings, succeededCount, TRIGGERED } from '../lib/nest-app';
import { pastOccurrence } from '../lib/occurrences';
import { commandStats, diffStats, openClient } from '../lib/redis';
import { figureOneTenants, TimerWork } from '../lib/timer-work';

export type ProgressSide = 'on' | 'off';

export interface ProgressMeasure {
  side: ProgressSide;
  makespanMs: number;
  /** max(sum of the durations measured inside the tenants / concurrency, longest measured), as in figure 1. */
  actualLowerBoundMs: number;
  /** Server-wide `INFO commandstats` delta over the run: what the run sent, plus any other client's traffic. */
  commands: number;
  byCommand: Record<string, number>;
}

const [url, keyPrefix, tenantsArg, concurrencyArg, seedArg] = process.argv.slice(2);
const TENANTS = Number(tenantsArg);
const CONCURRENCY = Number(concurrencyArg);
const JOB: Record<ProgressSide, string> = { on: 'bench-progress-on', off: 'bench-progress-off' };

const { ids, durations, durationOf } = figureOneTenants(TENANTS, Number(seedArg));
const total = durations.reduce((a, b) => a + b, 0);
const lowerBound = Math.max(total / CONCURRENCY, Math.max(...durations));
const listed: { ids: readonly string[] } = { ids };

const timers = new TimerWork(durationOf);

guard(async () => {
  const { CoordinatedCronModule, CoordinatedCron, PerTenant, CoordinatedCronRunner } = loadLibrary();

  const Settings = listedTenantSettings(listed);

  @Injectable()
  class ProgressJobs {
    // The library's default for a @PerTenant() job on Redis: finished tenants are recorded in batches.
    @CoordinatedCron(JOB.on, TRIGGERED)
    @PerTenant({ concurrency: CONCURRENCY })
    recorded(tenantId: string): Promise<void> {
      return timers.run(tenantId);
    }

    // The documented way to turn recording off: no crash resume, so nothing to resume from.
    @CoordinatedCron(JOB.off, { ...TRIGGERED, crashRecovery: 'none' })
    @PerTenant({ concurrency: CONCURRENCY })
    unrecorded(tenantId: string): Promise<void> {
      return timers.run(tenantId);
    }
  }

  const { app } = await createApp({
    url,
    providers: [ProgressJobs, Settings],
    imports: [CoordinatedCronModule.forRoot({ keyPrefix, jitter: false, instanceId: 'progress', tenantSettings: Settings })],
  });
  const runner = app.get(CoordinatedCronRunner);
  // Reads INFO between runs only, never during one.
  const stats = await openClient(url, `${keyPrefix}-stats`);
  let serial = 0;
  const occurrence = (): Date => pastOccurrence(serial++);

  listed.ids = ids.slice(0, 200);
  for (const side of ['on', 'off'] as const) await runner.trigger(JOB[side], { occurrence: occurrence() });
  listed.ids = ids;

  const measure = async (side: ProgressSide): Promise<ProgressMeasure> => {
    timers.reset();
    const before = await commandStats(stats);
    const t0 = performance.now();
    const report = await runner.trigger(JOB[side], { occurrence: occurrence() });
    const makespanMs = performance.now() - t0;
    const after = await commandStats(stats);
    const ok = succeededCount(report);
    if (report.outcome !== 'completed' || ok !== TENANTS) {
      throw new Error(`${JOB[side]} ended ${report.outcome} with ${ok}/${TENANTS} tenants: ${report.error ?? ''}`);
    }
    const { total: commands, byCommand } = diffStats(before, after);
    return { side, makespanMs, actualLowerBoundMs: timers.lowerBoundMs(CONCURRENCY), commands, byCommand };
  };

  serve(
    {
      rep: async (msg) => {
        const results: ProgressMeasure[] = [];
        for (const side of msg.order as ProgressSide[]) results.push(await measure(side));
        return { results };
      },
    },
    async () => {
      await stats.close();
      await app.close();
    },
  );
  send({ type: 'ready', lowerBoundMs: lowerBound });
});
