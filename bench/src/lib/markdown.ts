import { relative } from 'node:path';
import { type Config } from '../config';
import { type MachineFacts } from './machine';
import { fmt, fmtSummary, markdownTable, verdict, type Row, type Summaries } from './report';
import { type CommandCounts } from './redis';
import { type Errors } from './results';
import { REPO_ROOT } from './library';

function list(obj: CommandCounts | undefined): string {
  const entries = Object.entries(obj ?? {}).sort((a, b) => b[1] - a[1]);
  return entries.length ? entries.map(([k, v]) => `${k} ${Math.round(v * 100) / 100}`).join(', ') : 'none';
}

function perOccurrence(obj: CommandCounts | undefined, n: number): CommandCounts {
  return Object.fromEntries(Object.entries(obj ?? {}).map(([k, v]) => [k, v / n]));
}

const count = (n: number): string => n.toLocaleString('en-US');

/** Figure 19's failing tenants by the calls each got: "100 with 2 calls". */
const byCalls = (tries: Record<string, number>): string =>
  Object.entries(tries)
    .map(([calls, n]) => `${n} with ${calls} call${calls === '1' ? '' : 's'}`)
    .join(', ');

/** Why a missed target was missed, from what the same run measured around it. */
function missExplanations(s: Summaries, rows: readonly Row[], config: Config, machine: MachineFacts): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const v = verdict(r);
    if (!v.startsWith('MISSED') && v !== 'ERROR') continue;
    const head = `- **${r.fig}. ${r.metric}**: median ${fmt(r.lib?.median, r.digits)}, target ${r.target?.op} ${r.target?.value}; ${v}.`;
    let why = '';
    if (v === 'ERROR') why = ` The scenario failed: ${r.error}`;
    else if (r.fig === 1 && s.fanout) {
      const f = s.fanout;
      why =
        ` In the same run the minimal pool on the same timers reached ${fmt(f.pool.median, 3)}, so the pool shape is not` +
        ` the cause. Measured inside each tenant, the timers' real durations give a lower bound ${fmt(f.libraryWorkInflation.median, 3)}x` +
        ` the nominal one under the library against ${fmt(f.poolWorkInflation.median, 3)}x under the minimal pool: the` +
        ` event loop is busier per tenant on the library path (CLS child context, guard, timeout plumbing, report` +
        ` bookkeeping), which delays every timer callback a little. Against the work actually done, the library's` +
        ` makespan is ${fmt(f.libraryVsMeasuredWork.median, 3)}x its lower bound (minimal pool ${fmt(f.poolVsMeasuredWork.median, 3)}x).`;
    } else if (r.fig === 2 && s.overhead) {
      why = ` The library spends ${fmt(s.overhead.libraryUsPerTenant.median, 2)} us per no-op tenant on this machine.`;
    } else if (r.fig === 3 && s.lock) {
      why =
        ` RedisLockStore.claim costs ${fmt((s.lock.libP50.median ?? NaN) - (s.lock.rawP50.median ?? NaN), 1)} us more than the raw` +
        ` command at p50: it is one EVALSHA (six keys, thirteen arguments) whose script reads the schedule's version, the` +
        ' pause, the ledger, the claim and the lease, and writes the claim, the lease, the fencing counter and the ledger,' +
        ' where the raw side runs one SET.';
    } else if (r.fig === 4 && s.traffic && r.metric.includes('winning')) {
      why = ` The winning instance sent, per occurrence: ${list(perOccurrence(s.traffic.byCommandWinner, s.traffic.outcomes.completed || 1))}.`;
    } else if (r.fig === 4 && s.traffic) {
      why = ` Losing instances sent, per occurrence: ${list(perOccurrence(s.traffic.byCommandLoser, s.traffic.outcomes['skipped/duplicate'] || 1))}.`;
    } else if (r.fig === 5 && s.boot) {
      why = ` That is ${fmt(((s.boot.coordinated.median ?? NaN) - (s.boot.plain.median ?? NaN)) / config.boot.jobs, 3)} ms of extra boot time per job.`;
    } else if (r.fig === 6 && s.latency && r.metric.includes('p50')) {
      const l = s.latency;
      why =
        ` Five processes wake on the same tick on ${machine.cores} cores, so each waits for CPU. This machine is also slow` +
        ` to wake from idle by itself, before any library code runs: the harness's own plain \`setTimeout\`, aimed at a` +
        ` wall-clock instant after 1.6 s of idle, fired ${fmt(l.idleWakeLateMs.p50, 2)} ms late at p50 (worst` +
        ` ${fmt(l.idleWakeLateMs.max, 2)} ms), and its bare ECHO right after took ${fmt(l.idleRoundTripMs.p50, 2)} ms (worst` +
        ` ${fmt(l.idleRoundTripMs.max, 2)} ms) against ${fmt(s.lock ? (s.lock.rawP50.median ?? NaN) / 1000 : NaN, 3)} ms for` +
        ` back-to-back commands in figure 3.`;
    } else if (r.fig === 6 && s.latency) {
      why = ` Idle traffic by command: ${list(s.latency.idleByCommand)}.`;
    } else if (r.fig === 10 && s.resume) {
      why =
        ` The holder was killed ${fmtSummary(s.resume.killedAfterMs, 0)} ms into its run; a survivor can take over only` +
        ` once the lease the holder last renewed has expired, which is up to one leaseTtl after the kill.`;
    } else if (r.fig === 11 && s.progress) {
      const p = s.progress;
      why =
        ` Against the work the timers actually did, the recorded run's makespan is ${fmtSummary(p.onVsWork, 3)}x its lower` +
        ` bound and the unrecorded run's ${fmtSummary(p.offVsWork, 3)}x. Commands per run: recorded ${fmtSummary(p.onCommands, 0)},` +
        ` not recorded ${fmtSummary(p.offCommands, 0)}.`;
    } else if (r.fig === 12 && s.postgresClaim) {
      why =
        ` PostgresLockStore.claim costs ${fmt((s.postgresClaim.libP50.median ?? NaN) - (s.postgresClaim.rawP50.median ?? NaN), 1)} us more` +
        " than the bare insert at p50: it is one call of the schema's `claim` function with fifteen parameters, which takes" +
        " its decisions in seven statements under the job row's lock (upsert and lock of the job's row, the claim's check," +
        ' the removal of expired claims, the insert, the removal of earlier progress, the update of lease, fence and ledger),' +
        ' where the bare insert is one statement.';
    } else if (r.fig === 13 && s.postgresTraffic) {
      const t = s.postgresTraffic;
      why = r.metric.includes('winning')
        ? ` The winning instance sent, per occurrence: ${list(perOccurrence(t.byKindWinner, t.outcomes.completed || 1))}.`
        : ` Losing instances sent, in all: ${list(t.byKindLoser)}.`;
    } else if (r.fig === 14 && s.postgresLatency) {
      why =
        ` Five processes wake on the same tick on ${machine.cores} cores and each sends its claim to the same server; pooled over` +
        ` ${s.postgresLatency.pooled.ticks} ticks the worst start came ${fmt(s.postgresLatency.pooled.maxMs, 2)} ms after its tick.`;
    } else if (r.fig === 15 && s.postgresIdle) {
      why = ` The library's database counted ${s.postgresIdle.counts.library.transactions} transactions in ${fmt(s.postgresIdle.counts.library.seconds, 1)} s.`;
    } else if (r.fig === 16 && s.postgresScale) {
      const f = s.postgresScale;
      why =
        ` The call took ${fmtSummary(f.elapsedMs, 0)} ms from an RSS of ${fmtSummary(f.rssBeforeMB, 1)} MB; event-loop delay p99` +
        ` ${fmtSummary(f.loopP99, 1)} ms, max ${fmtSummary(f.loopMax, 1)} ms; lease reads: ${f.leases.map((l) => `${l.reads} during the run, ${l.gaps} without it`).join('; ')}.`;
    } else if (r.fig === 17 && s.localTime) {
      why =
        ` Against the work the timers actually did, the local-time run's makespan is ${fmtSummary(s.localTime.localVsWork, 3)}x its` +
        ` lower bound and the plain run's ${fmtSummary(s.localTime.plainVsWork, 3)}x.`;
    } else if (r.fig === 18 && s.reschedule) {
      const run = r.metric.includes('PostgreSQL') ? s.reschedule.postgres : s.reschedule.redis;
      why = run ? ` The changes took ${fmtSummary(run.all, 1)} ms to reach every instance after the call returned.` : '';
    } else if (r.fig === 19 && s.retry && r.target?.op === '==') {
      why =
        ` Calls each failing tenant got, per repetition: ${s.retry.tries.map(byCalls).join('; ')}; tenants the` +
        ` reports list as retried: ${s.retry.retried.join(', ')}. A failing tenant called once was given no retry: the` +
        " next call could not start before the job's next window opened, or the run was cut short.";
    } else if (r.fig === 19 && s.retry) {
      why =
        ` Against the work the timers actually did, the run with retry set has a makespan ${fmtSummary(s.retry.onVsWork, 3)}x its` +
        ` lower bound and the run without ${fmtSummary(s.retry.offVsWork, 3)}x.`;
    } else if (r.fig === 9 && s.telemetry) {
      why = ` The SDK adds ${fmt(s.telemetry.sdkUsPerTenant.median, 2)} us per no-op tenant on this machine.`;
    }
    out.push(head + why);
  }
  return out;
}

