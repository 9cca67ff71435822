/**
 * The sample app is configured from the environment only:
 *
 *   REDIS_URL                 unset: in-process locks, one instance; set: CacheModule with @keyv/redis, shared locks
 *   DATABASE_URL              a postgres:// URL: the locks live in PostgreSQL (the postgres option), whatever the cache
 *   REDIS_CLUSTER_NODES       comma-separated redis:// URLs of Redis Cluster nodes: the cache (and the locks) use a
 *                             cluster client instead of REDIS_URL
 *   REDIS_SENTINELS           comma-separated host:port of Redis Sentinels (with REDIS_SENTINEL_NAME, default
 *                             mymaster): the cache (and the locks) follow the master those sentinels name
 *   SAMPLE_DB                 SQLite file, created and seeded on first start (default ./sample-app.db in the cwd)
 *   SAMPLE_FAST=1 | --fast    seconds-level windows instead of nightly ones
 *   SAMPLE_FAST_PERIOD        with SAMPLE_FAST: every job ticks every N seconds (a divisor of 60)
 *   SAMPLE_FAST_OFFSET        with SAMPLE_FAST_PERIOD: the second of each period the ticks fall on (default 0)
 *   SAMPLE_FAST_JITTER_MS     with SAMPLE_FAST: window length of every job
 *   SAMPLE_JOBS               comma-separated jobs to register (default: all but daily-digest; all: every job)
 *   SAMPLE_DIGEST_CRON        daily-digest's cron, read on each account's clock (default 0 9 * * *, with SAMPLE_FAST
 *                             every 5 s in the first half of each local hour)
 *   SAMPLE_SCHEDULING=0       a control process: knows the jobs and steers them (admin page, /jobs routes) but
 *                             schedules nothing itself
 *   CRON_CONCURRENCY, CRON_KEY_PREFIX (default sample-app), CRON_INSTANCE_ID, CRON_SHUTDOWN_TIMEOUT_MS,
 *   CRON_LEASE_TTL_MS, CRON_LOCK_TIMEOUT_MS, CRON_TENANT_TIMEOUT_MS
 *                             passed to CoordinatedCronModule (unset: the library's defaults)
 *   SAMPLE_ACCOUNTS (12), SAMPLE_OLD_LOGS (3 per account), SAMPLE_DISABLE_EVERY (5: every 5th account has
 *   log-cleanup off; 0: none), SAMPLE_FAIL (acct-0007 or acct-0007:log-cleanup, comma-separated),
 *   SAMPLE_TIME_ZONES (IANA zones the accounts are spread over in turn; default UTC, Europe/Berlin, Asia/Kolkata,
 *   America/New_York, Asia/Tokyo, America/St_Johns)
 *                             what the first start seeds
 *   SAMPLE_TENANT_DELAY_MS    simulated slow work per account in per-tenant jobs (0)
 *   SAMPLE_AUTOMATION_WORK_MS simulated work of each automation-scheduler run (0)
 *   SAMPLE_AUTOMATION_FAIL=1  every automation-scheduler run throws after its work (a failed run, for pauseOnFailure)
 *   CRON_ADMIN_TOKEN          bearer token of the admin page at /cron (unset: a random one, printed at boot)
 *   SAMPLE_CRASH_RECOVERY     resume | none: every job's crashRecovery (unset: the library's default)
 *   SAMPLE_CATCHUP            none | latest | all: every job's catchup (unset: the library's default)
 *   SAMPLE_CATCHUP_WINDOW_MS  every job's catchupWindow (unset: one period)
 *   SAMPLE_RETRY_ATTEMPTS, SAMPLE_RETRY_BACKOFF_MS
 *                             every job's retry: calls in all (1: none) and the first backoff (unset: the library's)
 *   SAMPLE_OVERLAP            skip | buffer-one | cancel-running | allow: every job's overlap policy
 *   SAMPLE_PAUSE_ON_FAILURE   every job's pauseOnFailure: failed runs in a row that pause it fleet-wide
 *   SAMPLE_FAIL_FIRST_TRY     like SAMPLE_FAIL, but only the first call of each occurrence fails (a retry succeeds)
 *   PORT                      HTTP port (3000; 0: any free port; off: no HTTP server)
 *   SAMPLE_HTTP_ADAPTER       express | fastify: the Nest HTTP platform (default express; --fastify is the same)
 *   LOG_FORMAT (text | json), LOG_LEVEL (error | warn | log | debug | verbose; default debug)
 */
