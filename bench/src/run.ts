/**
 * `npm run bench`: every figure, each beside its baseline, in one run on the built library.
 *   --json         also print the medians as one JSON object, the last line on stdout
 *   --update       rewrite BENCHMARKS.md (tracked) instead of bench/results/latest.md and latest.json (not tracked)
 *   --only=1,4,7   run some figures (development); nothing is written then. Figures 12 to 16 and 18 start a
 *                  PostgreSQL of the bench's own (Debian's binaries), stopped and removed at the end.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join, relative } from 'node:path';
import { CONFIG } from './config';
import { BENCH_ROOT, REPO_ROOT, snapshotLibrary, sourceNewerThan, useLibraryHome } from './lib/library';
import { machineFacts } from './lib/machine';
import { render } from './lib/markdown';
import { Monitor } from './lib/monitor';
import { BenchPostgres } from './lib/postgres';
import { backgroundRate, deleteByPrefix, openClient, otherClients, redisUrl } from './lib/redis';
import { buildRows, jsonSummary, summariseAll, textTable } from './lib/report';
import { type Errors, type FigureKey, type Results } from './lib/results';
import * as boot from './scenarios/boot';
import * as bullmq from './scenarios/bullmq';
import { type ScenarioContext } from './scenarios/context';
import * as fanout from './scenarios/fanout';
import * as latency from './scenarios/latency';
import * as localTime from './scenarios/local-time';
import * as lockCost from './scenarios/lock-cost';
import * as overhead from './scenarios/overhead';
import * as postgresClaim from './scenarios/postgres-claim';
import * as postgresIdle from './scenarios/postgres-idle';
import * as postgresLatency from './scenarios/postgres-latency';
import * as postgresScale from './scenarios/postgres-scale';
import * as postgresTraffic from './scenarios/postgres-traffic';
import * as progress from './scenarios/progress';
import * as reschedule from './scenarios/reschedule';
import * as resume from './scenarios/resume';
import * as retry from './scenarios/retry';
import * as scale from './scenarios/scale';
import * as telemetry from './scenarios/telemetry';
import * as traffic from './scenarios/traffic';

interface Figure {
  fig: number;
  key: FigureKey;
  title: string;
  run: (ctx: ScenarioContext) => Promise<unknown>;
  /** Figures that count Redis commands run with MONITOR on. */
  monitor?: boolean;
}

const FIGURES: Figure[] = [
  { fig: 1, key: 'fanout', title: 'fan-out efficiency', run: (ctx) => fanout.run(ctx, CONFIG.fanout) },
  { fig: 2, key: 'overhead', title: 'per-tenant overhead', run: (ctx) => overhead.run(ctx, CONFIG.overhead) },
  { fig: 3, key: 'lock', title: 'lock cost', run: (ctx) => lockCost.run(ctx, CONFIG.lock) },
  { fig: 4, key: 'traffic', title: 'Redis traffic', monitor: true, run: (ctx) => traffic.run(ctx, CONFIG.traffic) },
  { fig: 5, key: 'boot', title: 'boot cost', run: (ctx) => boot.run(ctx, CONFIG.boot) },
  { fig: 6, key: 'latency', title: 'start latency and idle cost', monitor: true, run: (ctx) => latency.run(ctx, CONFIG.latency) },
  { fig: 7, key: 'bullmq', title: 'BullMQ job schedulers', monitor: true, run: (ctx) => bullmq.run(ctx, CONFIG.bullmq) },
  { fig: 8, key: 'scale', title: 'a million tenants in one run', run: (ctx) => scale.run(ctx, CONFIG.scale) },
  { fig: 9, key: 'telemetry', title: 'telemetry overhead', run: (ctx) => telemetry.run(ctx, CONFIG.telemetry) },
  { fig: 10, key: 'resume', title: 'resume delay after SIGKILL', run: (ctx) => resume.run(ctx, CONFIG.resume) },
  { fig: 11, key: 'progress', title: 'progress-recording overhead', run: (ctx) => progress.run(ctx, CONFIG.progress) },
  { fig: 12, key: 'postgresClaim', title: 'PostgreSQL claim cost', run: (ctx) => postgresClaim.run(ctx, CONFIG.postgresClaim) },
  { fig: 13, key: 'postgresTraffic', title: 'PostgreSQL round trips', run: (ctx) => postgresTraffic.run(ctx, CONFIG.traffic) },
  { fig: 14, key: 'postgresLatency', title: 'PostgreSQL start latency', run: (ctx) => postgresLatency.run(ctx, CONFIG.latency) },
  {
    fig: 15,
    key: 'postgresIdle',
    title: 'PostgreSQL idle cost, beside pg-boss and graphile-worker (and their minute ticks)',
    run: (ctx) => postgresIdle.run(ctx, CONFIG.postgresIdle),
  },
  { fig: 16, key: 'postgresScale', title: 'a million tenants in one run, on PostgreSQL', run: (ctx) => postgresScale.run(ctx, CONFIG.postgresScale) },
  { fig: 17, key: 'localTime', title: "each tenant's local time", run: (ctx) => localTime.run(ctx, CONFIG.localTime) },
  { fig: 18, key: 'reschedule', title: 'schedules changed at runtime', run: (ctx) => reschedule.run(ctx, CONFIG.reschedule) },
  { fig: 19, key: 'retry', title: 'retries of failed tenants', run: (ctx) => retry.run(ctx, CONFIG.retry) },
];

