#!/usr/bin/env node
/**
 * Cluster demo: N instances of the built sample app share one Redis and one SQLite file, with seconds-level
 * windows, then a table shows which instance ran each occurrence of each job.
 *
 *   node sample-app/cluster.js [instances] [--seconds N] [--verbose]
 *   env: REDIS_URL (default redis://127.0.0.1:6379), DATABASE_URL (a postgres:// URL: the locks live in PostgreSQL
 *   and no Redis is needed), CLUSTER_INSTANCES (3), CLUSTER_SECONDS (20)
 *
 * Needs `npm run build:sample` first (the `sample:cluster` script does it). Ctrl-C ends the run early and still
 * prints the table.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
// The demo is a tool of this repository, not part of the app: it shares the repository's Redis probe.
import { redisAnswers } from '../scripts/redis-ping.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const MAIN = path.join(HERE, 'dist', 'main.js');
// The sample is an ES module app, so it loads the library's ES module half.
const LIBRARY = path.join(ROOT, 'dist', 'esm', 'index.js');
const JOBS = ['log-cleanup', 'announcement-cleanup', 'billing-archive', 'automation-scheduler'];
const COLORS = [36, 33, 35, 32, 34, 31];

function parseArgs(argv) {
  const options = {
    instances: Number(process.env.CLUSTER_INSTANCES || 3),
    seconds: Number(process.env.CLUSTER_SECONDS || 20),
    verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--seconds') options.seconds = Number(argv[++i]);
    else if (arg === '--verbose') options.verbose = true;
    else if (/^\d+$/.test(arg)) options.instances = Number(arg);
    else fail(`unknown argument ${arg}\nusage: node sample-app/cluster.js [instances] [--seconds N] [--verbose]`);
  }
  if (!Number.isInteger(options.instances) || options.instances < 1 || options.instances > 20) {
    fail('instances: give a whole number from 1 to 20');
  }
  if (!(options.seconds > 0)) fail('--seconds: give a positive number');
  return options;
}

function fail(message) {
  console.error(`cluster: ${message}`);
  process.exit(1);
}

function startInstance(index, env, verbose) {
  const id = `node-${index}`;
  const color = COLORS[(index - 1) % COLORS.length];
  const label = process.stdout.isTTY ? `\x1b[${color}m[${id}]\x1b[0m` : `[${id}]`;
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { ...env, CRON_INSTANCE_ID: id, LOG_LEVEL: verbose ? 'debug' : 'log', LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      const shown = formatLine(line);
      if (shown !== undefined) console.log(`${label} ${shown}`);
    });
  }
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { id, child, exited };
}

/** Nest's boot chatter; the demo is about the jobs. */
const QUIET_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
]);

function formatLine(line) {
  let record;
  try {
    record = JSON.parse(line);
  } catch {
    return line;
  }
  if (QUIET_CONTEXTS.has(record.context)) return undefined;
  const time = new Date(record.timestamp).toISOString().slice(11, 23);
  const message = typeof record.message === 'string' ? record.message : JSON.stringify(record.message);
  return `${time} ${String(record.level).toUpperCase().padEnd(5)} ${record.context ?? ''}: ${message}`;
}

async function stopInstance(instance, graceMs) {
  if (instance.child.exitCode !== null || instance.child.signalCode !== null) return instance.exited;
  instance.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    console.log(`cluster: ${instance.id} did not exit within ${graceMs}ms, killing it`);
    instance.child.kill('SIGKILL');
  }, graceMs);
  const result = await instance.exited;
  clearTimeout(timer);
  return result;
}

function pad(text, width) {
  return String(text).padEnd(width);
}