function methods(c: Config, s: Summaries): string[] {
  const f = s.fanout;
  return [
    `1. **Fan-out.** ${count(c.fanout.tenants)} tenants, each a \`setTimeout\` of a lognormal duration` +
      ` (xorshift32 seed ${c.fanout.seed}, Box-Muller, median 4 ms, sigma 1; sum ${fmt(f?.sumMs, 0)} ms,` +
      ` longest ${fmt(f?.longestMs, 1)} ms, lower bound ${fmt(f?.lowerBoundMs, 1)} ms).` +
      ` The library side is \`CoordinatedCronRunner.trigger()\` of a \`@PerTenant({ concurrency: ${c.fanout.concurrency} })\` job whose` +
      ` settings provider enables all tenants: claim, lease, CLS, per-tenant child context and guard, report. Makespan` +
      ` is the whole \`trigger()\` call. The baseline awaits fixed slices of ${c.fanout.concurrency} with \`Promise.allSettled\`;` +
      ` a minimal pool (same timers, no library) is printed as the floor this timer allows. All three run in one process,` +
      ` in rotating order, ${c.fanout.reps} times. Node counts a timer from the event loop's cached clock, so a tenant's` +
      ` timer can end slightly before its nominal duration has passed since the tenant started: the nominal lower bound` +
      ` is not strict and a ratio a little under 1 is possible. The diagnostics also give makespan against the durations` +
      ` measured inside each tenant, which is a strict bound.`,
    `2. **Per-tenant overhead.** ${count(c.overhead.tenants)} no-op async tenants at concurrency` +
      ` ${c.overhead.concurrency} through \`trigger()\` (batch \`filterEnabled\` provider, Nest's default logger and levels),` +
      ` against the minimal pool calling the same handler. One fresh process per repetition and side (started with` +
      ` \`--expose-gc\`, collected before the run, one 1,000-tenant warm-up first). RSS growth is the peak (kernel` +
      ` high-water mark \`maxRSS\`, and 5 ms samples) minus the RSS just before the run, so it is an upper bound.`,
    `3. **Lock cost.** ${count(c.lock.claims)} sequential claims per repetition through the library's public` +
      ` \`RedisLockStore.claim()\`, the store built as \`new RedisLockStore(() => client)\` around the` +
      ` node-redis client of a \`@keyv/redis\` store (the client the library uses when that store is the app's cache),` +
      ` interleaved one for one (alternating which goes first) with \`client.set(key, token, { NX: true, PX })\` of a fresh` +
      ` key on that same client. ${CLAIMS_TIMED} The raw keys are as long as the store's occurrence keys. 500 warm-up pairs` +
      ` first. This is the store's claim alone: bounding the call by \`lockTimeout\` happens inside the module and is not in` +
      ` this figure.`,
    `4. **Redis traffic.** ${c.traffic.instances} processes, each a Nest app with the library and its own \`@keyv/redis\`` +
      ` connection, trigger the same occurrence at the same moment; ${c.traffic.occurrences} occurrences per repetition,` +
      ` ${c.traffic.reps} repetitions, 3 warm-up occurrences. Each instance's report says whether it won. The targets` +
      ` count the commands each connection sent, as MONITOR shows them: a script call (\`EVAL\`) is one command on the` +
      ` wire and one round trip. The diagnostic rows count as commandstats does, every command a Lua script runs inside` +
      ` Redis one by one.`,
    `5. **Boot cost.** One fresh process per boot, ${c.boot.reps} boots of each kind in ABBA order. Time from` +
      ` \`NestFactory.createApplicationContext()\` to the end of its \`init()\` (module init and bootstrap hooks, which is` +
      ` where both the library and @nestjs/schedule register their ${c.boot.jobs} cron jobs). Both apps have the same` +
      ` imports (ScheduleModule, ClsModule, CacheModule with @keyv/redis); the library app adds \`CoordinatedCronModule\`.`,
    `6. **Start latency and idle cost.** ${c.latency.instances} processes serve one job on \`*/2 * * * * *\` with jitter off for` +
      ` ${(c.latency.ticks * c.latency.periodMs) / 1000} s (${c.latency.ticks} ticks). Latency is the winner's job-body start (wall clock with` +
      ` sub-millisecond precision) minus the tick in \`context.occurrence\`, taken over ${c.latency.ticks} more ticks right after` +
      ` the monitored window, with MONITOR detached: while it is attached Redis formats every command it runs (a script's` +
      ` body and each command inside it) for the harness, which parses it, at the very moment the instances claim; that` +
      ` window's p50 is kept as a diagnostic row. Traffic between 300 ms after a tick and 100 ms before the next is idle` +
      ` traffic. Every instance holds a second connection subscribed to the store's channel for schedule signals` +
      ` (\`runner.reschedule()\`): the window opens only once \`CLIENT LIST\` shows all ${c.latency.instances} subscribed, and the figure fails` +
      ` unless all still are at its end, so the idle figure is taken with the subscribers connected (their connections` +
      ` carry the instance's name, so anything they sent would be counted).`,
    `7. **BullMQ.** \`Queue.upsertJobScheduler(id, { pattern: '*/2 * * * * *' })\` once, then ${c.bullmq.instances} worker` +
      ` processes with default options (only \`connection\` and a run-scoped \`prefix\` set; client: ioredis, BullMQ's` +
      ` default), the same Redis and the same ${(c.bullmq.ticks * c.bullmq.periodMs) / 1000} s window mechanics as figure 6 (latency too` +
      ` from a second window with MONITOR detached), run after it.` +
      ` The tick is the millisecond timestamp in the scheduler's job id.`,
    `8. **Scale.** One \`trigger()\` of a \`@PerTenant({ concurrency: ${c.scale.concurrency} })\` job over ${count(c.scale.tenants)} no-op` +
      ` async tenants (batch \`filterEnabled\` provider, \`@keyv/redis\` as the app's cache store, Nest's default logger), in a` +
      ` fresh process started with \`--expose-gc\` after a 1,000-tenant warm-up; ${c.scale.reps} repetition${c.scale.reps === 1 ? '' : 's'}` +
      ` (one keeps the whole run under 6 minutes). Tenants per second is ${count(c.scale.tenants)} over the \`trigger()\` call; peak RSS` +
      ` growth as in figure 2. In that process \`perf_hooks.monitorEventLoopDelay\` (10 ms resolution) runs from just before` +
      ` the call until 30 ms after it, so a stall lasting the whole call is recorded when the loop next turns: its max is the` +
      ` longest time the process could run nothing else (timers, lease renewal, requests). Meanwhile a separate process` +
      ` with its own Redis connection sends \`PING\` every 5 ms, without waiting for earlier replies, and keeps the longest` +
      ` wait for a reply; the baseline is the same PING over ${c.scale.idleMs / 1000} s just before the run, the run's process up` +
      ` and idle. A long PING wait would mean the run kept Redis itself busy; a long loop delay with short PING waits is a` +
      ` stall inside the run's own process.`,
    `9. **Telemetry overhead.** Figure 2's library run (${count(c.telemetry.tenants)} no-op async tenants at concurrency` +
      ` ${c.telemetry.concurrency} through \`trigger()\`, one 1,000-tenant warm-up, \`--expose-gc\`, collected before each run;` +
      ` ${c.telemetry.runs} measured runs per process, their median kept)` +
      ` in three kinds of process: \`@opentelemetry/api\` installed but no SDK registered (every call a no-op); an SDK` +
      ` registered globally before the Nest app is created (\`BasicTracerProvider\` with a \`SimpleSpanProcessor\` into an` +
      ` \`InMemorySpanExporter\`, and a \`MeterProvider\` with a \`PeriodicExportingMetricReader\` exporting every second into an` +
      ` \`InMemoryMetricExporter\`); and the same SDK with module option \`traceTenants: true\`. No context manager is` +
      ` registered. The simple processor exports every span as it ends, so no tenant span is dropped (a batch processor's` +
      ` default queue of 2,048 would drop most of them and hide their cost). One fresh process per side and repetition` +
      ` (a global provider cannot be unregistered), ${c.telemetry.reps} repetitions. Each repetition runs two pairs, each` +
      ` pair's two processes started together and run side by side, one per core, so that whatever else slows the` +
      ` machine during a pair slows both sides: no SDK beside SDK, then no SDK beside SDK with \`traceTenants\`; which` +
      ` of a pair starts first alternates. The ratio is SDK throughput over the throughput of the no-SDK process beside` +
      ` it, then the median. Each SDK process checks after its runs that the exporter received one run span per run, that` +
      ` \`coordinated_cron.tenants\` moved and, with \`traceTenants\`, one tenant span per tenant; otherwise the figure` +
      ` fails. The counter's total is listed under diagnostics beside the number of tenants run.`,
    `10. **Resume delay after SIGKILL.** ${c.resume.instances} instance processes on one Redis (each its own \`@keyv/redis\`` +
      ` connection), module option \`leaseTtl: ${c.resume.leaseTtlMs}\`, one \`@PerTenant({ concurrency: ${c.resume.concurrency} })\` job with` +
      ` \`crashRecovery: 'resume'\` over ${count(c.resume.tenants)} tenants of ${c.resume.tenantMs} ms each. One instance triggers an` +
      ` occurrence; once its first tenant has started, the others trigger the same occurrence, and their claims, skipped as` +
      ` duplicates, tell them it is running elsewhere (so they watch its lease). ${c.resume.killAfterMs} ms after the holder's` +
      ` first tenant start (so its lease has been renewed at least once) the harness sends it SIGKILL. The delay runs from` +
      ` the kill to the first tenant start on a survivor, both read as wall-clock time with sub-millisecond precision on` +
      ` the same machine; the figure divides it by \`leaseTtl\`. The resumed run's report, read back with` +
      ` \`CoordinatedCronRunner.describe()\` once it has ended, must say \`attempt: 2\` and name the killed run in` +
      ` \`resumedFrom\`, or the figure fails. A fresh fleet and key prefix for each of ${c.resume.reps} repetitions, the holder` +
      ` rotating among the instances. The lease the holder last renewed expires between two thirds of a \`leaseTtl\` and` +
      ` one \`leaseTtl\` after the kill, depending on when the kill falls between renewals.`,
    `11. **Progress-recording overhead.** Figure 1's workload (${count(c.progress.tenants)} lognormal timer tenants, seed` +
      ` ${c.progress.seed}, concurrency ${c.progress.concurrency}) through two \`@PerTenant()\` jobs of one app on Redis that` +
      ` differ only in \`crashRecovery\`: the default (\`'resume'\`, which records finished tenants in batches) and` +
      ` \`'none'\` (nothing recorded). Makespan is the \`trigger()\` call. Both run in one process, ${c.progress.reps}` +
      ` repetitions in ABBA order after a 200-tenant warm-up of each; the ratio is recorded over not recorded within a` +
      ` repetition, then the median. \`INFO commandstats\` is read between runs (never during one) to show the commands` +
      ` each run sent.`,
    ...postgresMethods(c),
    ...scheduleMethods(c),
    retryMethod(c),
  ];
}

