// Figure 17 in one process: a `@PerTenant({ localTime: true })` job over 100,000 tenants in 40 zones on a daily cron,
// against a plain `@PerTenant()` job over exactly the tenants that were due at one of its instants. Both run figure 1's
// lognormal timer work per tenant, on Redis, in alternating order.
import { Injectable } from '@nestjs/common';
import type { CronRun, JobRunReport, ListTenantsContext, TenantEntry, TenantSettingsProvider } from 'nestjs-coordinated-cron';
import { guard, send, serve } from '../lib/child-io';
import { loadLibrary } from '../lib/library';
import { createApp, succeededCount, TRIGGERED } from '../lib/nest-app';
import { pastOccurrence } from '../lib/occurrences';
import { lognormalDurations } from '../lib/rng';
import { TimerWork } from '../lib/timer-work';

export type LocalTimeSide = 'local' | 'localFiltered' | 'plain';

export interface LocalTimeMeasure {
  side: LocalTimeSide;
  makespanMs: number;
  tenants: number;
  /** max(sum of the durations measured inside the tenants / concurrency, longest): a strict lower bound. */
  workLowerBoundMs: number;
}

const [url, keyPrefix, tenantsArg, zonesArg, cron, concurrencyArg, seedArg, instantZone] = process.argv.slice(2);
const TENANTS = Number(tenantsArg);
const ZONES = zonesArg.split(',');
const CONCURRENCY = Number(concurrencyArg);
const DAY_MS = 24 * 60 * 60 * 1000;
const JOB = { local: 'bench-local-time', plain: 'bench-plain' };

// Tenant i lives in zone i mod 40; its work is the i-th lognormal duration (figure 1's distribution).
const entries: TenantEntry[] = Array.from({ length: TENANTS }, (_, i) => ({ id: `t-${String(i).padStart(6, '0')}`, timeZone: ZONES[i % ZONES.length] }));
const durations = lognormalDurations(TENANTS, { seed: Number(seedArg), medianMs: 4, sigma: 1 });
const durationOf = new Map(entries.map((e, i) => [e.id, durations[i]]));

/** What the settings provider hands out: all entries (the library filters), the app's own filter, or plain ids. */
const listing = { filterByZone: false, plainIds: [] as string[] };
const timers = new TimerWork(durationOf);

guard(async () => {
  const { CoordinatedCronModule, CoordinatedCron, PerTenant, CoordinatedCronRunner } = loadLibrary();

  @Injectable()
  class Settings implements TenantSettingsProvider {
    listTenants(jobName: string, context: ListTenantsContext): Iterable<string | TenantEntry> {
      if (jobName === JOB.plain) return listing.plainIds;
      if (!listing.filterByZone) return entries;
      // What an app's query would do with the zones it is told (`WHERE time_zone = ANY($1)`).
      const due = new Set(context.timeZones ?? []);
      return entries.filter((e) => due.has(e.timeZone as string));
    }
    isEnabled(): boolean {
      return true;
    }
    filterEnabled(_jobName: string, tenantIds: string[]): Promise<string[]> {
      return Promise.resolve(tenantIds);
    }
  }

  @Injectable()
  class Jobs {
    @CoordinatedCron(JOB.local, { cron, catchup: 'none', lockTtl: '10m' })
    @PerTenant({ localTime: true, concurrency: CONCURRENCY })
    local(tenantId: string, _run: CronRun): Promise<void> {
      return timers.run(tenantId);
    }

    @CoordinatedCron(JOB.plain, TRIGGERED)
    @PerTenant({ concurrency: CONCURRENCY })
    plain(tenantId: string, _run: CronRun): Promise<void> {
      return timers.run(tenantId);
    }
  }

  const { app } = await createApp({
    url,
    providers: [Jobs],
    imports: [CoordinatedCronModule.forRoot({ keyPrefix, jitter: false, instanceId: 'local-time', tenantSettings: Settings })],
  });
  const runner = app.get(CoordinatedCronRunner);

  // The timer's instants over the next day: the union, over every zone the platform knows, of the zone's next local
  // run, as runner.nextRuns() gives them; and those at which a zone of these tenants is due.
  const instantsOf = (zones: readonly string[]): number[] =>
    [...new Set(zones.map((timeZone) => runner.nextRuns(JOB.local, { timeZone, count: 1 })[0].getTime()))].sort((a, b) => a - b);
  const everyInstant = instantsOf(Intl.supportedValuesOf('timeZone'));
  const tenantInstants = instantsOf(ZONES);
  // The instant measured: `instantZone`'s local time, a whole number of days ago (a zone without clock changes).
  const next = runner.nextRuns(JOB.local, { timeZone: instantZone, count: 1 })[0].getTime();
  let daysBack = 0;
  let plainSerial = 0;

  const check = (report: JobRunReport, expected: number, what: string): void => {
    const ok = succeededCount(report);
    if (report.outcome !== 'completed' || ok !== expected || (report.tenants?.disabled.length ?? 0) !== 0) {
      throw new Error(`${what} run ended ${report.outcome} with ${ok}/${expected} tenants (${report.tenants?.disabled.length} disabled): ${report.error ?? ''}`);
    }
  };

  // The warm-up also tells which tenants are due at this instant of the day: the plain job gets exactly those.
  const warm = await runner.trigger(JOB.local, { occurrence: new Date(next - ++daysBack * DAY_MS) });
  const due = warm.tenants?.succeeded ?? [];
  if (warm.outcome !== 'completed' || due.length === 0 || due.length !== succeededCount(warm)) {
    throw new Error(`warm-up of the local-time job ended ${warm.outcome} with ${due.length} tenants run: ${warm.error ?? ''}`);
  }
  listing.plainIds = [...due];
  check(await runner.trigger(JOB.plain, { occurrence: pastOccurrence(plainSerial++) }), due.length, 'plain warm-up');
  const dueZones = [...new Set(due.map((id) => entries[Number(id.slice(2))].timeZone as string))].sort();

  const measure = async (side: LocalTimeSide): Promise<LocalTimeMeasure> => {
    timers.reset();
    listing.filterByZone = side === 'localFiltered';
    const t0 = performance.now();
    const report =
      side === 'plain'
        ? await runner.trigger(JOB.plain, { occurrence: pastOccurrence(plainSerial++) })
        : await runner.trigger(JOB.local, { occurrence: new Date(next - ++daysBack * DAY_MS) });
    const makespanMs = performance.now() - t0;
    check(report, due.length, side);
    return { side, makespanMs, tenants: due.length, workLowerBoundMs: timers.lowerBoundMs(CONCURRENCY) };
  };

  serve(
    {
      rep: async (msg) => {
        const results: LocalTimeMeasure[] = [];
        for (const side of msg.order as LocalTimeSide[]) results.push(await measure(side));
        return { results };
      },
    },
    () => app.close(),
  );
  send({ type: 'ready', everyInstant, tenantInstants, dueTenants: due.length, dueZones, instant: new Date(next - DAY_MS).toISOString() });
});
