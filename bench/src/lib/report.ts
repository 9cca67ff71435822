import { type PairedRep } from './claims';
import { type Errors, type FigureKey, type Results } from './results';
import type { MinuteTicks } from '../scenarios/postgres-idle';
import type { RescheduleRun } from '../scenarios/reschedule';
import { type CommandCounts } from './redis';
import { summarise, type Summary } from './stats';
import { type WindowResult } from './tick-window';

const pick = <T>(list: readonly T[], fn: (x: T) => number): Summary => summarise(list.map(fn));

interface TimedSide {
  makespanMs: number;
  actualLowerBoundMs: number;
}

/** Two jobs of figure 1's workload that differ in one setting (`on`, `off`), measured in the same repetitions. */
const sideBySide = (reps: ReadonlyArray<{ on: TimedSide; off: TimedSide }>) => ({
  ratio: pick(reps, (r) => r.on.makespanMs / r.off.makespanMs),
  onMs: pick(reps, (r) => r.on.makespanMs),
  offMs: pick(reps, (r) => r.off.makespanMs),
  // Against the work the timers actually did, which takes timer drift out of the comparison.
  onVsWork: pick(reps, (r) => r.on.makespanMs / r.on.actualLowerBoundMs),
  offVsWork: pick(reps, (r) => r.off.makespanMs / r.off.actualLowerBoundMs),
});
const sumOf = <T>(list: readonly T[], fn: (x: T) => number): number => list.reduce((n, x) => n + fn(x), 0);

export interface WindowSummary {
  /** Latency with MONITOR detached; undefined when that window did not run. */
  p50?: Summary;
  p99?: Summary;
  /** Latency in the window MONITOR watched: the harness's own load in it. */
  p50Monitored: Summary;
  p99Monitored: Summary;
  unobserved?: WindowResult['unobserved'];
  unobservedDuplicates?: number;
  unobservedMisses?: number;
  idle: Summary;
  perOccurrence: Summary;
  duplicates: Summary;
  misses: Summary;
  idleWholeWindow: number;
  duplicatesTotal: number;
  missesTotal: number;
  foreign: number;
  commandstatsTotal: number;
  attributedTotal: number;
  pooled: WindowResult['pooled'];
  totalByCommand: CommandCounts;
  idleByCommand: CommandCounts;
  idleRoundTripMs: WindowResult['idleRoundTripMs'];
  idleWakeLateMs: WindowResult['idleWakeLateMs'];
}