function printTable(dbPath) {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  const rows = db
    .prepare(
      `SELECT job_name AS job, occurrence, instance_id AS instance, COUNT(*) AS calls,
              SUM(status = 'succeeded') AS ok, SUM(status = 'failed') AS failed
       FROM job_runs GROUP BY job_name, occurrence, instance_id ORDER BY occurrence, job_name`,
    )
    .all();
  db.close();

  const byOccurrence = new Map();
  for (const row of rows) {
    if (!byOccurrence.has(row.occurrence)) byOccurrence.set(row.occurrence, new Map());
    const cells = byOccurrence.get(row.occurrence);
    if (!cells.has(row.job)) cells.set(row.job, []);
    cells.get(row.job).push(row);
  }

  const width = 22;
  console.log('');
  console.log(`${pad('occurrence (UTC)', 18)}${JOBS.map((job) => pad(job, width)).join('')}`);
  console.log('-'.repeat(18 + JOBS.length * width));
  const duplicates = [];
  const perJob = new Map(JOBS.map((job) => [job, { occurrences: 0, byInstance: new Map() }]));
  for (const [occurrence, cells] of byOccurrence) {
    const line = JOBS.map((job) => {
      const runs = cells.get(job);
      if (!runs) return pad('·', width);
      const stats = perJob.get(job);
      stats.occurrences++;
      for (const run of runs) stats.byInstance.set(run.instance, (stats.byInstance.get(run.instance) || 0) + 1);
      if (runs.length > 1) duplicates.push(`${job} @ ${occurrence}: ${runs.map((run) => run.instance).join(', ')}`);
      const tenants = runs[0].calls > 1 ? ` (${runs[0].calls} accts)` : '';
      const marker = runs.length > 1 ? '!! ' : '';
      return pad(`${marker}${runs.map((run) => run.instance).join('+')}${tenants}`, width);
    });
    console.log(`${pad(occurrence.slice(11, 19), 18)}${line.join('')}`);
  }

  console.log('');
  for (const [job, stats] of perJob) {
    const split = [...stats.byInstance]
      .sort()
      .map(([id, n]) => `${id}=${n}`)
      .join(' ');
    console.log(`${pad(job, 22)} ${String(stats.occurrences).padStart(3)} occurrence(s)   ${split}`);
  }
  console.log('');
  if (duplicates.length === 0) {
    console.log('Every occurrence ran on exactly one instance.');
  } else {
    console.log(`DUPLICATES (${duplicates.length}):`);
    for (const duplicate of duplicates) console.log(`  ${duplicate}`);
  }
  return duplicates.length;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  for (const file of [LIBRARY, MAIN]) {
    if (!existsSync(file)) fail(`${path.relative(ROOT, file)} is missing; run \`npm run build:sample\` first`);
  }
  const databaseUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  if (!databaseUrl && !(await redisAnswers(redisUrl))) {
    fail(
      `no Redis answers at ${redisUrl}. Start one (e.g. \`docker run --rm -p 6379:6379 redis:7\` or ` +
        '`redis-server --daemonize yes`), or point REDIS_URL at yours.',
    );
  }

  const stamp = `${process.pid}-${Date.now()}`;
  const dbPath = path.join(os.tmpdir(), `coordinated-cron-cluster-${stamp}.db`);
  const env = {
    ...process.env,
    // With DATABASE_URL the instances take their locks from PostgreSQL; Redis is not needed.
    ...(databaseUrl ? {} : { REDIS_URL: redisUrl }),
    SAMPLE_FAST: '1',
    SAMPLE_DB: dbPath,
    CRON_KEY_PREFIX: `cluster-demo-${stamp}`,
    PORT: 'off',
  };
  console.log(
    `cluster: ${options.instances} instance(s), ${options.seconds}s, ` +
      `locks in ${databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `Redis ${redisUrl}`}, database ${dbPath}\n` +
      'cluster: Ctrl-C stops early and still prints the table',
  );

  const instances = [];
  for (let i = 1; i <= options.instances; i++) instances.push(startInstance(i, env, options.verbose));

  await new Promise((resolve) => {
    const timer = setTimeout(resolve, options.seconds * 1000);
    // Ctrl-C reaches the children too (same process group); here it only cuts the wait short.
    process.once('SIGINT', () => {
      clearTimeout(timer);
      resolve();
    });
    process.once('SIGTERM', () => {
      clearTimeout(timer);
      resolve();
    });
  });

  console.log('cluster: stopping instances');
  const exits = await Promise.all(instances.map((instance) => stopInstance(instance, 20_000)));
  instances.forEach((instance, i) => {
    const { code, signal } = exits[i];
    console.log(`cluster: ${instance.id} exited ${signal ? `by ${signal}` : `with code ${code}`}`);
  });

  // No database at all counts as a failure, like a duplicate would.
  let duplicates;
  if (existsSync(dbPath)) {
    duplicates = printTable(dbPath);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${dbPath}${suffix}`, { force: true });
  } else {
    console.log('cluster: no database was created; see the instance output above');
    duplicates = 1;
  }
  process.exitCode = duplicates === 0 ? 0 : 1;
}

await main().catch((error) => {
  console.error(error);
  process.exit(1);
});
