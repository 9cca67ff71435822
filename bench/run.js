#!/usr/bin/env node
'use strict';

/**
 * `npm run bench`: every figure of the benchmark issue, each beside its baseline, in one run on the built library.
 * Prints the table, rewrites BENCHMARKS.md, and with --json prints the medians as the last stdout line.
 *   --only=1,4,7   run some figures (development); BENCHMARKS.md is then left alone
 *   BENCH_RAW=file  also write every repetition's raw results there as JSON
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { redisUrl, openClient, backgroundRate, deleteByPrefix } = require('./lib/redis');
const { Monitor } = require('./lib/monitor');
const { machineFacts } = require('./lib/machine');
const library = require('./lib/library');
const { summariseAll, buildRows, textTable, jsonSummary } = require('./lib/report');
const { render } = require('./lib/markdown');

// Sized so the whole run stays well under 5 minutes on 2 cores (about 3 minutes when the machine is quiet).
const CONFIG = {
  fanout: { tenants: 2000, concurrency: 16, seed: 20240605, reps: 5 },
  overhead: { tenants: 100000, concurrency: 64, reps: 5 },
  lock: { claims: 10000, reps: 5 },
  traffic: { instances: 5, occurrences: 50, reps: 5 },
  boot: { jobs: 500, reps: 5 },
  latency: { instances: 5, periodMs: 2000, ticks: 20, slices: 5 },
  bullmq: { instances: 5, pattern: '*/2 * * * * *', periodMs: 2000, ticks: 20, slices: 5 },
};

const FIGURES = [
  { fig: 1, key: 'fanout', title: 'fan-out efficiency', module: './scenarios/fanout' },
  { fig: 2, key: 'overhead', title: 'per-tenant overhead', module: './scenarios/overhead' },
  { fig: 3, key: 'lock', title: 'lock cost', module: './scenarios/lock' },
  { fig: 4, key: 'traffic', title: 'Redis traffic', module: './scenarios/traffic', monitor: true },
  { fig: 5, key: 'boot', title: 'boot cost', module: './scenarios/boot' },
  { fig: 6, key: 'latency', title: 'start latency and idle cost', module: './scenarios/latency', monitor: true },
  { fig: 7, key: 'bullmq', title: 'BullMQ job schedulers', module: './scenarios/bullmq', monitor: true },
];

function parseArgs(argv) {
  const opts = { json: false, only: null };
  for (const a of argv) {
    if (a === '--json') opts.json = true;
    else if (a.startsWith('--only=')) opts.only = new Set(a.slice(7).split(',').map(Number));
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run bench [-- --json] [-- --only=1,2,...]\n');
      process.exit(0);
    } else {
      process.stderr.write(`unknown argument ${a}; usage: npm run bench [-- --json] [-- --only=1,2,...]\n`);
      process.exit(2);
    }
  }
  return opts;
}

function log(msg) {
  process.stderr.write(`${msg}\n`);
}

function gitDescription() {
  try {
    const opts = { cwd: library.ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] };
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], opts).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], opts).trim() !== '';
    return dirty ? `${sha} with uncommitted changes in src/` : sha;
  } catch {
    return 'unknown';
  }
}

function removeIfEmpty(dir) {
  try {
    if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
  } catch {
    // Absent or in use by another run: leave it.
  }
}

async function otherClients(client, prefix) {
  const list = String(await client.sendCommand(['CLIENT', 'LIST']));
  return list.split('\n').filter((l) => l.trim() && !new RegExp(`name=${prefix}`).test(l)).length;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const t0 = performance.now();
  const url = redisUrl();
  const prefix = `ccbench-${Date.now().toString(36)}-${process.pid}`;
  const { client } = await openClient(url, `${prefix}-harness`);
  const snapshotDir = path.join(library.ROOT, '.bench-tmp', prefix, 'dist');
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    fs.rmSync(path.dirname(snapshotDir), { recursive: true, force: true });
    removeIfEmpty(path.join(library.ROOT, '.bench-tmp'));
    try {
      const n = await deleteByPrefix(client, prefix);
      log(`cleanup: deleted ${n} keys under ${prefix}*`);
    } catch (err) {
      log(`cleanup failed: ${err.message}`);
    }
  };
  process.once('SIGINT', () => {
    log('interrupted; cleaning up');
    cleanup().finally(() => process.exit(130));
  });

  const machine = await machineFacts(client);
  const background = await backgroundRate(client, 1000);
  background.clients = await otherClients(client, prefix);
  log(
    `bench ${prefix}: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, Redis ${machine.redis}, load ${machine.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}`,
  );
  if (background.perSec > 0) {
    log(`note: this Redis serves ${background.perSec.toFixed(1)} commands/s from other clients; they are excluded by MONITOR attribution`);
  }
  let build = { builtAt: null, source: library.libDir() };
  try {
    // A rebuild in progress gets half a minute to finish; a missing build fails the library figures, not the run.
    const snap = await library.snapshot(snapshotDir, { waitMs: 30000 });
    build = { ...build, builtAt: snap.builtAt };
    // Children inherit it: all figures measure this one copy of the build.
    process.env.BENCH_LIB_DIR = snap.dir;
  } catch (err) {
    log(`note: ${err.message}; library figures will fail (run npm run build)`);
  }
  build.git = gitDescription();

  const results = {};
  const timings = {};
  for (const f of FIGURES) {
    if (opts.only && !opts.only.has(f.fig)) continue;
    log(`figure ${f.fig}: ${f.title}`);
    const s0 = performance.now();
    let monitor;
    try {
      const ctx = { url, prefix, client, log };
      if (f.monitor) {
        monitor = new Monitor(url, prefix);
        await monitor.start();
        ctx.monitor = monitor;
      }
      results[f.key] = await require(f.module).run(ctx, CONFIG[f.key]);
    } catch (err) {
      results[f.key] = { error: err && err.message ? err.message : String(err) };
      log(`figure ${f.fig} failed: ${results[f.key].error}`);
    } finally {
      if (monitor) monitor.stop();
    }
    timings[f.key] = (performance.now() - s0) / 1000;
    log(`figure ${f.fig} took ${timings[f.key].toFixed(1)} s`);
  }
  await cleanup();
  await client.close();

  const wallSeconds = (performance.now() - t0) / 1000;
  const summaries = summariseAll(results);
  const rows = buildRows(summaries, results).filter((r) => !opts.only || opts.only.has(r.fig));
  process.stdout.write(`\n${textTable(rows)}\n\n`);
  process.stdout.write(
    `median of repetitions, (min..max); whole bench ${wallSeconds.toFixed(1)} s (${Object.entries(timings)
      .map(([k, v]) => `${k} ${v.toFixed(0)} s`)
      .join(', ')})\n`,
  );

  if (!opts.only) {
    const command = opts.json ? 'npm run bench -- --json' : 'npm run bench';
    const md = render({
      config: CONFIG,
      machine,
      rows,
      summaries,
      results,
      command,
      wallSeconds,
      startedAt,
      loadAtEnd: os.loadavg(),
      background,
      build,
    });
    const file = path.join(__dirname, '..', 'BENCHMARKS.md');
    fs.writeFileSync(file, md);
    process.stdout.write(`wrote ${path.relative(process.cwd(), file) || file}\n`);
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(jsonSummary(summaries))}\n`);
  if (process.env.BENCH_RAW) fs.writeFileSync(process.env.BENCH_RAW, JSON.stringify({ results, timings }, null, 1));
  const failed = Object.values(results).some((r) => r && r.error);
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