/** Medians, mins and maxes of every figure, from the raw per-repetition results of each scenario. */
export function summariseAll(results: Results) {
  const f1 = results.fanout;
  const fanout = f1 && {
    library: pick(f1.reps, (r) => r.library.ratio),
    batches: pick(f1.reps, (r) => r.batches.ratio),
    pool: pick(f1.reps, (r) => r.pool.ratio),
    libraryMakespanMs: pick(f1.reps, (r) => r.library.makespanMs),
    batchesMakespanMs: pick(f1.reps, (r) => r.batches.makespanMs),
    poolMakespanMs: pick(f1.reps, (r) => r.pool.makespanMs),
    libraryVsMeasuredWork: pick(f1.reps, (r) => r.library.makespanMs / r.library.actualLowerBoundMs),
    poolVsMeasuredWork: pick(f1.reps, (r) => r.pool.makespanMs / r.pool.actualLowerBoundMs),
    libraryWorkInflation: pick(f1.reps, (r) => r.library.actualLowerBoundMs / f1.lowerBoundMs),
    poolWorkInflation: pick(f1.reps, (r) => r.pool.actualLowerBoundMs / f1.lowerBoundMs),
    lowerBoundMs: f1.lowerBoundMs,
    sumMs: f1.sumMs,
    longestMs: f1.longestMs,
  };
  const f2 = results.overhead;
  const overhead = f2 && {
    libraryTps: pick(f2.library, (r) => r.tenantsPerSec),
    bareTps: pick(f2.bare, (r) => r.tenantsPerSec),
    libraryRss: pick(f2.library, (r) => r.rssGrowthMB),
    bareRss: pick(f2.bare, (r) => r.rssGrowthMB),
    libraryUsPerTenant: pick(f2.library, (r) => (r.elapsedMs * 1000) / r.calls),
    logLines: f2.libraryLogLines,
  };
  const paired = (reps: readonly PairedRep[]) => ({
    libP50: pick(reps, (r) => r.libP50Us),
    rawP50: pick(reps, (r) => r.rawP50Us),
    libP99: pick(reps, (r) => r.libP99Us),
    rawP99: pick(reps, (r) => r.rawP99Us),
    p50Ratio: pick(reps, (r) => r.p50Ratio),
    p99Ratio: pick(reps, (r) => r.p99Ratio),
  });
  const lock = results.lock && paired(results.lock.reps);
  const f4 = results.traffic;
  const traffic = f4 && {
    loser: pick(f4.reps, (r) => r.loserCommandsPerOccurrence),
    loserMax: Math.max(...f4.reps.map((r) => r.loserMaxCommands)),
    winner: pick(f4.reps, (r) => r.winnerCommandsPerOccurrence),
    winnerSent: pick(f4.reps, (r) => r.winnerSentPerOccurrence),
    loserSent: pick(f4.reps, (r) => r.loserSentPerOccurrence),
    total: pick(f4.reps, (r) => r.totalPerOccurrence),
    commandstats: pick(f4.reps, (r) => r.commandstatsPerOccurrence),
    foreign: sumOf(f4.reps, (r) => r.foreignCommands),
    unattributed: sumOf(f4.reps, (r) => r.unattributedCommands),
    badOccurrences: sumOf(f4.reps, (r) => r.occurrencesWithoutExactlyOneWinner),
    outcomes: f4.reps.reduce<Record<string, number>>((acc, r) => {
      for (const [k, v] of Object.entries(r.outcomes)) acc[k] = (acc[k] ?? 0) + v;
      return acc;
    }, {}),
    byCommandWinner: f4.byCommandWinner,
    byCommandLoser: f4.byCommandLoser,
  };
  const f5 = results.boot;
  const boot = f5 && {
    coordinated: summarise(f5.boots.coordinated),
    plain: summarise(f5.boots.plain),
    ratio: summarise(f5.ratios),
  };
  const window = (w: WindowResult | undefined): WindowSummary | undefined =>
    w && {
      // Latency from the window with MONITOR detached; the monitored window's is a diagnostic.
      p50: w.unobserved ? pick(w.unobserved.slices, (x) => x.p50Ms) : undefined,
      p99: w.unobserved ? pick(w.unobserved.slices, (x) => x.p99Ms) : undefined,
      p50Monitored: pick(w.slices, (x) => x.p50Ms),
      p99Monitored: pick(w.slices, (x) => x.p99Ms),
      unobserved: w.unobserved,
      unobservedDuplicates: w.unobserved ? sumOf(w.unobserved.slices, (x) => x.duplicates) : undefined,
      unobservedMisses: w.unobserved ? sumOf(w.unobserved.slices, (x) => x.misses) : undefined,
      idle: pick(w.slices, (x) => x.idleCommandsPerSec),
      perOccurrence: pick(w.slices, (x) => x.commandsPerOccurrence),
      duplicates: pick(w.slices, (x) => x.duplicates),
      misses: pick(w.slices, (x) => x.misses),
      idleWholeWindow: sumOf(w.slices, (x) => x.idleCommands) / sumOf(w.slices, (x) => x.idleSeconds),
      duplicatesTotal: sumOf(w.slices, (x) => x.duplicates),
      missesTotal: sumOf(w.slices, (x) => x.misses),
      foreign: sumOf(w.slices, (x) => x.foreignCommands),
      commandstatsTotal: sumOf(w.slices, (x) => x.commandstatsDelta),
      attributedTotal: sumOf(w.slices, (x) => x.commands),
      pooled: w.pooled,
      totalByCommand: w.totalByCommand,
      idleByCommand: w.idleByCommand,
      idleRoundTripMs: w.idleRoundTripMs,
      idleWakeLateMs: w.idleWakeLateMs,
    };
  const f8 = results.scale;
  const scale = f8 && {
    tenants: f8.reps[0]?.tenants ?? NaN,
    tps: pick(f8.reps, (r) => r.tenantsPerSec),
    elapsedMs: pick(f8.reps, (r) => r.elapsedMs),
    rss: pick(f8.reps, (r) => r.rssGrowthMB),
    rssBeforeMB: pick(f8.reps, (r) => r.rssBeforeMB),
    pingMax: pick(f8.reps, (r) => r.ping.maxMs),
    pingP99: pick(f8.reps, (r) => r.ping.p99Ms),
    pingCount: pick(f8.reps, (r) => r.ping.count),
    idlePingMax: pick(f8.reps, (r) => r.idlePing.maxMs),
    loopMax: pick(f8.reps, (r) => r.loopDelayMaxMs),
    loopP99: pick(f8.reps, (r) => r.loopDelayP99Ms),
    logLines: f8.reps.map((r) => r.logLines),
  };
  const f9 = results.telemetry;
  const telemetry = f9 && {
    ratio: pick(f9.reps, (r) => r.sdk.tenantsPerSec / r.none.tenantsPerSec),
    traceTenantsRatio: pick(f9.reps, (r) => r.sdkTenants.tenantsPerSec / r.noneBesideTenants.tenantsPerSec),
    noneTps: pick(f9.reps, (r) => r.none.tenantsPerSec),
    sdkTps: pick(f9.reps, (r) => r.sdk.tenantsPerSec),
    sdkTenantsTps: pick(f9.reps, (r) => r.sdkTenants.tenantsPerSec),
    // What the SDK adds per tenant, in microseconds: the difference of the per-tenant times within a repetition.
    sdkUsPerTenant: pick(f9.reps, (r) => 1e6 / r.sdk.tenantsPerSec - 1e6 / r.none.tenantsPerSec),
    sdkTenantsUsPerTenant: pick(f9.reps, (r) => 1e6 / r.sdkTenants.tenantsPerSec - 1e6 / r.noneBesideTenants.tenantsPerSec),
    runSpans: f9.reps.map((r) => r.sdk.spans['coordinated-cron.run'] ?? 0),
    tenantSpans: f9.reps.map((r) => r.sdkTenants.spans['coordinated-cron.tenant'] ?? 0),
    tenantsCounted: f9.reps.map((r) => `${r.sdk.tenantsCounted} of ${r.sdk.tenantsExpected}`),
  };
  const f10 = results.resume;
  const resume = f10 && {
    ratio: pick(f10.reps, (r) => r.ratio),
    delayMs: pick(f10.reps, (r) => r.delayMs),
    leaseTtlMs: f10.reps[0]?.leaseTtlMs ?? NaN,
    killedAfterMs: pick(f10.reps, (r) => r.killedAfterMs),
    resumedTenants: f10.reps.map((r) => r.resumedTenants),
    attempts: f10.reps.map((r) => r.attempt),
  };
  const f11 = results.progress;
  const progress = f11 && {
    ...sideBySide(f11.reps),
    onCommands: pick(f11.reps, (r) => r.on.commands),
    offCommands: pick(f11.reps, (r) => r.off.commands),
    onByCommand: f11.reps[0]?.on.byCommand ?? {},
    offByCommand: f11.reps[0]?.off.byCommand ?? {},
  };
  const postgresClaim = results.postgresClaim && paired(results.postgresClaim.reps);
  const f13 = results.postgresTraffic;
  const postgresTraffic = f13 && {
    winner: pick(f13.reps, (r) => r.winnerRoundTrips),
    loser: pick(f13.reps, (r) => r.loserRoundTrips),
    loserMax: Math.max(...f13.reps.map((r) => r.loserMaxRoundTrips)),
    badOccurrences: sumOf(f13.reps, (r) => r.occurrencesWithoutExactlyOneWinner),
    outcomes: f13.reps.reduce<Record<string, number>>((acc, r) => {
      for (const [k, v] of Object.entries(r.outcomes)) acc[k] = (acc[k] ?? 0) + v;
      return acc;
    }, {}),
    byKindWinner: f13.byKindWinner,
    byKindLoser: f13.byKindLoser,
    connectionsOpened: f13.connectionsOpened,
  };
  const f14 = results.postgresLatency;
  const postgresLatency = f14 && {
    p50: pick(f14.slices, (x) => x.p50Ms),
    p99: pick(f14.slices, (x) => x.p99Ms),
    pooled: f14.pooled,
    duplicates: sumOf(f14.slices, (x) => x.duplicates),
    misses: sumOf(f14.slices, (x) => x.misses),
  };
  const f15 = results.postgresIdle;
  const minute = (t: MinuteTicks) => ({ delays: summarise(t.delaysMs), duplicates: t.duplicates, misses: t.misses, outside: t.startsOutsideWindow, ticks: t.ticks.length });
  const postgresIdle = f15 && {
    library: summarise([f15.idle.library.perSec]),
    pgboss: summarise([f15.idle.pgboss.perSec]),
    graphile: summarise([f15.idle.graphile.perSec]),
    counts: f15.idle,
    libraryStatements: f15.libraryStatements,
    listening: f15.listening,
    nightlyCron: f15.nightlyCron,
    pgbossTicks: minute(f15.ticks.pgboss),
    graphileTicks: minute(f15.ticks.graphile),
  };
  const f16 = results.postgresScale;
  const postgresScale = f16 && {
    tenants: f16.reps[0]?.tenants ?? NaN,
    tps: pick(f16.reps, (r) => r.tenantsPerSec),
    elapsedMs: pick(f16.reps, (r) => r.elapsedMs),
    rss: pick(f16.reps, (r) => r.rssGrowthMB),
    rssBeforeMB: pick(f16.reps, (r) => r.rssBeforeMB),
    loopMax: pick(f16.reps, (r) => r.loopDelayMaxMs),
    loopP99: pick(f16.reps, (r) => r.loopDelayP99Ms),
    leaseHeld: pick(f16.reps, (r) => (r.leaseHeld ? 1 : 0)),
    leaseTtlMs: f16.reps[0]?.leaseTtlMs ?? NaN,
    readMax: pick(f16.reps, (r) => r.lease.maxWaitMs),
    idleReadMax: pick(f16.reps, (r) => r.lease.idleMaxWaitMs),
    leases: f16.reps.map((r) => r.lease),
    abortedTenants: f16.reps.map((r) => r.abortedTenants),
    logLines: f16.reps.map((r) => r.logLines),
  };
  const f17 = results.localTime;
  const localTime = f17 && {
    ratio: pick(f17.reps, (r) => r.local.makespanMs / r.plain.makespanMs),
    filteredRatio: pick(f17.reps, (r) => r.localFiltered.makespanMs / r.plain.makespanMs),
    localMs: pick(f17.reps, (r) => r.local.makespanMs),
    plainMs: pick(f17.reps, (r) => r.plain.makespanMs),
    filteredMs: pick(f17.reps, (r) => r.localFiltered.makespanMs),
    localVsWork: pick(f17.reps, (r) => r.local.makespanMs / r.local.workLowerBoundMs),
    plainVsWork: pick(f17.reps, (r) => r.plain.makespanMs / r.plain.workLowerBoundMs),
    instantsPerDay: summarise([f17.instantsPerDay]),
    tenantInstantsPerDay: summarise([f17.tenantInstantsPerDay]),
    tenantInstants: f17.tenantInstants,
    instant: f17.instant,
    dueZones: f17.dueZones,
    dueTenants: f17.dueTenants,
    tenants: f17.tenants,
    zones: f17.zones.length,
    cron: f17.cron,
  };
  const propagation = (run: RescheduleRun | undefined) =>
    run && {
      all: summarise(run.changes.map((c) => c.propagationMs)),
      max: summarise([Math.max(...run.changes.map((c) => c.propagationMs))]),
      fromCall: summarise(run.changes.map((c) => c.fromCallMs)),
      call: summarise(run.changes.map((c) => c.callMs)),
      changes: run.changes.length,
    };
  const f18 = results.reschedule;
  const reschedule = f18 && {
    redis: propagation(f18.runs.find((r) => r.store === 'redis')),
    postgres: propagation(f18.runs.find((r) => r.store === 'postgres')),
    instances: f18.instances,
  };
  const f19 = results.retry;
  const retry = f19 && {
    ...sideBySide(f19.reps),
    recovered: pick(f19.reps, (r) => r.recovery.recovered / r.recovery.failing),
    recoveryMs: pick(f19.reps, (r) => r.recovery.makespanMs),
    // What the failed calls and their retries add: against the run without retry, none failing, of the same repetition.
    extraMs: pick(f19.reps, (r) => r.recovery.makespanMs - r.off.makespanMs),
    failing: f19.reps[0]?.recovery.failing ?? NaN,
    retried: f19.reps.map((r) => r.recovery.retried),
    tries: f19.reps.map((r) => r.recovery.tries),
  };
  return {
    postgresClaim,
    postgresTraffic,
    postgresLatency,
    postgresIdle,
    postgresScale,
    localTime,
    reschedule,
    retry,
    latencySubscribed: results.latency?.subscribed,
    fanout,
    overhead,
    lock,
    traffic,
    boot,
    latency: window(results.latency),
    bullmq: window(results.bullmq),
    scale,
    telemetry,
    resume,
    progress,
  };
}