/** How the claims of figures 3 and 12 are made, alike on both stores. */
const CLAIMS_TIMED =
  'Each library claim is of one job and a fresh occurrence, and is won: the run it starts is finished (untimed) before' +
  ' the next claim, so every claim finds the lease free, as a job does from one tick to the next, and each claim lives a' +
  " millisecond, so the next one finds it expired, as a claim is once the job's next window has opened.";

const PG_SERVER =
  "PostgreSQL is the bench's own server: Debian's binaries (`/usr/lib/postgresql/<major>/bin`), `initdb` into a" +
  ' temporary directory and `postgres` on a free loopback port (as the `postgres` system user when the bench runs as' +
  ' root), with `fsync` off (the figures measure statements, not this machine\'s disk) and `synchronous_commit` on; a' +
  ' database of its own for each figure, dropped with the server at the end of the run.';

function postgresMethods(c: Config): string[] {
  const idle = c.postgresIdle;
  return [
    `12. **PostgreSQL claim cost.** ${PG_SERVER} ${count(c.postgresClaim.claims)} sequential claims per repetition through the` +
      ' public `PostgresLockStore.claim()` (the store built as `new PostgresLockStore(pool, { keyPrefix })` on a node-postgres' +
      ' `Pool` with default options; `prepare()` creates the schema before anything is timed), interleaved one for one' +
      ' (alternating which goes first) with a bare `INSERT ... ON CONFLICT DO NOTHING` of a fresh row into a table with the' +
      " columns and primary key of the store's table of claims, through `pool.query` on the same pool." +
      ` ${CLAIMS_TIMED} 500 warm-up pairs first, ${c.postgresClaim.reps} repetitions.`,
    `13. **PostgreSQL round trips.** Figure 4 with the lock on PostgreSQL: ${c.traffic.instances} processes, each a Nest app` +
      ' with the module option `postgres: pool` (no Redis, no cache module) and a node-postgres pool of its own, trigger' +
      ` the same occurrence at the same moment; ${c.traffic.occurrences} occurrences per repetition, ${c.traffic.reps} repetitions,` +
      ' 3 warm-up occurrences (which also carry the boot\'s schema check out of the count). Counted at the client: every' +
      " connection the pool opens has its `query` wrapped before the pool hands it out, and one call is one round trip" +
      ' (an unnamed statement\'s parse, bind and execute go in one write and wait for one answer). After each occurrence,' +
      ' once no statement has been in flight for 20 ms, each instance reports what it sent, charged to the winner or the' +
      ' losers by its own report.',
    `14. **PostgreSQL start latency.** Figure 6's measure with the lock on PostgreSQL: ${c.latency.instances} processes (as in` +
      ` figure 13) serve one job on \`*/2 * * * * *\` with jitter off; after two ticks of warm-up, ${c.latency.ticks} ticks in` +
      ` ${c.latency.slices} repetitions. Nothing watches the server. The baselines are the minute ticks of figure 15.`,
    `15. **PostgreSQL idle cost, beside pg-boss and graphile-worker.** Five fleets of ${idle.instances} processes run at once on` +
      ' the server, each in a database of its own. Idle: the library (module option `postgres: pool`) with' +
      ` ${idle.jobs} jobs on a nightly schedule (a daily time twelve hours away, UTC) per instance, each instance also` +
      " holding a connection in `LISTEN` for schedule signals (checked in `pg_stat_activity` before and after the window);" +
      ` pg-boss \`schedule()\` of ${idle.jobs} queues with that cron, set up once (\`createQueue\`, \`schedule\`), and per process one` +
      ' `PgBoss` with default options (only the connection string and an application name) and a `work()` on each queue;' +
      ` graphile-worker \`run()\` with default options and a crontab of ${idle.jobs} lines with that cron (migrations run once` +
      ' before). Counted on the server: `xact_commit + xact_rollback` of the fleet\'s database in `pg_stat_database`, read' +
      " from a connection to another database, so the harness's reads are counted in none of them. A backend reports" +
      ' its counts when it goes idle, at most once a second and otherwise up to 10 s later, so the window opens' +
      ` ${idle.settleMs / 1000} s after every process is up and every library instance has sent nothing for a second (its boot` +
      ` reads come after it listens; its pool's statements are also counted at the client from then on, a cross-check),` +
      ` lasts ${idle.windowMs / 1000} s, and the counters are read again` +
      ` ${idle.flushMs / 1000} s after its end with the fleets still running; the rate is the count over that whole span.` +
      " The server's autovacuum is held off from the settling to that last read (`ALTER SYSTEM SET autovacuum = off`," +
      ' reset after): once a database has been used, an autovacuum worker visits it every `autovacuum_naptime` (a minute)' +
      ' whether or not anything changed, and its transactions count in that database; with no client connected at all' +
      ' this server counted 2 to 4 transactions a minute in each such database.' +
      ` Start latency of the baselines, meanwhile: ${idle.instances} more pg-boss processes working a queue scheduled` +
      ` \`* * * * *\` and ${idle.instances} graphile-worker runners with a \`* * * * *\` crontab line, each system in a database of` +
      ` its own, over the first ${idle.minuteTicks} whole minutes after they are up; the latency of a tick is its first` +
      ' body start minus the tick (graphile-worker passes the tick as `_cron.ts`; pg-boss creates the job in the minute' +
      ' its cron check finds due, so the job\'s `createdOn` floored to the minute names it). Both fire at minute resolution,' +
      ' so they are watched in the same stretch of time as the idle fleets rather than one after the other; the other' +
      ' fleets are idle then (pg-boss\'s poll every 2 s each).',
    `16. **A million tenants on PostgreSQL.** Figure 8's run (${count(c.postgresScale.tenants)} no-op tenants, concurrency` +
      ` ${c.postgresScale.concurrency}, a fresh process started with \`--expose-gc\`, a 1,000-tenant warm-up) with the module option` +
      ` \`postgres: pool\` and \`leaseTtl: ${c.postgresScale.leaseTtlMs}\`, so that the run must renew its lease every` +
      ` ${c.postgresScale.leaseTtlMs / 3000} s; crash recovery records every finished tenant in batches, as by default. Another` +
      " process reads the job's lease through `PostgresLockStore.readLease()` on a pool of its own, one read after another" +
      ` with 20 ms between them, over ${c.postgresScale.idleMs / 1000} s before the run (the baseline of its read time) and` +
      ' then all along the run: the lease counts as held throughout when every read between the run\'s start and end' +
      ' (50 ms off each edge for the claim and the finish) found it, all with one token, and no tenant found its' +
      ' signal aborted. RSS and event-loop delay as in figure 8.',
  ];
}