const USAGE = 'usage: npm run bench [-- --json] [-- --update] [-- --only=1,2,...]';

function parseArgs(argv: string[]): { json: boolean; update: boolean; only: Set<number> | null } {
  const opts = { json: false, update: false, only: null as Set<number> | null };
  for (const a of argv) {
    if (a === '--json') opts.json = true;
    else if (a === '--update') opts.update = true;
    else if (a.startsWith('--only=')) opts.only = new Set(a.slice(7).split(',').map(Number));
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else {
      process.stderr.write(`unknown argument ${a}; ${USAGE}\n`);
      process.exit(2);
    }
  }
  if (opts.update && opts.only) {
    process.stderr.write('--update rewrites BENCHMARKS.md and needs every figure: drop --only\n');
    process.exit(2);
  }
  return opts;
}

const log = (msg: string): void => void process.stderr.write(`${msg}\n`);
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function gitDescription(): string {
  try {
    const opts = { cwd: REPO_ROOT, encoding: 'utf8' as const, stdio: ['ignore', 'pipe', 'ignore'] as ('ignore' | 'pipe')[] };
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], opts).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], opts).trim() !== '';
    return dirty ? `${sha} with uncommitted changes in src/` : sha;
  } catch {
    return 'unknown';
  }
}

function removeIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // Absent or in use by another run: leave it.
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const t0 = performance.now();
  const url = redisUrl();
  const prefix = `ccbench-${Date.now().toString(36)}-${process.pid}`;
  const client = await openClient(url, `${prefix}-harness`);
  const libraryHome = join(BENCH_ROOT, '.lib', prefix);
  let pg: Promise<BenchPostgres> | undefined;
  const postgres = (): Promise<BenchPostgres> => {
    if (!pg) {
      log('  starting the bench\'s own PostgreSQL');
      pg = BenchPostgres.start();
    }
    return pg;
  };
  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    rmSync(libraryHome, { recursive: true, force: true });
    removeIfEmpty(join(BENCH_ROOT, '.lib'));
    if (pg) {
      try {
        await (await pg).stop();
        log('cleanup: stopped the bench\'s PostgreSQL and removed its files');
      } catch (err) {
        log(`cleanup of PostgreSQL failed: ${message(err)}`);
      }
    }
    try {
      log(`cleanup: deleted ${await deleteByPrefix(client, prefix)} keys under ${prefix}*`);
    } catch (err) {
      log(`cleanup failed: ${message(err)}`);
    }
  };
  process.once('SIGINT', () => {
    log('interrupted; cleaning up');
    void cleanup().finally(() => process.exit(130));
  });

  const machine = await machineFacts(client);
  const background = { ...(await backgroundRate(client, 1000)), clients: await otherClients(client, prefix) };
  log(
    `bench ${prefix}: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, Redis ${machine.redis}, load ${machine.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}`,
  );
  if (background.perSec > 0) {
    log(`note: this Redis serves ${background.perSec.toFixed(1)} commands/s from other clients; MONITOR attribution leaves them out`);
  }
  const build = { builtAt: null as Date | null, source: join(REPO_ROOT, 'dist'), git: gitDescription() };
  try {
    // A rebuild in progress gets half a minute to finish; a missing build fails the library figures, not the run.
    build.builtAt = (await snapshotLibrary(libraryHome)).builtAt;
    useLibraryHome(libraryHome);
    // Not rebuilt here: the build measured is the one the developer made, and the report names it.
    if (sourceNewerThan(build.builtAt)) log('note: files in src/ are newer than the build in dist/; npm run build to measure them');
  } catch (err) {
    log(`note: ${message(err)}; library figures will fail`);
  }

  const results: Results = {};
  const errors: Errors = {};
  const timings: Partial<Record<FigureKey, number>> = {};
  for (const f of FIGURES) {
    if (opts.only && !opts.only.has(f.fig)) continue;
    log(`figure ${f.fig}: ${f.title}`);
    const s0 = performance.now();
    let monitor: Monitor | undefined;
    try {
      if (f.monitor) {
        monitor = new Monitor(url, prefix);
        await monitor.start();
      }
      (results as Record<FigureKey, unknown>)[f.key] = await f.run({ url, prefix, client, log, monitor, postgres });
    } catch (err) {
      errors[f.key] = message(err);
      log(`figure ${f.fig} failed: ${errors[f.key]}`);
    } finally {
      monitor?.stop();
    }
    timings[f.key] = (performance.now() - s0) / 1000;
    log(`figure ${f.fig} took ${timings[f.key]?.toFixed(1)} s`);
  }
  await cleanup();
  await client.close();

  const wallSeconds = (performance.now() - t0) / 1000;
  const summaries = summariseAll(results);
  const rows = buildRows(summaries, errors, CONFIG.scale.tenants).filter((r) => !opts.only || opts.only.has(r.fig));
  const summary = jsonSummary(summaries);
  process.stdout.write(`\n${textTable(rows)}\n\n`);
  process.stdout.write(
    `median of repetitions, (min..max); whole bench ${wallSeconds.toFixed(1)} s (${Object.entries(timings)
      .map(([k, v]) => `${k} ${v.toFixed(0)} s`)
      .join(', ')})\n`,
  );

  if (!opts.only) {
    const command = `npm run bench${opts.json || opts.update ? ` --${opts.json ? ' --json' : ''}${opts.update ? ' --update' : ''}` : ''}`;
    const md = render({ config: CONFIG, machine, rows, summaries, errors, command, wallSeconds, startedAt, loadAtEnd: os.loadavg(), background, build });
    const written: string[] = [];
    if (opts.update) {
      const file = join(REPO_ROOT, 'BENCHMARKS.md');
      // The last section belongs to the chaos run (npm run chaos -- --update), which rewrites it alone: keep it.
      const chaos = existsSync(file) ? (/^## Chaos runs$[\s\S]*/m.exec(readFileSync(file, 'utf8'))?.[0] ?? '') : '';
      writeFileSync(file, chaos ? `${md.trimEnd()}\n\n${chaos}` : md);
      written.push(file);
    } else {
      const dir = join(BENCH_ROOT, 'results');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'latest.md'), md);
      const raw = { command, startedAt: startedAt.toISOString(), wallSeconds, summary, machine, config: CONFIG, timings, errors, results };
      writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(raw, null, 1)}\n`);
      written.push(join(dir, 'latest.md'), join(dir, 'latest.json'));
    }
    process.stdout.write(`wrote ${written.map((f) => relative(process.cwd(), f) || f).join(', ')}\n`);
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  process.exitCode = Object.keys(errors).length ? 1 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error && err.stack ? err.stack : String(err)}\n`);
  process.exit(1);
});
