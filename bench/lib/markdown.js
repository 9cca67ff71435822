'use strict';

const path = require('node:path');
const { markdownTable, verdict, fmt, fmtSummary } = require('./report');
const { ROOT } = require('./library');

function list(obj) {
  const entries = Object.entries(obj || {}).sort((a, b) => b[1] - a[1]);
  return entries.length ? entries.map(([k, v]) => `${k} ${Math.round(v * 100) / 100}`).join(', ') : 'none';
}

function perOccurrence(obj, n) {
  const out = {};
  for (const [k, v] of Object.entries(obj || {})) out[k] = v / n;
  return out;
}

/** Why a missed target was missed, from what the same run measured around it. */
function missExplanations(s, rows, config) {
  const out = [];
  for (const r of rows) {
    const v = verdict(r);
    if (!v.startsWith('MISSED') && v !== 'ERROR') continue;
    const head = `- **${r.fig}. ${r.metric}**: median ${fmt(r.lib.median, r.digits)}, target ${r.target.op} ${r.target.value}; ${v}.`;
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
      why = ` The library's claim costs ${fmt(s.lock.libP50.median - s.lock.rawP50.median, 1)} us more than the raw command at p50.`;
    } else if (r.fig === 4 && s.traffic) {
      why = ` Losing instances sent, per occurrence: ${list(perOccurrence(s.traffic.byCommandLoser, (s.traffic.outcomes['skipped/duplicate'] || 1)))}.`;
    } else if (r.fig === 5 && s.boot) {
      why = ` That is ${fmt((s.boot.coordinated.median - s.boot.plain.median) / config.boot.jobs, 3)} ms of extra boot time per job.`;
    } else if (r.fig === 6 && s.latency && r.metric.includes('p50')) {
      const ph = s.latency.phases;
      if (ph) {
        why =
          ` Where the time goes, medians over the ${ph.samples} winning runs (time stamps taken inside the library's` +
          ` scheduler, executor and lock): the job's timer (a \`CronJob\` in SchedulerRegistry, aimed at the tick)` +
          ` called the library's tick handler ${fmt(ph.cronTimer, 2)} ms after the tick; computing the occurrence took ${fmt(ph.occurrence, 2)} ms and preparing the claim` +
          ` ${fmt(ph.beforeClaim, 2)} ms; the SET NX claim round trip ${fmt(ph.claim, 2)} ms; the lease round trip` +
          ` ${fmt(ph.lease, 2)} ms; CLS context and handler dispatch ${fmt(ph.toBody, 2)} ms. Five processes wake on the` +
          ` same tick on ${config.machine.cores} cores, so each step also waits for CPU.`;
      }
      why +=
        ` This machine is slow to wake from idle by itself, before any library code runs: the harness's own plain` +
        ` \`setTimeout\`, aimed at a wall-clock instant after 1.6 s of idle, fired ${fmt(s.latency.idleWakeLateMs.p50, 2)} ms` +
        ` late at p50 (worst ${fmt(s.latency.idleWakeLateMs.max, 2)} ms), and its bare ECHO right after took` +
        ` ${fmt(s.latency.idleRoundTripMs.p50, 2)} ms (worst ${fmt(s.latency.idleRoundTripMs.max, 2)} ms) against` +
        ` ${fmt(s.lock ? s.lock.rawP50.median / 1000 : NaN, 3)} ms for back-to-back commands in figure 3.`;
    } else if (r.fig === 6 && s.latency) {
      why = ` Idle traffic by command: ${list(s.latency.idleByCommand)}.`;
    }
    out.push(head + why);
  }
  return out;
}