function scheduleMethods(c: Config): string[] {
  const lt = c.localTime;
  return [
    `17. **Each tenant's local time.** One process, lock on Redis. A \`@PerTenant({ localTime: true, concurrency:` +
      ` ${lt.concurrency} })\` job on \`${lt.cron}\` whose settings provider lists ${count(lt.tenants)} tenants as` +
      ` \`{ id, timeZone }\`, spread evenly over ${lt.zones.length} zones (${lt.zones.join(', ')}), against a plain` +
      ` \`@PerTenant({ concurrency: ${lt.concurrency} })\` job whose provider lists exactly the tenants the local-time job ran at` +
      ` that instant (taken from its warm-up report). Every tenant does figure 1's work (a lognormal timer, median 4 ms,` +
      ` sigma 1, seed ${lt.seed}, by tenant). The instant is ${lt.instantZone}'s local time, a whole number of days ago (a` +
      ' new day for each run, so each is a fresh occurrence); makespan is the `trigger()` call. A third side, the' +
      ' local-time job when the provider filters its list by the zones `listTenants` is told (what an app\'s query would' +
      ` do), is a diagnostic. The three run in one process in rotating order, ${lt.reps} repetitions; the ratio is within a` +
      ' repetition, then the median. Timer instants per day: the distinct next local run, as `runner.nextRuns(job, {' +
      ' timeZone, count: 1 })` gives it, over every zone the platform knows, and over the tenants\' zones.',
    `18. **Schedules changed at runtime.** ${c.reschedule.instances} instance processes serve one job, never due, and a sixth` +
      ` process (module option \`scheduling: false\`) calls \`runner.reschedule(job, { cron })\` ${c.reschedule.changes} times, each to a` +
      ' new cron, waiting for every instance between changes. Each instance\'s Nest logger notes the wall-clock moment it' +
      ' logs "schedule overridden" with the new cron, which the library logs in the same turn of the event loop in which it' +
      ' re-aims the job\'s timer; the harness then checks that `runner.jobs()` of each instance shows the new cron. The' +
      ' figure runs from `reschedule()` returning (it writes the override, then answers with a `describe()`) until every' +
      ' instance has re-armed: 0 when all had re-armed before the call returned (the diagnostics also give the time from' +
      ' the call). First on Redis (pub/sub),' +
      ' then on PostgreSQL (LISTEN/NOTIFY), each fleet only once every instance listens.',
  ];
}

