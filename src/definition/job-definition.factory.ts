import { GAP_SAMPLE_TICKS } from '../common/constants.js';
import {
  isPositiveInteger,
  parseTenantTimeout,
  type ResolvedCoordinatedCronOptions,
} from '../options/module-options.js';
import { type JobLocation } from '../common/errors/index.js';
import { type CoordinatedCronMetadata, type CronWindow, type PerTenantOptions } from '../interfaces/index.js';
import { JobDefinitionError } from './errors/job-definition.error.js';
import { type JobDefinition, type RetryPlan } from './job-definition.js';
import { CronSchedule } from './cron-schedule.js';
import { LocalTimeSchedule } from './local-time-schedule.js';
import { checkOptions, PER_TENANT_OPTIONS, RETRY_OPTIONS, WINDOW_OPTIONS } from './option-shapes.js';
import { type Schedule } from './schedule.js';
import { parseDuration } from '../common/duration.js';

/** What the explorer found on one method. */
export interface DecoratedMethod {
  className: string;
  methodName: string;
  handler: (...args: unknown[]) => unknown;
  cron?: CoordinatedCronMetadata;
  perTenant?: PerTenantOptions;
}

/**
 * Turns one decorated method into a job definition, or throws a boot error that names the class, method and job.
 * Pure: no Nest, so every rule has a unit test. `now` anchors the schedule-gap check.
 */
export function buildJobDefinition(
  found: DecoratedMethod,
  options: Pick<ResolvedCoordinatedCronOptions, 'concurrency' | 'tenantTimeout' | 'tenantSettings'>,
  now: Date = new Date(),
): JobDefinition {
  const where: JobLocation = { className: found.className, methodName: found.methodName };
  if (!found.cron) {
    throw JobDefinitionError.perTenantWithoutCron(where);
  }
  const { name, window } = found.cron;
  if (typeof name !== 'string' || name.trim() === '') throw JobDefinitionError.invalidName(where);
  where.jobName = name;
  if (/\s/.test(name)) throw JobDefinitionError.nameWithWhitespace(where);

  const spec = normalizeWindow(window, where);
  checkOptions(where, '@CoordinatedCron window', spec, WINDOW_OPTIONS);
  if (found.perTenant) checkOptions(where, '@PerTenant()', found.perTenant, PER_TENANT_OPTIONS);
  const localTime = found.perTenant?.localTime === true;
  let schedule: Schedule;
  try {
    schedule = parseSchedule(spec.cron, spec.timeZone, localTime);
  } catch (error) {
    throw JobDefinitionError.invalidCron(where, spec.cron, error instanceof Error ? error.message : String(error));
  }

  const jitterMs = durationOf(where, 'jitter', spec.jitter) ?? 0;
  if (jitterMs > 0) {
    const gap = schedule.shortestGap(now, GAP_SAMPLE_TICKS);
    if (jitterMs >= gap) throw JobDefinitionError.jitterTooLong(where, jitterMs, gap);
  }
  const lockTtlMs = durationOf(where, 'lockTtl', spec.lockTtl);
  if (lockTtlMs === 0) throw JobDefinitionError.invalidDuration(where, 'lockTtl', spec.lockTtl);

  const perTenant = found.perTenant ? perTenantSettings(found.perTenant, where, options) : undefined;
  const catchup = spec.catchup ?? 'latest';
  if (!['none', 'latest', 'all'].includes(catchup)) throw JobDefinitionError.invalidChoice(where, 'catchup', catchup);
  const catchupWindowMs = durationOf(where, 'catchupWindow', spec.catchupWindow);
  if (catchupWindowMs === 0) throw JobDefinitionError.invalidDuration(where, 'catchupWindow', spec.catchupWindow);
  const overlap = spec.overlap ?? 'skip';
  // A run that may overlap holds no job-wide lease, and a crash is noticed only by a lease that stops being renewed.
  const crashRecovery = spec.crashRecovery ?? (perTenant && overlap !== 'allow' ? 'resume' : 'none');
  if (!['resume', 'none'].includes(crashRecovery)) {
    throw JobDefinitionError.invalidChoice(where, 'crashRecovery', crashRecovery);
  }
  if (overlap === 'allow' && crashRecovery === 'resume') throw JobDefinitionError.resumeWithoutLease(where);
  const retry = retryPlan(where, spec.retry);
  const pauseOnFailure = spec.pauseOnFailure;
  if (pauseOnFailure !== undefined && !isPositiveInteger(pauseOnFailure)) {
    throw JobDefinitionError.invalidPauseOnFailure(where, pauseOnFailure);
  }
  const arity = found.handler.length;
  if (arity > (perTenant ? 2 : 1)) throw JobDefinitionError.handlerShape(where, perTenant !== undefined, arity);

  return {
    name,
    className: found.className,
    methodName: found.methodName,
    cron: spec.cron,
    timeZone: spec.timeZone,
    schedule,
    jitterMs,
    lockTtlMs,
    handler: found.handler,
    catchup,
    catchupWindowMs,
    crashRecovery,
    retry,
    overlap,
    pauseOnFailure,
    perTenant,
  };
}

