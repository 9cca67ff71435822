'use strict';

const { summarise } = require('./stats');

function pick(list, fn) {
  return summarise(list.map(fn));
}

/** Medians, mins and maxes of every figure, from the raw per-repetition results of each scenario. */
function summariseAll(results) {
  const s = {};
  const f1 = results.fanout;
  if (f1 && !f1.error) {
    s.fanout = {
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
  }
  const f2 = results.overhead;
  if (f2 && !f2.error) {
    s.overhead = {
      libraryTps: pick(f2.library, (r) => r.tenantsPerSec),
      bareTps: pick(f2.bare, (r) => r.tenantsPerSec),
      libraryRss: pick(f2.library, (r) => r.rssGrowthMB),
      bareRss: pick(f2.bare, (r) => r.rssGrowthMB),
      libraryUsPerTenant: pick(f2.library, (r) => (r.elapsedMs * 1000) / r.calls),
      logLines: f2.libraryLogLines,
    };
  }
  const f3 = results.lock;
  if (f3 && !f3.error) {
    s.lock = {
      libP50: pick(f3.reps, (r) => r.libP50Us),
      rawP50: pick(f3.reps, (r) => r.rawP50Us),
      libP99: pick(f3.reps, (r) => r.libP99Us),
      rawP99: pick(f3.reps, (r) => r.rawP99Us),
      p50Ratio: pick(f3.reps, (r) => r.p50Ratio),
      p99Ratio: pick(f3.reps, (r) => r.p99Ratio),
    };
  }
  const f4 = results.traffic;
  if (f4 && !f4.error) {
    s.traffic = {
      loser: pick(f4.reps, (r) => r.loserCommandsPerOccurrence),
      loserMax: Math.max(...f4.reps.map((r) => r.loserMaxCommands)),
      winner: pick(f4.reps, (r) => r.winnerCommandsPerOccurrence),
      total: pick(f4.reps, (r) => r.totalPerOccurrence),
      commandstats: pick(f4.reps, (r) => r.commandstatsPerOccurrence),
      foreign: f4.reps.reduce((n, r) => n + r.foreignCommands, 0),
      unattributed: f4.reps.reduce((n, r) => n + r.unattributedCommands, 0),
      badOccurrences: f4.reps.reduce((n, r) => n + r.occurrencesWithoutExactlyOneWinner, 0),
      outcomes: f4.reps.reduce((acc, r) => {
        for (const [k, v] of Object.entries(r.outcomes)) acc[k] = (acc[k] || 0) + v;
        return acc;
      }, {}),
      byCommandWinner: f4.byCommandWinner,
      byCommandLoser: f4.byCommandLoser,
    };
  }
  const f5 = results.boot;
  if (f5 && !f5.error) {
    s.boot = {
      coordinated: summarise(f5.boots.coordinated),
      plain: summarise(f5.boots.plain),
      ratio: summarise(f5.ratios),
    };
  }
  for (const key of ['latency', 'bullmq']) {
    const w = results[key];
    if (w && !w.error) {
      s[key] = {
        p50: pick(w.slices, (x) => x.p50Ms),
        p99: pick(w.slices, (x) => x.p99Ms),
        idle: pick(w.slices, (x) => x.idleCommandsPerSec),
        perOccurrence: pick(w.slices, (x) => x.commandsPerOccurrence),
        duplicates: pick(w.slices, (x) => x.duplicates),
        misses: pick(w.slices, (x) => x.misses),
        idleWholeWindow:
          w.slices.reduce((n, x) => n + x.idleCommands, 0) / w.slices.reduce((n, x) => n + x.idleSeconds, 0),
        duplicatesTotal: w.slices.reduce((n, x) => n + x.duplicates, 0),
        missesTotal: w.slices.reduce((n, x) => n + x.misses, 0),
        foreign: w.slices.reduce((n, x) => n + x.foreignCommands, 0),
        commandstatsTotal: w.slices.reduce((n, x) => n + x.commandstatsDelta, 0),
        attributedTotal: w.slices.reduce((n, x) => n + x.commands, 0),
        pooled: w.pooled,
        totalByCommand: w.totalByCommand,
        idleByCommand: w.idleByCommand,
        cronReference: w.cronReference,
        idleRoundTripMs: w.idleRoundTripMs,
        idleWakeLateMs: w.idleWakeLateMs,
        phases: w.phases,
        client: w.client,
      };
    }
  }
  return s;
}

const NONE = summarise([]);
const BLANK = Object.freeze({ blank: true });

/** Table rows: figure, metric, library, baseline, target. A missing scenario yields empty cells, never a number. */
function buildRows(s, results) {
  const rows = [];
  // BLANK leaves a cell empty on purpose; anything missing means the figure was not measured (n/a).
  const cell = (v) => (v === BLANK ? null : v || NONE);
  const row = (fig, metric, lib, baseLabel, base, target, digits) =>
    rows.push({ fig, metric, lib: cell(lib), baseLabel, base: cell(base), target, digits });
  const err = (key) => (results[key] && results[key].error ? results[key].error : null);

  const f1 = s.fanout || {};
  row(1, 'fan-out makespan / lower bound', f1.library, 'fixed batches of 16', f1.batches, { op: '<=', value: 1.05 }, 3);
  row(1, 'same, minimal pool (reference)', BLANK, 'minimal pool', f1.pool, null, 3);
  const f2 = s.overhead || {};
  row(2, 'no-op tenants per second', f2.libraryTps, 'bare loop, same concurrency', f2.bareTps, { op: '>=', value: 100000 }, 0);
  row(2, 'peak RSS growth (MB)', f2.libraryRss, 'bare loop', f2.bareRss, { op: '<', value: 64 }, 1);
  const f3 = s.lock || {};
  row(3, 'claim latency p50 (us)', f3.libP50, 'raw SET NX PX', f3.rawP50, null, 1);
  row(3, 'claim latency p99 (us)', f3.libP99, 'raw SET NX PX', f3.rawP99, null, 1);
  row(3, 'p50 ratio library / raw', f3.p50Ratio, '', BLANK, { op: '<=', value: 1.3 }, 3);
  row(3, 'p99 ratio library / raw', f3.p99Ratio, '', BLANK, null, 3);
  const f4 = s.traffic || {};
  row(4, 'commands / occurrence, losing instance', f4.loser, '', BLANK, { op: '<=', value: 2 }, 2);
  row(4, 'commands / occurrence, winning instance', f4.winner, '', BLANK, null, 2);
  row(4, 'commands / occurrence, all five', f4.total, 'BullMQ, all five (fig. 7)', s.bullmq && s.bullmq.perOccurrence, null, 2);
  const f5 = s.boot || {};
  row(5, 'app.init() with 500 jobs (ms)', f5.coordinated, '500 plain @Cron', f5.plain, null, 0);
  row(5, 'boot ratio', f5.ratio, '', BLANK, { op: '<=', value: 2 }, 3);
  const total = (w, k) => (w && w[k] !== undefined ? summarise([w[k]]) : null);
  const f6 = s.latency || {};
  const b = s.bullmq || {};
  row(6, 'start latency p50 (ms)', f6.p50, 'BullMQ (fig. 7)', b.p50, { op: '<=', value: 10 }, 2);
  row(6, 'start latency p99 (ms)', f6.p99, 'BullMQ (fig. 7)', b.p99, null, 2);
  row(6, 'idle commands / s', f6.idle, 'BullMQ (fig. 7)', b.idle, { op: '==', value: 0 }, 2);
  row(7, 'commands / occurrence, all instances', f6.perOccurrence, 'BullMQ', b.perOccurrence, null, 2);
  // Periodic housekeeping (BullMQ's stalled-job check runs every 30 s) falls into few 8 s repetitions, so the
  // median can hide it; the rate over all idle stretches of the window shows it.
  row(7, 'idle commands / s, whole window', total(s.latency, 'idleWholeWindow'), 'BullMQ', total(s.bullmq, 'idleWholeWindow'), null, 2);
  row(7, 'duplicate runs per repetition (4 ticks)', f6.duplicates, 'BullMQ', b.duplicates, null, 0);
  row(7, 'missed ticks per repetition (4 ticks)', f6.misses, 'BullMQ', b.misses, null, 0);
  row(7, 'duplicate runs, whole window', total(s.latency, 'duplicatesTotal'), 'BullMQ', total(s.bullmq, 'duplicatesTotal'), null, 0);
  row(7, 'missed ticks, whole window', total(s.latency, 'missesTotal'), 'BullMQ', total(s.bullmq, 'missesTotal'), null, 0);

  const errorsByFig = { 1: err('fanout'), 2: err('overhead'), 3: err('lock'), 4: err('traffic'), 5: err('boot'), 6: err('latency'), 7: err('bullmq') };
  for (const r of rows) r.error = errorsByFig[r.fig];
  return rows;
}

function fmt(v, digits) {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function fmtSummary(sum, digits) {
  if (!sum || sum.median === null) return 'n/a';
  if (sum.min === sum.max) return `${fmt(sum.median, digits)}`;
  return `${fmt(sum.median, digits)} (${fmt(sum.min, digits)}..${fmt(sum.max, digits)})`;
}

function verdict(r) {
  if (!r.target) return '';
  const sum = r.lib;
  if (!sum || sum.median === null) return r.error ? 'ERROR' : 'n/a';
  const m = sum.median;
  const t = r.target.value;
  let met;
  if (r.target.op === '<=') met = m <= t;
  else if (r.target.op === '>=') met = m >= t;
  else if (r.target.op === '<') met = m < t;
  else met = m === t;
  if (met) return 'met';
  if (t === 0) return `MISSED (${fmt(m, r.digits)} vs 0)`;
  const pct = ((m - t) / t) * 100;
  return `MISSED by ${fmt(Math.abs(m - t), r.digits)} (${pct > 0 ? '+' : ''}${pct.toFixed(1)}%)`;
}

function targetText(t) {
  if (!t) return '';
  const op = { '<=': '<=', '>=': '>=', '<': '<', '==': '=' }[t.op];
  return `${op} ${t.value.toLocaleString('en-US')}`;
}

function tableCells(rows) {
  return rows.map((r) => [
    String(r.fig),
    r.metric,
    r.lib === null ? '' : r.error && r.lib.median === null ? 'ERROR' : fmtSummary(r.lib, r.digits),
    r.baseLabel,
    r.base === null ? '' : r.error && r.base.median === null ? 'ERROR' : fmtSummary(r.base, r.digits),
    targetText(r.target),
    verdict(r),
  ]);
}

const HEAD = ['#', 'figure', 'library median (min..max)', 'baseline', 'baseline median (min..max)', 'target', 'result'];

function textTable(rows) {
  const cells = [HEAD, ...tableCells(rows)];
  const widths = HEAD.map((_, i) => Math.max(...cells.map((c) => c[i].length)));
  const line = (c) => c.map((x, i) => x.padEnd(widths[i])).join('  ').trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(cells[0]), sep, ...cells.slice(1).map(line)].join('\n');
}

function markdownTable(rows) {
  const esc = (x) => x.replace(/\|/g, '\\|');
  const out = [`| ${HEAD.join(' | ')} |`, `|${HEAD.map(() => '---').join('|')}|`];
  for (const c of tableCells(rows)) out.push(`| ${c.map(esc).join(' | ')} |`);
  return out.join('\n');
}

function round(v, digits) {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** The object the issue specifies, medians only, null where a figure could not be measured. */
function jsonSummary(s) {
  const m = (sum, digits) => round(sum && sum.median, digits);
  return {
    fanout: { ratio: m(s.fanout && s.fanout.library, 3), batchRatio: m(s.fanout && s.fanout.batches, 3) },
    overhead: {
      tenantsPerSec: m(s.overhead && s.overhead.libraryTps, 0),
      bareTenantsPerSec: m(s.overhead && s.overhead.bareTps, 0),
      rssGrowthMB: m(s.overhead && s.overhead.libraryRss, 1),
    },
    lock: { p50Ratio: m(s.lock && s.lock.p50Ratio, 3), p99Ratio: m(s.lock && s.lock.p99Ratio, 3) },
    redis: {
      loserCommandsPerOccurrence: m(s.traffic && s.traffic.loser, 2),
      winnerCommandsPerOccurrence: m(s.traffic && s.traffic.winner, 2),
    },
    boot: { ratio: m(s.boot && s.boot.ratio, 3) },
    latency: { p50Ms: m(s.latency && s.latency.p50, 2), p99Ms: m(s.latency && s.latency.p99, 2) },
    idle: { commandsPerSec: m(s.latency && s.latency.idle, 2) },
    bullmq: {
      commandsPerOccurrence: m(s.bullmq && s.bullmq.perOccurrence, 2),
      idleCommandsPerSec: m(s.bullmq && s.bullmq.idle, 2),
      p50Ms: m(s.bullmq && s.bullmq.p50, 2),
      p99Ms: m(s.bullmq && s.bullmq.p99, 2),
      duplicates: m(s.bullmq && s.bullmq.duplicates, 2),
      misses: m(s.bullmq && s.bullmq.misses, 2),
    },
  };
}

module.exports = { summariseAll, buildRows, textTable, markdownTable, jsonSummary, verdict, fmt, fmtSummary };