function retryMethod(c: Config): string {
  const r = c.retry;
  const policy = (p: Config['retry']['overheadRetry' | 'recoveryRetry']): string =>
    `\`retry: { attempts: ${p.attempts}, backoff: ${typeof p.backoff === 'string' ? `'${p.backoff}'` : p.backoff} }\``;
  return (
    `19. **Retries of failed tenants.** Figure 1's workload (${count(r.tenants)} lognormal timer tenants, seed ${r.seed},` +
    ` concurrency ${r.concurrency}) through two \`@PerTenant()\` jobs of one app on Redis that differ only in the window's` +
    ` ${policy(r.overheadRetry)}, set on one and not on the other, no tenant failing; as in figure 11, both in one process,` +
    ` ${r.reps} repetitions in ABBA order after a 200-tenant warm-up of each, the ratio of makespans (the \`trigger()\`` +
    ` call) within a repetition, then the median. Each repetition then runs a third job with ${policy(r.recoveryRetry)}` +
    ` over the same tenants, ${count(r.failing)} of them (drawn by seed ${r.failingSeed}) failing their first call, after` +
    ' doing their work, and succeeding on any later one. The recovered share is those of them the run\'s report lists as' +
    ' succeeded, over all of them; the handler counts the calls each got, and the diagnostics give these counts beside' +
    ' the report\'s `tenants.retried`. The extra makespan is that run\'s less the one without retry in the same' +
    ' repetition. Occurrences lie earlier this year, not in 2020: retries stop where the job\'s next window opens, which' +
    ' for an occurrence of 2020 on the never-due schedule (1 January) has long passed.'
  );
}

function countingNote(machine: MachineFacts): string[] {
  return [
    `**How commands are counted (figures 4, 6, 7).** \`INFO commandstats\` counts every command the server executes, including` +
      ` those a Lua script runs, but it is server-wide: any other client of the same Redis lands in the deltas, and it cannot` +
      ` say which instance sent what. So the bench reads Redis \`MONITOR\` during those figures and charges each command to` +
      ` the connection that sent it; commands run inside a script (MONITOR prints them as \`lua\` lines right after their` +
      ` EVAL/EVALSHA, nothing can interleave) go to the script's caller. The result counts exactly what commandstats would` +
      ` count if only the bench were connected. Traffic is cut into segments by ECHO markers sent from the harness` +
      ` connection, so segment boundaries are exact, not timed. A connection belongs to the bench when it touches a key under` +
      ` this run's prefix or carries a client name starting with it; each library instance names its \`@keyv/redis\`` +
      ` connection, which maps commands to instances (winner or loser by the instance's own report). The commandstats delta` +
      ` of the same windows (without the harness's own INFO/ECHO) is recorded next to it as a cross-check; it equals the` +
      ` attributed count plus the other clients' commands.`,
    `**Why the five library instances and the five BullMQ workers do not share the window.** Running both in the same 40 s` +
      ` would be possible with this attribution, but ten processes waking on the same tick on ${machine.cores} cores would` +
      ` inflate both start latencies through CPU contention that neither system causes alone. Each system gets its own 40 s,` +
      ` back to back, and each 40 s window is cut into five 8 s repetitions of 4 ticks (each repetition's p99 of 4 samples` +
      ` is its worst tick; the pooled 20-tick percentiles are listed under diagnostics). MONITOR adds a few microseconds of` +
      ` server work per command; it runs during both systems' windows alike and not during figures 1, 2, 3, 5 and 8.`,
  ];
}