import { type LogLevel } from '@nestjs/common';
import type { OverlapPolicy } from 'nestjs-coordinated-cron';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

export const LOG_CLEANUP = 'log-cleanup';
export const ANNOUNCEMENT_CLEANUP = 'announcement-cleanup';
export const BILLING_ARCHIVE = 'billing-archive';
export const AUTOMATION_SCHEDULER = 'automation-scheduler';
export const DAILY_DIGEST = 'daily-digest';

export const JOB_NAMES = [
  LOG_CLEANUP,
  ANNOUNCEMENT_CLEANUP,
  BILLING_ARCHIVE,
  AUTOMATION_SCHEDULER,
  DAILY_DIGEST,
] as const;
export type JobName = (typeof JOB_NAMES)[number];

/**
 * The jobs registered when SAMPLE_JOBS is unset. daily-digest runs on each account's clock, so which accounts it
 * reaches depends on the hour; it is registered when asked for by name (or with SAMPLE_JOBS=all).
 */
const DEFAULT_JOBS: readonly JobName[] = [LOG_CLEANUP, ANNOUNCEMENT_CLEANUP, BILLING_ARCHIVE, AUTOMATION_SCHEDULER];

/** Per-tenant jobs: the ones an account can disable or be forced to fail in. */
export const TENANT_JOB_NAMES: readonly JobName[] = [LOG_CLEANUP, BILLING_ARCHIVE, DAILY_DIGEST];

const DEFAULT_TIME_ZONES = [
  'UTC',
  'Europe/Berlin',
  'Asia/Kolkata',
  'America/New_York',
  'Asia/Tokyo',
  'America/St_Johns',
];

/** A seeded account whose per-job setting makes the job throw for it; `job` unset means every per-tenant job. */
export interface SeededFailure {
  accountId: string;
  job?: JobName;
}

export interface SeedConfig {
  accounts: number;
  oldLogsPerAccount: number;
  newLogsPerAccount: number;
  /** Every n-th account has log-cleanup switched off; 0 switches it off for none. */
  disableLogCleanupEvery: number;
  failures: SeededFailure[];
  /** IANA zones given to the accounts in turn: account 1 the first, account 2 the second, and so on. */
  timeZones: string[];
}

/** Everything the sample app reads from the environment, parsed once and validated. */
export interface SampleConfig {
  redisUrl?: string;
  redisClusterNodes?: string[];
  redisSentinels?: Array<{ host: string; port: number }>;
  redisSentinelName: string;
  dbPath: string;
  fast: boolean;
  /** With `fast`: every job ticks every this many seconds instead of its own fast window. */
  fastPeriodSeconds?: number;
  /** With `fastPeriodSeconds`: the ticks fall this many seconds into each period. */
  fastOffsetSeconds: number;
  fastJitterMs?: number;
  keyPrefix: string;
  instanceId?: string;
  concurrency?: number;
  shutdownTimeoutMs?: number;
  leaseTtlMs?: number;
  lockTimeoutMs?: number;
  tenantTimeoutMs?: number;
  jobs: ReadonlySet<JobName>;
  /** daily-digest's cron instead of its own window's. */
  digestCron?: string;
  /** `false`: a control process, which schedules nothing and steers the others. */
  scheduling: boolean;
  seed: SeedConfig;
  /** Simulated slow work per account in the per-tenant jobs. */
  tenantDelayMs: number;
  /** Simulated work of one automation-scheduler run (a long run holds the job's lease). */
  automationWorkMs: number;
  /** Every automation-scheduler run throws once its simulated work is done. */
  automationFails: boolean;
  crashRecovery?: 'resume' | 'none';
  catchup?: 'none' | 'latest' | 'all';
  catchupWindowMs?: number;
  /** Every job's `retry`, when `retryAttempts` is set. */
  retryAttempts?: number;
  retryBackoffMs?: number;
  overlap?: OverlapPolicy;
  pauseOnFailure?: number;
  /** Accounts whose first call of each occurrence throws (the retry, `CronRun.try` 2, goes through). */
  firstTryFailures: SeededFailure[];
  /** `undefined`: no HTTP server. */
  port?: number;
  /** The Nest HTTP platform; the admin page and the JSON routes work the same on both. */
  httpAdapter: 'express' | 'fastify';
  /** Token the admin page's guard accepts; generated when unset. */
  adminToken: string;
  /** Whether `adminToken` came from the environment (if not, it is printed at boot so the page can be opened). */
  adminTokenGenerated: boolean;
  logFormat: 'text' | 'json';
  logLevels: LogLevel[];
}