function methods(config, s) {
  const c = config;
  const bullClient = (s.bullmq && s.bullmq.client) || 'not run';
  return [
    `1. **Fan-out.** ${c.fanout.tenants.toLocaleString('en-US')} tenants, each a \`setTimeout\` of a lognormal duration` +
      ` (xorshift32 seed ${c.fanout.seed}, Box-Muller, median 4 ms, sigma 1; sum ${s.fanout ? fmt(s.fanout.sumMs, 0) : 'n/a'} ms,` +
      ` longest ${s.fanout ? fmt(s.fanout.longestMs, 1) : 'n/a'} ms, lower bound ${s.fanout ? fmt(s.fanout.lowerBoundMs, 1) : 'n/a'} ms).` +
      ` The library side is \`CoordinatedCronRunner.trigger()\` of a \`@PerTenant({ concurrency: ${c.fanout.concurrency} })\` job whose` +
      ` settings provider enables all tenants: claim, lease, CLS, per-tenant child context and guard, report. Makespan` +
      ` is the whole \`trigger()\` call. The baseline awaits fixed slices of ${c.fanout.concurrency} with \`Promise.allSettled\`;` +
      ` a minimal pool (same timers, no library) is printed as the floor this timer allows. All three run in one process,` +
      ` in rotating order, ${c.fanout.reps} times. Node counts a timer from the event loop's cached clock, so a tenant's` +
      ` timer can end slightly before its nominal duration has passed since the tenant started: the nominal lower bound` +
      ` is not strict and a ratio a little under 1 is possible. The diagnostics also give makespan against the durations` +
      ` measured inside each tenant, which is a strict bound.`,
    `2. **Per-tenant overhead.** ${c.overhead.tenants.toLocaleString('en-US')} no-op async tenants at concurrency` +
      ` ${c.overhead.concurrency} through \`trigger()\` (batch \`filterEnabled\` provider, Nest's default logger and levels),` +
      ` against the minimal pool calling the same handler. One fresh process per repetition and side (started with` +
      ` \`--expose-gc\`, collected before the run, one 1,000-tenant warm-up first). RSS growth is the peak (kernel` +
      ` high-water mark \`maxRSS\`, and 5 ms samples) minus the RSS just before the run, so it is an upper bound.`,
    `3. **Lock cost.** ${c.lock.claims.toLocaleString('en-US')} sequential claims of distinct occurrences per repetition through` +
      ` the library's own \`CoordinatedCronLock.claim()\` (key building, \`BoundedLockStore\` timeout wrapper,` +
      ` \`RedisLockStore.acquire\`), taken from the app's DI container, interleaved one for one (alternating which goes` +
      ` first) with \`client.set(key, token, { NX: true, PX })\` on the same node-redis client the library uses (the` +
      ` \`@keyv/redis\` store's). 500 warm-up pairs first.`,
    `4. **Redis traffic.** ${c.traffic.instances} processes, each a Nest app with the library and its own \`@keyv/redis\`` +
      ` connection, trigger the same occurrence at the same moment; ${c.traffic.occurrences} occurrences per repetition,` +
      ` ${c.traffic.reps} repetitions, 3 warm-up occurrences. Each instance's report says whether it won.`,
    `5. **Boot cost.** One fresh process per boot, ${c.boot.reps} boots of each kind in ABBA order. Time from` +
      ` \`NestFactory.createApplicationContext()\` to the end of its \`init()\` (module init and bootstrap hooks, which is` +
      ` where both the library and @nestjs/schedule register their ${c.boot.jobs} cron jobs). Both apps have the same` +
      ` imports (ScheduleModule, ClsModule, CacheModule with @keyv/redis); the library app adds \`CoordinatedCronModule\`.`,
    `6. **Start latency and idle cost.** ${c.latency.instances} processes serve one job on \`*/2 * * * * *\` with jitter off for` +
      ` ${(c.latency.ticks * c.latency.periodMs) / 1000} s (${c.latency.ticks} ticks). Latency is the winner's job-body start (wall clock with` +
      ` sub-millisecond precision) minus the tick in \`context.occurrence\`. Traffic between 300 ms after a tick and 100 ms` +
      ` before the next is idle traffic. To explain the latency, each instance also time-stamps the library's tick` +
      ` handler, executor, claim and lease calls (thin wrappers on the built classes' prototypes that return the` +
      ` original results untouched).`,
    `7. **BullMQ.** \`Queue.upsertJobScheduler(id, { pattern: '*/2 * * * * *' })\` once, then ${c.bullmq.instances} worker` +
      ` processes with default options (only \`connection\` and a run-scoped \`prefix\` set; client: ${bullClient}), the same` +
      ` Redis and the same ${(c.bullmq.ticks * c.bullmq.periodMs) / 1000} s window mechanics as figure 6, run after it. The tick is` +
      ` the millisecond timestamp in the scheduler's job id.`,
  ];
}