function diagnostics(s: Summaries, machine: MachineFacts, c: Config): string[] {
  const out: string[] = [];
  if (s.fanout) {
    const f = s.fanout;
    out.push(
      `- Fan-out: makespans library ${fmtSummary(f.libraryMakespanMs, 0)} ms, batches ${fmtSummary(f.batchesMakespanMs, 0)} ms,` +
        ` minimal pool ${fmtSummary(f.poolMakespanMs, 0)} ms. Lower bound from the durations measured inside the tenants` +
        ` / nominal lower bound: library ${fmtSummary(f.libraryWorkInflation, 3)}, minimal pool ${fmtSummary(f.poolWorkInflation, 3)}` +
        ` (Node timers can fire slightly early or late). Makespan / lower bound from measured durations: library` +
        ` ${fmtSummary(f.libraryVsMeasuredWork, 3)}, minimal pool ${fmtSummary(f.poolVsMeasuredWork, 3)}.`,
    );
  }
  if (s.overhead) {
    out.push(
      `- Overhead: ${fmtSummary(s.overhead.libraryUsPerTenant, 2)} us per tenant on the library path; the library app` +
        ` wrote ${s.overhead.logLines.join(', ')} stdout lines per process (boot included).`,
    );
  }
  if (s.traffic) {
    const t = s.traffic;
    const winners = t.outcomes.completed || 1;
    const losers = Object.entries(t.outcomes).reduce((n, [k, v]) => (k === 'completed' ? n : n + v), 0) || 1;
    out.push(
      `- Redis traffic: outcomes ${list(t.outcomes)}; occurrences without exactly one winner: ${t.badOccurrences}.` +
        ` Per winning occurrence: ${list(perOccurrence(t.byCommandWinner, winners))}. Per losing instance and` +
        ` occurrence: ${list(perOccurrence(t.byCommandLoser, losers))}; the worst single loser sent ${t.loserMax}.` +
        ` commandstats delta per occurrence ${fmtSummary(t.commandstats, 2)} (other clients' commands in these windows:` +
        ` ${t.foreign}; bench commands not mapped to an instance: ${t.unattributed}).`,
    );
  }
  if (s.boot) out.push(`- Boot ratios per ABBA pair: ${s.boot.ratio.values.map((v) => fmt(v, 3)).join(', ')}.`);
  for (const [w, label] of [
    [s.latency, 'Library (fig. 6)'],
    [s.bullmq, 'BullMQ (fig. 7)'],
  ] as const) {
    if (!w) continue;
    const ticks = w.pooled.ticks;
    let line =
      `- ${label}: with MONITOR attached, pooled over ${ticks} ticks p50 ${fmt(w.pooled.p50Ms, 2)} ms, p99` +
      ` ${fmt(w.pooled.p99Ms, 2)} ms, worst ${fmt(w.pooled.maxMs, 2)} ms; duplicates ${w.duplicatesTotal}, misses` +
      ` ${w.missesTotal} in ${ticks} ticks.` +
      (w.unobserved
        ? ` With it detached: pooled p50 ${fmt(w.unobserved.pooled.p50Ms, 2)} ms, p99 ${fmt(w.unobserved.pooled.p99Ms, 2)}` +
          ` ms, worst ${fmt(w.unobserved.pooled.maxMs, 2)} ms; duplicates ${w.unobservedDuplicates}, misses` +
          ` ${w.unobservedMisses} in ${w.unobserved.pooled.ticks} ticks.`
        : '') +
      ` Commands` +
      ` per occurrence by kind: ${list(perOccurrence(w.totalByCommand, ticks))}. Idle commands: ${list(w.idleByCommand)}.` +
      ` Attributed ${w.attributedTotal} commands; commandstats delta ${w.commandstatsTotal}; other clients ${w.foreign}.` +
      ` After 1.6 s of idle the harness's own timer fired ${fmt(w.idleWakeLateMs.p50, 2)} ms late (p50, worst` +
      ` ${fmt(w.idleWakeLateMs.max, 2)} ms) and its bare ECHO took ${fmt(w.idleRoundTripMs.p50, 2)} ms (p50, worst` +
      ` ${fmt(w.idleRoundTripMs.max, 2)} ms).`;
    if (w === s.bullmq) {
      const hz = Number(machine.redisHz);
      line +=
        ` BullMQ workers wait for a due delayed job with a blocking command whose timeout Redis checks on its \`hz\`` +
        ` clock (hz ${machine.redisHz} here, every ${hz > 0 ? Math.round(1000 / hz) : '?'} ms), which bounds how` +
        ` promptly a scheduled job can start.`;
    }
    out.push(line);
  }
  if (s.scale) {
    const f = s.scale;
    out.push(
      `- Scale: the \`trigger()\` call took ${fmtSummary(f.elapsedMs, 0)} ms for ${count(f.tenants)} tenants, from an RSS of` +
        ` ${fmtSummary(f.rssBeforeMB, 1)} MB (the tenant id list included). Event-loop delay p99 ${fmtSummary(f.loopP99, 1)} ms,` +
        ` max ${fmtSummary(f.loopMax, 1)} ms. PING from the other process: ${fmtSummary(f.pingCount, 0)} sent during the run,` +
        ` p99 wait ${fmtSummary(f.pingP99, 2)} ms, longest ${fmtSummary(f.pingMax, 2)} ms (idle: longest ${fmtSummary(f.idlePingMax, 2)} ms).` +
        ` The run's process wrote ${f.logLines.join(', ')} stdout lines (boot included).`,
    );
  }
  if (s.telemetry) {
    const t = s.telemetry;
    out.push(
      `- Telemetry: no SDK ${fmtSummary(t.noneTps, 0)} tenants/s, SDK ${fmtSummary(t.sdkTps, 0)}, SDK with traceTenants` +
        ` ${fmtSummary(t.sdkTenantsTps, 0)}. Added per tenant: SDK ${fmtSummary(t.sdkUsPerTenant, 2)} us, with traceTenants` +
        ` ${fmtSummary(t.sdkTenantsUsPerTenant, 2)} us. Run spans exported per process (${c.telemetry.runs} measured runs each): ${t.runSpans.join(', ')};` +
        ` tenant spans with traceTenants: ${t.tenantSpans.map(count).join(', ')}. The \`coordinated_cron.tenants\` counter` +
        ` summed, per SDK process (warm-up included), against the tenants actually run: ${t.tenantsCounted.join('; ')}.`,
    );
  }
  if (s.resume) {
    const r = s.resume;
    out.push(
      `- Resume: delays ${r.delayMs.values.map((v) => fmt(v, 0)).join(', ')} ms with leaseTtl ${fmt(r.leaseTtlMs, 0)} ms; holder` +
        ` killed ${fmtSummary(r.killedAfterMs, 0)} ms into its run; attempts reported ${r.attempts.join(', ')}; tenants left` +
        ` to the resumed run ${r.resumedTenants.join(', ')}.`,
    );
  }
  out.push(...postgresDiagnostics(s), ...scheduleDiagnostics(s));
  if (s.retry) {
    const r = s.retry;
    out.push(
      `- Retry: makespan with retry set ${fmtSummary(r.onMs, 0)} ms, without ${fmtSummary(r.offMs, 0)} ms; against the measured` +
        ` work ${fmtSummary(r.onVsWork, 3)} and ${fmtSummary(r.offVsWork, 3)}. With ${count(r.failing)} tenants failing their` +
        ` first call: ${fmtSummary(r.recoveryMs, 0)} ms, ${fmtSummary(r.extraMs, 0)} ms more than the run without retry of the` +
        ` same repetition; calls each failing tenant got, per repetition: ${r.tries.map(byCalls).join('; ')}; tenants` +
        ` reported retried: ${r.retried.join(', ')}.`,
    );
  }
  if (s.progress) {
    const p = s.progress;
    out.push(
      `- Progress: makespan recorded ${fmtSummary(p.onMs, 0)} ms, not recorded ${fmtSummary(p.offMs, 0)} ms; against the` +
        ` measured work ${fmtSummary(p.onVsWork, 3)} and ${fmtSummary(p.offVsWork, 3)}. Commands per run (server-wide` +
        ` commandstats delta): recorded ${fmtSummary(p.onCommands, 0)} (first repetition: ${list(p.onByCommand)}), not recorded` +
        ` ${fmtSummary(p.offCommands, 0)} (${list(p.offByCommand)}).`,
    );
  }
  return out;
}