export type Summaries = ReturnType<typeof summariseAll>;

export interface Target {
  op: '<=' | '>=' | '<' | '==';
  value: number;
}

export interface Row {
  fig: number;
  metric: string;
  /** null: the cell is left empty on purpose. */
  lib: Summary | null;
  baseLabel: string;
  base: Summary | null;
  target: Target | null;
  digits: number;
  error: string | null;
}

const NONE = summarise([]);
const BLANK = Symbol('blank');
type Cell = Summary | typeof BLANK | undefined;

export const FIGURE_OF: Record<FigureKey, number> = {
  fanout: 1,
  overhead: 2,
  lock: 3,
  traffic: 4,
  boot: 5,
  latency: 6,
  bullmq: 7,
  scale: 8,
  telemetry: 9,
  resume: 10,
  progress: 11,
  postgresClaim: 12,
  postgresTraffic: 13,
  postgresLatency: 14,
  postgresIdle: 15,
  postgresScale: 16,
  localTime: 17,
  reschedule: 18,
  retry: 19,
};

/** Table rows: figure, metric, library, baseline, target. A missing scenario yields n/a cells, never a number. */
export function buildRows(s: Summaries, errors: Errors, scaleTenants: number): Row[] {
  const rows: Row[] = [];
  const errorOf = new Map(Object.entries(errors).map(([k, v]) => [FIGURE_OF[k as FigureKey], v]));
  // BLANK leaves a cell empty on purpose; anything missing means the figure was not measured (n/a).
  const cell = (v: Cell): Summary | null => (v === BLANK ? null : (v ?? NONE));
  const row = (fig: number, metric: string, lib: Cell, baseLabel: string, base: Cell, target: Target | null, digits: number): void => {
    rows.push({ fig, metric, lib: cell(lib), baseLabel, base: cell(base), target, digits, error: errorOf.get(fig) ?? null });
  };
  const one = (v: number | undefined): Summary | undefined => (v === undefined ? undefined : summarise([v]));

  const { fanout: f1, overhead: f2, lock: f3, traffic: f4, boot: f5, latency: f6, bullmq: b, scale: f8, telemetry: f9, resume: f10, progress: f11 } = s;
  row(1, 'fan-out makespan / lower bound', f1?.library, 'fixed batches of 16', f1?.batches, { op: '<=', value: 1.05 }, 3);
  row(1, 'same, minimal pool (reference)', BLANK, 'minimal pool', f1?.pool, null, 3);
  row(2, 'no-op tenants per second', f2?.libraryTps, 'bare loop, same concurrency', f2?.bareTps, { op: '>=', value: 100000 }, 0);
  row(2, 'peak RSS growth (MB)', f2?.libraryRss, 'bare loop', f2?.bareRss, { op: '<', value: 64 }, 1);
  row(3, 'claim latency p50 (us)', f3?.libP50, 'raw SET NX PX', f3?.rawP50, null, 1);
  row(3, 'claim latency p99 (us)', f3?.libP99, 'raw SET NX PX', f3?.rawP99, null, 1);
  row(3, 'p50 ratio library / raw', f3?.p50Ratio, '', BLANK, { op: '<=', value: 1.3 }, 3);
  row(3, 'p99 ratio library / raw', f3?.p99Ratio, '', BLANK, null, 3);
  // The targets are on what an instance sends: a script call is one command on the wire, whatever it runs inside.
  row(4, 'commands sent / occurrence, losing instance', f4?.loserSent, '', BLANK, { op: '<=', value: 2 }, 2);
  row(4, 'commands sent / occurrence, winning instance', f4?.winnerSent, '', BLANK, { op: '<=', value: 6 }, 2);
  // Diagnostic: as commandstats counts them, every command a script runs inside Redis counted one by one.
  row(4, 'same, counting commands run inside scripts, losing', f4?.loser, '', BLANK, null, 2);
  row(4, 'same, counting commands run inside scripts, winning', f4?.winner, '', BLANK, null, 2);
  row(4, 'commands / occurrence, all five', f4?.total, 'BullMQ, all five (fig. 7)', b?.perOccurrence, null, 2);
  row(5, 'app.init() with 500 jobs (ms)', f5?.coordinated, '500 plain @Cron', f5?.plain, null, 0);
  row(5, 'boot ratio', f5?.ratio, '', BLANK, { op: '<=', value: 2 }, 3);
  row(6, 'start latency p50 (ms)', f6?.p50, 'BullMQ (fig. 7)', b?.p50, { op: '<=', value: 10 }, 2);
  row(6, 'start latency p99 (ms)', f6?.p99, 'BullMQ (fig. 7)', b?.p99, null, 2);
  row(6, 'same p50 with MONITOR attached (diagnostic)', f6?.p50Monitored, 'BullMQ (fig. 7)', b?.p50Monitored, null, 2);
  row(6, 'idle commands / s', f6?.idle, 'BullMQ (fig. 7)', b?.idle, { op: '==', value: 0 }, 2);
  row(6, 'instances subscribed to schedule signals throughout (of 5)', one(s.latencySubscribed), '', BLANK, null, 0);
  row(7, 'commands / occurrence, all instances', f6?.perOccurrence, 'BullMQ', b?.perOccurrence, null, 2);
  // Periodic housekeeping (BullMQ's stalled-job check runs every 30 s) falls into few 8 s repetitions, so the
  // median can hide it; the rate over all idle stretches of the window shows it.
  row(7, 'idle commands / s, whole window', one(f6?.idleWholeWindow), 'BullMQ', one(b?.idleWholeWindow), null, 2);
  row(7, 'duplicate runs per repetition (4 ticks)', f6?.duplicates, 'BullMQ', b?.duplicates, null, 0);
  row(7, 'missed ticks per repetition (4 ticks)', f6?.misses, 'BullMQ', b?.misses, null, 0);
  row(7, 'duplicate runs, whole window', one(f6?.duplicatesTotal), 'BullMQ', one(b?.duplicatesTotal), null, 0);
  row(7, 'missed ticks, whole window', one(f6?.missesTotal), 'BullMQ', one(b?.missesTotal), null, 0);
  row(8, `${fmt(scaleTenants, 0)} no-op tenants in one run, per second`, f8?.tps, '', BLANK, { op: '>=', value: 100_000 }, 0);
  row(8, 'peak RSS growth (MB)', f8?.rss, '', BLANK, { op: '<=', value: 128 }, 1);
  row(8, 'longest PING wait, another process (ms)', f8?.pingMax, 'same PING, idle', f8?.idlePingMax, { op: '<=', value: 20 }, 2);
  row(8, 'event-loop delay max, run process (ms)', f8?.loopMax, '', BLANK, { op: '<=', value: 50 }, 1);
  row(9, 'no-op tenants per second, OpenTelemetry SDK', f9?.sdkTps, 'no SDK registered', f9?.noneTps, null, 0);
  row(9, 'throughput ratio SDK / no SDK', f9?.ratio, '', BLANK, { op: '>=', value: 0.9 }, 3);
  row(9, 'same with traceTenants (diagnostic)', f9?.traceTenantsRatio, '', BLANK, null, 3);
  row(10, 'SIGKILL to first tenant of the resumed run (ms)', f10?.delayMs, 'leaseTtl', one(f10?.leaseTtlMs), null, 0);
  row(10, 'resume delay / leaseTtl', f10?.ratio, '', BLANK, { op: '<=', value: 1.1 }, 3);
  row(11, 'fan-out makespan, progress recorded (ms)', f11?.onMs, "crashRecovery: 'none'", f11?.offMs, null, 0);
  row(11, 'makespan ratio recorded / not recorded', f11?.ratio, '', BLANK, { op: '<=', value: 1.03 }, 3);

  const { postgresClaim: p12, postgresTraffic: p13, postgresLatency: p14, postgresIdle: p15, postgresScale: p16, localTime: t17, reschedule: r18 } = s;
  const bare = 'bare INSERT ON CONFLICT DO NOTHING';
  row(12, 'PostgreSQL claim latency p50 (us)', p12?.libP50, bare, p12?.rawP50, null, 1);
  row(12, 'PostgreSQL claim latency p99 (us)', p12?.libP99, bare, p12?.rawP99, null, 1);
  row(12, 'p50 ratio library / bare insert', p12?.p50Ratio, '', BLANK, { op: '<=', value: 1.5 }, 3);
  row(12, 'p99 ratio library / bare insert', p12?.p99Ratio, '', BLANK, null, 3);
  row(13, 'round trips / occurrence, losing instance', p13?.loser, '', BLANK, { op: '<=', value: 1 }, 2);
  row(13, 'round trips / occurrence, winning instance', p13?.winner, '', BLANK, { op: '<=', value: 4 }, 2);
  row(14, 'start latency p50 (ms), PostgreSQL', p14?.p50, 'pg-boss schedule() (fig. 15)', p15?.pgbossTicks.delays, { op: '<=', value: 10 }, 2);
  row(14, 'same, graphile-worker crontab (reference)', BLANK, 'graphile-worker crontab (fig. 15)', p15?.graphileTicks.delays, null, 2);
  row(14, 'start latency p99 (ms), PostgreSQL', p14?.p99, '', BLANK, null, 2);
  row(15, 'idle transactions / s, PostgreSQL', p15?.library, 'pg-boss schedule()', p15?.pgboss, { op: '==', value: 0 }, 2);
  row(15, 'same, graphile-worker crontab (reference)', BLANK, 'graphile-worker crontab', p15?.graphile, null, 2);
  row(15, 'instances listening for schedule signals throughout (of 5)', one(p15?.listening), '', BLANK, null, 0);
  row(16, `${fmt(p16?.tenants ?? NaN, 0)} no-op tenants in one run on PostgreSQL, per second`, p16?.tps, '', BLANK, { op: '>=', value: 50_000 }, 0);
  row(16, 'peak RSS growth (MB)', p16?.rss, '', BLANK, { op: '<=', value: 128 }, 1);
  row(16, 'event-loop delay max, run process (ms)', p16?.loopMax, '', BLANK, { op: '<=', value: 50 }, 1);
  row(16, 'lease held throughout, read from another process (1 = yes)', p16?.leaseHeld, '', BLANK, { op: '==', value: 1 }, 0);
  row(16, 'longest lease read, another process (ms)', p16?.readMax, 'same read, idle', p16?.idleReadMax, null, 2);
  row(17, 'timer instants per day, every zone', t17?.instantsPerDay, '', BLANK, null, 0);
  row(17, "same, with some of the 40 zones' tenants due", t17?.tenantInstantsPerDay, '', BLANK, null, 0);
  row(17, "fan-out makespan of one instant's due tenants (ms)", t17?.localMs, 'plain @PerTenant(), same tenants', t17?.plainMs, null, 0);
  row(17, 'makespan ratio local-time / plain', t17?.ratio, '', BLANK, { op: '<=', value: 1.05 }, 3);
  row(17, 'same, the app filtering by the zones it is told (diagnostic)', t17?.filteredRatio, '', BLANK, null, 3);
  row(18, 'reschedule() to all 5 instances re-armed, p50 (ms), Redis', r18?.redis?.all, '', BLANK, null, 1);
  const changes = r18?.redis?.changes ?? r18?.postgres?.changes ?? NaN;
  row(18, `same, max of ${fmt(changes, 0)} changes (ms), Redis`, r18?.redis?.max, '', BLANK, { op: '<=', value: 2000 }, 1);
  row(18, 'same, p50 (ms), PostgreSQL', r18?.postgres?.all, '', BLANK, null, 1);
  row(18, `same, max of ${fmt(changes, 0)} changes (ms), PostgreSQL`, r18?.postgres?.max, '', BLANK, { op: '<=', value: 2000 }, 1);

  const { retry: f19 } = s;
  row(19, 'fan-out makespan, retry set, none failing (ms)', f19?.onMs, 'no retry', f19?.offMs, null, 0);
  row(19, 'makespan ratio retry set / not set', f19?.ratio, '', BLANK, { op: '<=', value: 1.02 }, 3);
  row(19, `fan-out makespan, ${fmt(f19?.failing ?? NaN, 0)} tenants failing their first call (ms)`, f19?.recoveryMs, 'no retry, none failing', f19?.offMs, null, 0);
  row(19, 'share of the failing tenants that succeeded on a retry', f19?.recovered, '', BLANK, { op: '==', value: 1 }, 3);
  return rows;
}