type Env = Record<string, string | undefined>;

class ConfigError extends Error {
  override name = 'SampleConfigError';
}

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, name: string, min: number): number | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)}: expected an integer >= ${min}`);
  }
  return value;
}

function flag(env: Env, name: string): boolean {
  const raw = text(env, name);
  if (raw === undefined) return false;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name}=${JSON.stringify(raw)}: expected 1 or 0`);
}

function choice<T extends string>(env: Env, name: string, allowed: readonly T[]): T | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)}: expected one of ${allowed.join(', ')}`);
  }
  return raw as T;
}

function isJobName(value: string): value is JobName {
  return (JOB_NAMES as readonly string[]).includes(value);
}

function jobList(env: Env): ReadonlySet<JobName> {
  const raw = text(env, 'SAMPLE_JOBS');
  if (raw === undefined) return new Set(DEFAULT_JOBS);
  if (raw === 'all') return new Set(JOB_NAMES);
  const names = raw
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!isJobName(name)) {
      throw new ConfigError(`SAMPLE_JOBS: unknown job "${name}"; known: ${JOB_NAMES.join(', ')}`);
    }
  }
  return new Set(names as JobName[]);
}

function failures(env: Env, name: 'SAMPLE_FAIL' | 'SAMPLE_FAIL_FIRST_TRY'): SeededFailure[] {
  const raw = text(env, name);
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [accountId, job] = entry.split(':');
      if (job !== undefined && !TENANT_JOB_NAMES.includes(job as JobName)) {
        throw new ConfigError(`${name}: "${job}" is not a per-tenant job; use ${TENANT_JOB_NAMES.join(' or ')}`);
      }
      return { accountId, job: job as JobName | undefined };
    });
}

function timeZones(env: Env): string[] {
  const raw = text(env, 'SAMPLE_TIME_ZONES');
  if (raw === undefined) return DEFAULT_TIME_ZONES;
  const zones = raw
    .split(',')
    .map((zone) => zone.trim())
    .filter(Boolean);
  for (const zone of zones) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
    } catch {
      throw new ConfigError(`SAMPLE_TIME_ZONES: "${zone}" is not an IANA time zone (e.g. Europe/Berlin, UTC)`);
    }
  }
  if (zones.length === 0) throw new ConfigError('SAMPLE_TIME_ZONES: give at least one IANA time zone');
  return zones;
}

function fastPeriod(env: Env): number | undefined {
  const period = integer(env, 'SAMPLE_FAST_PERIOD', 1);
  // A step that does not divide 60 leaves a short gap at each minute boundary, which the jitter would overrun.
  if (period !== undefined && 60 % period !== 0) {
    throw new ConfigError(`SAMPLE_FAST_PERIOD=${period}: use a divisor of 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)`);
  }
  return period;
}

function fastOffset(env: Env): number {
  const offset = integer(env, 'SAMPLE_FAST_OFFSET', 0) ?? 0;
  const period = fastPeriod(env);
  if (period === undefined ? offset !== 0 : offset >= period) {
    throw new ConfigError(`SAMPLE_FAST_OFFSET=${offset}: give SAMPLE_FAST_PERIOD, and an offset below it`);
  }
  return offset;
}

function port(env: Env): number | undefined {
  const raw = text(env, 'PORT');
  if (raw === 'off') return undefined;
  if (raw === undefined) return 3000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new ConfigError(`PORT=${JSON.stringify(raw)}: expected a port number, 0 for any free port, or off`);
  }
  return value;
}

const LEVELS_FROM: Record<string, LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  log: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  verbose: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

function logLevels(env: Env): LogLevel[] {
  const raw = text(env, 'LOG_LEVEL') ?? 'debug';
  const levels = LEVELS_FROM[raw];
  if (!levels) {
    throw new ConfigError(`LOG_LEVEL=${JSON.stringify(raw)}: expected one of ${Object.keys(LEVELS_FROM).join(', ')}`);
  }
  return levels;
}

export function loadSampleConfig(env: Env, argv: readonly string[] = []): SampleConfig {
  const logFormat = text(env, 'LOG_FORMAT') ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') {
    throw new ConfigError(`LOG_FORMAT=${JSON.stringify(logFormat)}: expected text or json`);
  }
  return {
    redisUrl: text(env, 'REDIS_URL'),
    redisSentinels: text(env, 'REDIS_SENTINELS')
      ?.split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)
      .map((entry) => {
        const [host, port] = entry.split(':');
        return { host: host ?? '127.0.0.1', port: Number(port) };
      }),
    redisSentinelName: text(env, 'REDIS_SENTINEL_NAME') ?? 'mymaster',
    redisClusterNodes: text(env, 'REDIS_CLUSTER_NODES')
      ?.split(',')
      .map((url) => url.trim())
      .filter(Boolean),
    dbPath: resolve(text(env, 'SAMPLE_DB') ?? 'sample-app.db'),
    // `--fast` is the same switch for shells where setting a variable inline is awkward (npm run sample -- --fast).
    fast: argv.includes('--fast') || flag(env, 'SAMPLE_FAST'),
    fastPeriodSeconds: fastPeriod(env),
    fastOffsetSeconds: fastOffset(env),
    fastJitterMs: integer(env, 'SAMPLE_FAST_JITTER_MS', 0),
    keyPrefix: text(env, 'CRON_KEY_PREFIX') ?? 'sample-app',
    instanceId: text(env, 'CRON_INSTANCE_ID'),
    concurrency: integer(env, 'CRON_CONCURRENCY', 1),
    shutdownTimeoutMs: integer(env, 'CRON_SHUTDOWN_TIMEOUT_MS', 0),
    leaseTtlMs: integer(env, 'CRON_LEASE_TTL_MS', 1),
    lockTimeoutMs: integer(env, 'CRON_LOCK_TIMEOUT_MS', 1),
    tenantTimeoutMs: integer(env, 'CRON_TENANT_TIMEOUT_MS', 1),
    jobs: jobList(env),
    digestCron: text(env, 'SAMPLE_DIGEST_CRON'),
    scheduling: text(env, 'SAMPLE_SCHEDULING') === undefined || flag(env, 'SAMPLE_SCHEDULING'),
    seed: {
      accounts: integer(env, 'SAMPLE_ACCOUNTS', 1) ?? 12,
      oldLogsPerAccount: integer(env, 'SAMPLE_OLD_LOGS', 0) ?? 3,
      newLogsPerAccount: 2,
      disableLogCleanupEvery: integer(env, 'SAMPLE_DISABLE_EVERY', 0) ?? 5,
      failures: failures(env, 'SAMPLE_FAIL'),
      timeZones: timeZones(env),
    },
    tenantDelayMs: integer(env, 'SAMPLE_TENANT_DELAY_MS', 0) ?? 0,
    automationWorkMs: integer(env, 'SAMPLE_AUTOMATION_WORK_MS', 0) ?? 0,
    automationFails: flag(env, 'SAMPLE_AUTOMATION_FAIL'),
    crashRecovery: choice(env, 'SAMPLE_CRASH_RECOVERY', ['resume', 'none'] as const),
    catchup: choice(env, 'SAMPLE_CATCHUP', ['none', 'latest', 'all'] as const),
    catchupWindowMs: integer(env, 'SAMPLE_CATCHUP_WINDOW_MS', 1),
    retryAttempts: integer(env, 'SAMPLE_RETRY_ATTEMPTS', 1),
    retryBackoffMs: integer(env, 'SAMPLE_RETRY_BACKOFF_MS', 0),
    overlap: choice(env, 'SAMPLE_OVERLAP', ['skip', 'buffer-one', 'cancel-running', 'allow'] as const),
    pauseOnFailure: integer(env, 'SAMPLE_PAUSE_ON_FAILURE', 1),
    firstTryFailures: failures(env, 'SAMPLE_FAIL_FIRST_TRY'),
    port: port(env),
    httpAdapter: argv.includes('--fastify')
      ? 'fastify'
      : (choice(env, 'SAMPLE_HTTP_ADAPTER', ['express', 'fastify'] as const) ?? 'express'),
    adminToken: text(env, 'CRON_ADMIN_TOKEN') ?? randomBytes(18).toString('base64url'),
    adminTokenGenerated: text(env, 'CRON_ADMIN_TOKEN') === undefined,
    logFormat,
    logLevels: logLevels(env),
  };
}

/**
 * Read at import time on purpose: decorator arguments (the job windows) are evaluated when the job classes load,
 * before Nest's container exists.
 */
export const sampleConfig: SampleConfig = loadSampleConfig(process.env, process.argv.slice(2));

export const SAMPLE_CONFIG = Symbol('SAMPLE_CONFIG');