function postgresDiagnostics(s: Summaries): string[] {
  const out: string[] = [];
  if (s.postgresTraffic) {
    const t = s.postgresTraffic;
    const winners = t.outcomes.completed || 1;
    const losers = Object.entries(t.outcomes).reduce((n, [k, v]) => (k === 'completed' ? n : n + v), 0) || 1;
    out.push(
      `- PostgreSQL round trips: outcomes ${list(t.outcomes)}; occurrences without exactly one winner: ${t.badOccurrences}.` +
        ` Per winning occurrence: ${list(perOccurrence(t.byKindWinner, winners))}. Per losing instance and occurrence:` +
        ` ${list(perOccurrence(t.byKindLoser, losers))}; the worst single loser sent ${t.loserMax}. Connections the pools` +
        ` opened while measured: ${t.connectionsOpened}.`,
    );
  }
  if (s.postgresLatency) {
    const l = s.postgresLatency;
    out.push(
      `- PostgreSQL start latency: pooled over ${l.pooled.ticks} ticks p50 ${fmt(l.pooled.p50Ms, 2)} ms, p99 ${fmt(l.pooled.p99Ms, 2)} ms,` +
        ` worst ${fmt(l.pooled.maxMs, 2)} ms; duplicates ${l.duplicates}, misses ${l.misses}.`,
    );
  }
  if (s.postgresIdle) {
    const p = s.postgresIdle;
    const c = p.counts;
    const ticks = (label: string, t: typeof p.pgbossTicks): string =>
      `${label} ${t.delays.values.map((v) => fmt(v, 0)).join(', ')} ms (duplicates ${t.duplicates}, misses ${t.misses}, starts for` +
      ` other minutes ${t.outside})`;
    out.push(
      `- PostgreSQL idle: transactions counted over ${fmt(c.library.seconds, 1)} s: library ${c.library.transactions}, pg-boss` +
        ` ${c.pgboss.transactions}, graphile-worker ${c.graphile.transactions}; statements the library instances sent over the same` +
        ` span, counted at their clients: ${p.libraryStatements}; ${p.listening} library instances listening; nightly` +
        ` schedule \`${p.nightlyCron}\` (UTC). Minute ticks, first start minus the tick, per tick: ${ticks('pg-boss', p.pgbossTicks)};` +
        ` ${ticks('graphile-worker', p.graphileTicks)}. pg-boss finds a scheduled job due with a cron check every 30 s by` +
        ' default (one instance a round), then sends it on through an internal queue polled every 5 s and the job queue' +
        ' polled every 2 s, which is where its latency comes from.',
    );
  }
  if (s.postgresScale) {
    const f = s.postgresScale;
    const l = f.leases[0];
    out.push(
      `- PostgreSQL scale: the \`trigger()\` call took ${fmtSummary(f.elapsedMs, 0)} ms for ${count(f.tenants)} tenants, from an RSS` +
        ` of ${fmtSummary(f.rssBeforeMB, 1)} MB. Event-loop delay p99 ${fmtSummary(f.loopP99, 1)} ms, max ${fmtSummary(f.loopMax, 1)} ms.` +
        (l
          ? ` Lease (leaseTtl ${fmt(f.leaseTtlMs, 0)} ms): ${l.reads} reads during the run, ${l.gaps} without it, ${l.tokens} holder(s),` +
            ` ${l.renewals} renewals seen, least time left ${fmt(l.leastLeftMs, 0)} ms; reads waited p99 ${fmt(l.p99WaitMs, 2)} ms, longest` +
            ` ${fmt(l.maxWaitMs, 2)} ms (idle: ${fmt(l.idleMaxWaitMs, 2)} ms).`
          : '') +
        ` Tenants that found their signal aborted: ${f.abortedTenants.join(', ')}. The run's process wrote ${f.logLines.join(', ')} stdout lines.`,
    );
  }
  return out;
}

function scheduleDiagnostics(s: Summaries): string[] {
  const out: string[] = [];
  if (s.localTime) {
    const t = s.localTime;
    out.push(
      `- Local time: \`${t.cron}\` is due at ${fmt(t.instantsPerDay.median, 0)} instants a day over every zone; the tenants'` +
        ` ${t.zones} zones at ${fmt(t.tenantInstantsPerDay.median, 0)}: ${t.tenantInstants.map((x) => x.slice(11, 16)).join(' ')} UTC. At` +
        ` ${t.instant.slice(11, 16)} UTC ${count(t.dueTenants)} of ${count(t.tenants)} tenants are due (${t.dueZones.join(', ')}).` +
        ` Makespans: local-time ${fmtSummary(t.localMs, 0)} ms, plain ${fmtSummary(t.plainMs, 0)} ms, local-time with the app's filter` +
        ` ${fmtSummary(t.filteredMs, 0)} ms. Against the work the timers actually did: local-time ${fmtSummary(t.localVsWork, 3)},` +
        ` plain ${fmtSummary(t.plainVsWork, 3)}.`,
    );
  }
  if (s.reschedule) {
    for (const [store, r] of [
      ['Redis', s.reschedule.redis],
      ['PostgreSQL', s.reschedule.postgres],
    ] as const) {
      if (!r) continue;
      out.push(
        `- Reschedule on ${store}: ${r.changes} changes; from \`reschedule()\` returning to the last instance re-armed` +
          ` ${fmtSummary(r.all, 1)} ms (0: before it returned); from the call ${fmtSummary(r.fromCall, 1)} ms; the call itself took` +
          ` ${fmtSummary(r.call, 1)} ms.`,
      );
    }
  }
  return out;
}