export function fmt(v: number | null | undefined, digits: number): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtSummary(sum: Summary | null | undefined, digits: number): string {
  if (!sum || sum.median === null) return 'n/a';
  if (sum.min === sum.max) return fmt(sum.median, digits);
  return `${fmt(sum.median, digits)} (${fmt(sum.min, digits)}..${fmt(sum.max, digits)})`;
}

export function verdict(r: Row): string {
  if (!r.target) return '';
  const m = r.lib?.median;
  if (m === null || m === undefined) return r.error ? 'ERROR' : 'n/a';
  const t = r.target.value;
  const met = { '<=': m <= t, '>=': m >= t, '<': m < t, '==': m === t }[r.target.op];
  if (met) return 'met';
  if (t === 0) return `MISSED (${fmt(m, r.digits)} vs 0)`;
  const pct = ((m - t) / t) * 100;
  return `MISSED by ${fmt(Math.abs(m - t), r.digits)} (${pct > 0 ? '+' : ''}${pct.toFixed(1)}%)`;
}

function targetText(t: Target | null): string {
  if (!t) return '';
  return `${t.op === '==' ? '=' : t.op} ${t.value.toLocaleString('en-US')}`;
}

function tableCells(rows: readonly Row[]): string[][] {
  const shown = (r: Row, sum: Summary | null): string => {
    if (sum === null) return '';
    return r.error && sum.median === null ? 'ERROR' : fmtSummary(sum, r.digits);
  };
  return rows.map((r) => [String(r.fig), r.metric, shown(r, r.lib), r.baseLabel, shown(r, r.base), targetText(r.target), verdict(r)]);
}