/** Default wait before the first retry. */
const DEFAULT_BACKOFF_MS = 1_000;
/** Default longest wait between two calls. */
const DEFAULT_MAX_BACKOFF_MS = 60_000;

function retryPlan(where: JobLocation, input: CronWindow['retry']): RetryPlan {
  if (input === undefined) return { attempts: 1, backoffMs: DEFAULT_BACKOFF_MS, maxBackoffMs: DEFAULT_MAX_BACKOFF_MS };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw JobDefinitionError.wrongOptionType(
      where,
      '@CoordinatedCron window',
      'retry',
      '{ attempts, backoff?, maxBackoff? }',
      input,
    );
  }
  checkOptions(where, '@CoordinatedCron window retry', input, RETRY_OPTIONS);
  if (!isPositiveInteger(input.attempts)) throw JobDefinitionError.invalidAttempts(where, input.attempts);
  const backoffMs = durationOf(where, 'retry.backoff', input.backoff) ?? DEFAULT_BACKOFF_MS;
  const maxBackoffMs =
    durationOf(where, 'retry.maxBackoff', input.maxBackoff) ?? Math.max(DEFAULT_MAX_BACKOFF_MS, backoffMs);
  if (maxBackoffMs < backoffMs) throw JobDefinitionError.backoffAboveMax(where, backoffMs, maxBackoffMs);
  return { attempts: input.attempts, backoffMs, maxBackoffMs };
}

/** Job names are unique across the app: they are lock keys. Throws on the second use of a name. */
export function assertUniqueNames(jobs: readonly JobDefinition[]): void {
  const seen = new Map<string, JobDefinition>();
  for (const job of jobs) {
    const first = seen.get(job.name);
    if (first) {
      throw JobDefinitionError.duplicateName(
        { className: job.className, methodName: job.methodName, jobName: job.name },
        { className: first.className, methodName: first.methodName },
      );
    }
    seen.set(job.name, job);
  }
}

/**
 * The schedule of a cron expression: read in one zone, or (a local-time per-tenant job) in every zone at once, with
 * `timeZone` the zone of tenants that name none. Throws an `Error` saying what is wrong.
 */
export function parseSchedule(cron: string, timeZone: string | undefined, localTime: boolean): Schedule {
  return localTime ? LocalTimeSchedule.parse(cron, timeZone) : CronSchedule.parse(cron, timeZone);
}

function normalizeWindow(window: unknown, where: JobLocation): CronWindow {
  if (typeof window === 'string') return { cron: window };
  if (typeof window === 'object' && window !== null && 'cron' in window) return window as CronWindow;
  throw JobDefinitionError.missingWindow(where);
}

function durationOf(where: JobLocation, field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' || typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined) throw JobDefinitionError.invalidDuration(where, field, value);
  return ms;
}

function perTenantSettings(
  input: PerTenantOptions,
  where: JobLocation,
  options: Pick<ResolvedCoordinatedCronOptions, 'concurrency' | 'tenantTimeout' | 'tenantSettings'>,
): NonNullable<JobDefinition['perTenant']> {
  if (!options.tenantSettings) throw JobDefinitionError.perTenantWithoutSettings(where);
  const concurrency = input.concurrency ?? options.concurrency;
  if (!isPositiveInteger(concurrency)) throw JobDefinitionError.invalidConcurrency(where, input.concurrency);
  const own = parseTenantTimeout(input.tenantTimeout);
  if (own === null) throw JobDefinitionError.invalidTenantTimeout(where, input.tenantTimeout);
  return { concurrency, tenantTimeoutMs: own ?? options.tenantTimeout, localTime: input.localTime === true };
}