export interface RenderInput {
  config: Config;
  machine: MachineFacts;
  rows: Row[];
  summaries: Summaries;
  errors: Errors;
  command: string;
  wallSeconds: number;
  startedAt: Date;
  loadAtEnd: number[];
  background: { perSec: number; clients: number };
  build: { builtAt: Date | null; source: string; git: string };
}

export function render({ config, machine: m, rows, summaries, errors, command, wallSeconds, startedAt, loadAtEnd, background, build }: RenderInput): string {
  const busy = Math.max(m.loadAverageAtStart[0], loadAtEnd[0]) > m.cores * 0.75;
  const misses = missExplanations(summaries, rows, config, m);
  const lines = [
    '# Benchmarks',
    '',
    `Command \`${command}\`, run on ${startedAt.toISOString()}; the whole run took ${wallSeconds.toFixed(0)} s.` +
      ' A run with `--update` rewrites this file; any other run writes `bench/results/latest.md` and `latest.json`' +
      ' (not tracked) instead. The numbers are one run on one machine, not a promise.',
    '',
    '## Machine',
    '',
    `- CPU: ${m.cpu}, ${m.cores} cores available to Node`,
    `- Memory: ${m.memoryGB.toFixed(1)} GB`,
    `- OS: ${m.os}`,
    `- Node: ${m.node}`,
    `- Redis: ${m.redis} (hz ${m.redisHz}) at the URL in \`REDIS_URL\` (default \`redis://127.0.0.1:6379\`)`,
    `- PostgreSQL: ${m.postgres}, a server the bench starts for itself (figures 12 to 16 and 18; see figure 12)`,
    `- Packages (the bench's own, in \`bench/node_modules\`): ${Object.entries(m.packages).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `- Library: the build in \`${relative(REPO_ROOT, build.source) || build.source}\` of` +
      ` ${build.builtAt ? build.builtAt.toISOString() : 'n/a'} (git ${build.git}), copied once at the start so every` +
      ' figure measures the same build, and loaded as `require(\'nestjs-coordinated-cron\')` through its exports map',
    `- Load average (1/5/15 min) at start ${m.loadAverageAtStart.map((x) => x.toFixed(2)).join(' / ')}, at end` +
      ` ${loadAtEnd.map((x) => x.toFixed(2)).join(' / ')}`,
    `- Other clients' traffic on this Redis before the run: ${background.perSec.toFixed(1)} commands/s` +
      ` (${background.clients} other connections)`,
  ];
  if (busy) {
    lines.push(
      '',
      `> The machine was busy while this ran (load average above ${(m.cores * 0.75).toFixed(1)} on ${m.cores} cores):` +
        ' timing figures (1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19) are pessimistic for both the library and' +
        ' its baselines.',
    );
  }
  lines.push(
    '',
    '## Command',
    '',
    '```',
    'npm run bench                # prints the table, writes bench/results/latest.md and latest.json',
    'npm run bench -- --json      # same, plus the medians as one JSON object on the last stdout line',
    'npm run bench -- --update    # rewrites this file instead of bench/results/',
    '```',
    '',
    'The bench is a package of its own in `bench/` (TypeScript, compiled by `tsc` into `bench/dist`). The root script' +
      ' installs it with `npm ci --prefix bench` when `bench/node_modules` is missing, builds the library when `dist/` has' +
      ' no build (an existing build is measured as it is, with a warning when `src/` is newer), then compiles and runs the' +
      ' bench. It uses the library only through what the' +
      ' package exports (`CoordinatedCronModule`, `CoordinatedCron`, `PerTenant`, `CoordinatedCronRunner`, the run' +
      " context passed to a job, `RedisLockStore`, `PostgresLockStore`, the report types); nothing inside the library is" +
      ' patched or observed. Redis must answer at `REDIS_URL`. Every key the bench writes starts with a prefix unique to' +
      ' the run and is deleted at the end; nothing else in the database is touched. PostgreSQL comes from Debian\'s' +
      ' `postgresql` package (`apt-get install -y postgresql`): the bench starts a server of its own on a free loopback' +
      ' port and removes it at the end (never the machine\'s server on 5432). pg-boss and graphile-worker are the newest' +
      " releases that run on the bench's Node (their latest need Node 22).",
    '',
    '## Results',
    '',
    markdownTable(rows),
    '',
    `Each figure is the median of its repetitions (fan-out ${config.fanout.reps}, overhead ${config.overhead.reps}, lock` +
      ` ${config.lock.reps}, traffic ${config.traffic.reps}, boot ${config.boot.reps}, latency and BullMQ ${config.latency.slices},` +
      ` scale ${config.scale.reps}, telemetry ${config.telemetry.reps}, resume ${config.resume.reps}, progress ${config.progress.reps},` +
      ` PostgreSQL claims ${config.postgresClaim.reps}, PostgreSQL round trips ${config.traffic.reps}, PostgreSQL latency` +
      ` ${config.latency.slices}, PostgreSQL scale ${config.postgresScale.reps}, local time ${config.localTime.reps}, retry ${config.retry.reps}), with the minimum and` +
      ` maximum in parentheses. Figure 15 is one window (the baselines' start latency: over ${config.postgresIdle.minuteTicks} minute` +
      ` ticks), and figure 18 gives the median and the largest of its ${config.reschedule.changes} changes.`,
    '',
    '## Targets missed',
    '',
    ...(misses.length ? misses : ['None in this run.']),
  );
  const failed = Object.entries(errors);
  if (failed.length) {
    lines.push('', '## Scenarios that failed', '');
    for (const [k, e] of failed) lines.push(`- ${k}: ${String(e).split('\n')[0]}`);
  }
  lines.push('', '## How each figure is measured', '', ...methods(config, summaries), '', ...countingNote(m).flatMap((p) => [p, '']));
  lines.push('## Diagnostics from the same run', '', ...diagnostics(summaries, m, config), '');
  return lines.join('\n');
}