const HEAD = ['#', 'figure', 'library median (min..max)', 'baseline', 'baseline median (min..max)', 'target', 'result'];

export function textTable(rows: readonly Row[]): string {
  const cells = [HEAD, ...tableCells(rows)];
  const widths = HEAD.map((_, i) => Math.max(...cells.map((c) => c[i].length)));
  const line = (c: string[]): string => c.map((x, i) => x.padEnd(widths[i])).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function markdownTable(rows: readonly Row[]): string {
  const esc = (x: string): string => x.replace(/\|/g, '\\|');
  const out = [`| ${HEAD.join(' | ')} |`, `|${HEAD.map(() => '---').join('|')}|`];
  for (const c of tableCells(rows)) out.push(`| ${c.map(esc).join(' | ')} |`);
  return out.join('\n');
}

function round(v: number | null | undefined, digits: number): number | null {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Medians only, null where a figure could not be measured. Field names are a contract: add, never rename. */
export function jsonSummary(s: Summaries) {
  const m = (sum: Summary | undefined, digits: number): number | null => round(sum?.median, digits);
  type Ticks = NonNullable<Summaries['postgresIdle']>['pgbossTicks'];
  // A PostgreSQL baseline of figure 15: its idle rate and its start latency at minute ticks.
  const baseline = (idle: Summary | undefined, ticks: Ticks | undefined, digits: number) => ({
    idleTransactionsPerSec: m(idle, 2),
    startP50Ms: m(ticks?.delays, digits),
    startMaxMs: round(ticks?.delays.max, digits),
    duplicates: ticks?.duplicates ?? null,
    misses: ticks?.misses ?? null,
  });
  return {
    fanout: { ratio: m(s.fanout?.library, 3), batchRatio: m(s.fanout?.batches, 3) },
    overhead: {
      tenantsPerSec: m(s.overhead?.libraryTps, 0),
      bareTenantsPerSec: m(s.overhead?.bareTps, 0),
      rssGrowthMB: m(s.overhead?.libraryRss, 1),
    },
    lock: { p50Ratio: m(s.lock?.p50Ratio, 3), p99Ratio: m(s.lock?.p99Ratio, 3) },
    redis: {
      loserCommandsPerOccurrence: m(s.traffic?.loserSent, 2),
      winnerCommandsPerOccurrence: m(s.traffic?.winnerSent, 2),
      loserCommandsInScriptsPerOccurrence: m(s.traffic?.loser, 2),
      winnerCommandsInScriptsPerOccurrence: m(s.traffic?.winner, 2),
    },
    boot: { ratio: m(s.boot?.ratio, 3) },
    latency: {
      p50Ms: m(s.latency?.p50, 2),
      p99Ms: m(s.latency?.p99, 2),
      p50MsWithMonitor: m(s.latency?.p50Monitored, 2),
    },
    idle: { commandsPerSec: m(s.latency?.idle, 2), subscribedInstances: s.latencySubscribed ?? null },
    bullmq: {
      commandsPerOccurrence: m(s.bullmq?.perOccurrence, 2),
      idleCommandsPerSec: m(s.bullmq?.idle, 2),
      p50Ms: m(s.bullmq?.p50, 2),
      p99Ms: m(s.bullmq?.p99, 2),
      duplicates: m(s.bullmq?.duplicates, 2),
      misses: m(s.bullmq?.misses, 2),
    },
    scale: {
      tenantsPerSec: m(s.scale?.tps, 0),
      rssGrowthMB: m(s.scale?.rss, 1),
      maxPingMs: m(s.scale?.pingMax, 2),
      loopDelayMaxMs: m(s.scale?.loopMax, 1),
    },
    telemetry: { ratio: m(s.telemetry?.ratio, 3), traceTenantsRatio: m(s.telemetry?.traceTenantsRatio, 3) },
    resume: { ratio: m(s.resume?.ratio, 3), delayMs: m(s.resume?.delayMs, 0) },
    progress: { overheadRatio: m(s.progress?.ratio, 3) },
    postgres: {
      claimP50Ratio: m(s.postgresClaim?.p50Ratio, 3),
      claimP99Ratio: m(s.postgresClaim?.p99Ratio, 3),
      loserRoundTrips: m(s.postgresTraffic?.loser, 2),
      winnerRoundTrips: m(s.postgresTraffic?.winner, 2),
      idleTransactionsPerSec: m(s.postgresIdle?.library, 2),
      startP50Ms: m(s.postgresLatency?.p50, 2),
      startP99Ms: m(s.postgresLatency?.p99, 2),
      scale: {
        tenantsPerSec: m(s.postgresScale?.tps, 0),
        rssGrowthMB: m(s.postgresScale?.rss, 1),
        loopDelayMaxMs: m(s.postgresScale?.loopMax, 1),
        leaseHeld: s.postgresScale ? s.postgresScale.leaseHeld.min === 1 : null,
      },
    },
    pgboss: baseline(s.postgresIdle?.pgboss, s.postgresIdle?.pgbossTicks, 0),
    graphile: baseline(s.postgresIdle?.graphile, s.postgresIdle?.graphileTicks, 2),
    localTime: {
      overheadRatio: m(s.localTime?.ratio, 3),
      appFilteredOverheadRatio: m(s.localTime?.filteredRatio, 3),
      instantsPerDay: m(s.localTime?.instantsPerDay, 0),
      tenantInstantsPerDay: m(s.localTime?.tenantInstantsPerDay, 0),
      dueTenants: s.localTime?.dueTenants ?? null,
    },
    reschedule: {
      propagationMs: { p50: m(s.reschedule?.redis?.all, 1), max: m(s.reschedule?.redis?.max, 1) },
      postgres: { propagationMs: { p50: m(s.reschedule?.postgres?.all, 1), max: m(s.reschedule?.postgres?.max, 1) } },
    },
    retry: { overheadRatio: m(s.retry?.ratio, 3), recoveredRatio: m(s.retry?.recovered, 3), extraMakespanMs: m(s.retry?.extraMs, 0) },
  };
}