function countingNote(config) {
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
      ` would be possible with this attribution, but ten processes waking on the same tick on ${config.machine.cores} cores would` +
      ` inflate both start latencies through CPU contention that neither system causes alone. Each system gets its own 40 s,` +
      ` back to back, and each 40 s window is cut into five 8 s repetitions of 4 ticks (each repetition's p99 of 4 samples` +
      ` is its worst tick; the pooled 20-tick percentiles are listed under diagnostics). MONITOR adds a few microseconds of` +
      ` server work per command; it runs during both systems' windows alike and not during figures 1, 2, 3 and 5.`,
  ];
}

function diagnostics(s, config) {
  const out = [];
  if (s.fanout) {
    const f = s.fanout;
    out.push(
      `- Fan-out: makespans library ${fmtSummary(f.libraryMakespanMs, 0)} ms, batches ${fmtSummary(f.batchesMakespanMs, 0)} ms,` +
        ` minimal pool ${fmtSummary(f.poolMakespanMs, 0)} ms. Lower bound from the durations measured inside the tenants` +
        ` / nominal lower bound: library` +
        ` ${fmtSummary(f.libraryWorkInflation, 3)}, minimal pool ${fmtSummary(f.poolWorkInflation, 3)}` +
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
    const losers = Object.entries(t.outcomes)
      .filter(([k]) => k !== 'completed')
      .reduce((n, [, v]) => n + v, 0) || 1;
    out.push(
      `- Redis traffic: outcomes ${list(t.outcomes)}; occurrences without exactly one winner: ${t.badOccurrences}.` +
        ` Per winning occurrence: ${list(perOccurrence(t.byCommandWinner, winners))}. Per losing instance and` +
        ` occurrence: ${list(perOccurrence(t.byCommandLoser, losers))}; the worst single loser sent ${t.loserMax}.` +
        ` commandstats delta per occurrence ${fmtSummary(t.commandstats, 2)} (other clients' commands in these windows:` +
        ` ${t.foreign}; bench commands not mapped to an instance: ${t.unattributed}).`,
    );
  }
  if (s.boot) {
    out.push(`- Boot ratios per ABBA pair: ${s.boot.ratio.values.map((v) => fmt(v, 3)).join(', ')}.`);
  }
  for (const [key, label] of [
    ['latency', 'Library (fig. 6)'],
    ['bullmq', 'BullMQ (fig. 7)'],
  ]) {
    const w = s[key];
    if (!w) continue;
    const ticks = w.pooled.ticks;
    let line =
      `- ${label}: pooled over ${ticks} ticks p50 ${fmt(w.pooled.p50Ms, 2)} ms, p99 ${fmt(w.pooled.p99Ms, 2)} ms, worst` +
      ` ${fmt(w.pooled.maxMs, 2)} ms; duplicates ${w.duplicatesTotal}, misses ${w.missesTotal} in ${ticks} ticks. Commands` +
      ` per occurrence by kind: ${list(perOccurrence(w.totalByCommand, ticks))}. Idle commands: ${list(w.idleByCommand)}.` +
      ` Attributed ${w.attributedTotal} commands; commandstats delta ${w.commandstatsTotal}; other clients ${w.foreign}.`;
    if (w.idleRoundTripMs && w.idleWakeLateMs) {
      line +=
        ` After 1.6 s of idle the harness's own timer fired ${fmt(w.idleWakeLateMs.p50, 2)} ms late (p50, worst` +
        ` ${fmt(w.idleWakeLateMs.max, 2)} ms) and its bare ECHO took ${fmt(w.idleRoundTripMs.p50, 2)} ms (p50, worst` +
        ` ${fmt(w.idleRoundTripMs.max, 2)} ms).`;
    }
    if (w.phases) {
      const ph = w.phases;
      line +=
        ` Steps of the winning run (medians, ms): timer ${fmt(ph.cronTimer, 2)}, occurrence ${fmt(ph.occurrence, 2)},` +
        ` before claim ${fmt(ph.beforeClaim, 2)}, claim ${fmt(ph.claim, 2)}, lease ${fmt(ph.lease, 2)}, to body` +
        ` ${fmt(ph.toBody, 2)}.`;
    }
    if (key === 'bullmq') {
      line +=
        ` BullMQ workers wait for a due delayed job with a blocking command whose timeout Redis checks on its \`hz\`` +
        ` clock (hz ${config.machine.redisHz} here, every ${config.machine.redisHz > 0 ? Math.round(1000 / config.machine.redisHz) : '?'} ms), which bounds how` +
        ` promptly a scheduled job can start.`;
    }
    out.push(line);
  }
  return out;
}

function render({ config: baseConfig, machine, rows, summaries, results, command, wallSeconds, startedAt, loadAtEnd, background, build }) {
  const m = machine;
  const config = { ...baseConfig, machine };
  const busy = Math.max(...m.loadAverageAtStart.slice(0, 1), ...loadAtEnd.slice(0, 1)) > m.cores * 0.75;
  const misses = missExplanations(summaries, rows, config);
  const errors = Object.entries(results).filter(([, r]) => r && r.error);
  const lines = [
    '# Benchmarks',
    '',
    `Command \`${command}\`, run on ${startedAt.toISOString()}; the whole run took ${wallSeconds.toFixed(0)} s.` +
      ' Every run of the command rewrites this file: the numbers are one run on one machine, not a promise.',
    '',
    '## Machine',
    '',
    `- CPU: ${m.cpu}, ${m.cores} cores available to Node`,
    `- Memory: ${m.memoryGB.toFixed(1)} GB`,
    `- OS: ${m.os}`,
    `- Node: ${m.node}`,
    `- Redis: ${m.redis} (hz ${m.redisHz}) at the URL in \`REDIS_URL\` (default \`redis://127.0.0.1:6379\`)`,
    `- Packages: ${Object.entries(m.packages).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `- Library: the build in \`${path.relative(ROOT, build.source) || build.source}\` of` +
      ` ${build.builtAt ? build.builtAt.toISOString() : 'n/a'} (git ${build.git}), copied once at the start so every` +
      ` figure measures the same build`,
    `- Load average (1/5/15 min) at start ${m.loadAverageAtStart.map((x) => x.toFixed(2)).join(' / ')}, at end` +
      ` ${loadAtEnd.map((x) => x.toFixed(2)).join(' / ')}`,
    `- Other clients' traffic on this Redis before the run: ${background.perSec.toFixed(1)} commands/s` +
      ` (${background.clients} other connections)`,
  ];
  if (busy) {
    lines.push(
      '',
      `> The machine was busy while this ran (load average above ${(m.cores * 0.75).toFixed(1)} on ${m.cores} cores):` +
        ' timing figures (1, 2, 3, 5, 6, 7) are pessimistic for both the library and its baselines.',
    );
  }
  lines.push(
    '',
    '## Command',
    '',
    '```',
    'npm run build         # the bench runs the built library in dist/',
    'npm run bench         # prints the table and rewrites this file',
    'npm run bench -- --json   # same, plus the medians as one JSON object on the last stdout line',
    '```',
    '',
    `Redis must answer at \`REDIS_URL\`. Every key the bench writes starts with a prefix unique to the run and is deleted at` +
      ' the end; nothing else in the database is touched.',
    '',
    '## Results',
    '',
    markdownTable(rows),
    '',
    `Each figure is the median of its repetitions (fan-out ${config.fanout.reps}, overhead ${config.overhead.reps}, lock` +
      ` ${config.lock.reps}, traffic ${config.traffic.reps}, boot ${config.boot.reps}, latency and BullMQ ${config.latency.slices}),` +
      ' with the minimum and maximum in parentheses.',
    '',
    '## Targets missed',
    '',
  );
  if (misses.length === 0) lines.push('None in this run.');
  else lines.push(...misses);
  if (errors.length) {
    lines.push('', '## Scenarios that failed', '');
    for (const [k, r] of errors) lines.push(`- ${k}: ${r.error.split('\n')[0]}`);
  }
  const [counting, sharing] = countingNote(config);
  lines.push('', '## How each figure is measured', '', ...methods(config, summaries), '', counting, '', sharing);
  lines.push('', '## Diagnostics from the same run', '', ...diagnostics(summaries, config), '');
  return lines.join('\n');
}

module.exports = { render };
