import { GAP_SAMPLE_TICKS } from '../coordinated-cron.constants.js';
import * as messages from '../coordinated-cron.messages.js';
import { type JobLocation } from '../coordinated-cron.messages.js';
import { isPositiveInteger, parseTenantTimeout, type ResolvedCoordinatedCronOptions } from '../coordinated-cron.options.js';
import { type CoordinatedCronMetadata } from '../decorators/coordinated-cron.decorator.js';
import { CoordinatedCronConfigurationError } from '../errors/index.js';
import { type CronWindow, type PerTenantOptions } from '../interfaces/index.js';
import { type JobDefinition } from '../interfaces/job-definition.interface.js';
import { CronSchedule } from '../scheduling/cron-schedule.js';
import { parseDuration } from '../utils/duration.js';

/** What the explorer found on one method. */
export interface DecoratedMethod {
  className: string;
  methodName: string;
  handler: (...args: unknown[]) => unknown;
  cron?: CoordinatedCronMetadata;
  perTenant?: PerTenantOptions;
}

function reject(message: string): never {
  throw new CoordinatedCronConfigurationError(message);
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
    reject(messages.perTenantWithoutCron(where));
  }
  const { name, window } = found.cron;
  if (typeof name !== 'string' || name.trim() === '') reject(messages.invalidJobName(where));
  where.jobName = name;
  if (/\s/.test(name)) reject(messages.invalidJobNameCharacters(where));

  const spec = normalizeWindow(window, where);
  let schedule: CronSchedule;
  try {
    schedule = CronSchedule.parse(spec.cron, spec.timeZone);
  } catch (error) {
    reject(messages.invalidCron(where, spec.cron, error instanceof Error ? error.message : String(error)));
  }

  const jitterMs = durationOf(where, 'jitter', spec.jitter) ?? 0;
  if (jitterMs > 0) {
    const gap = schedule.shortestGap(now, GAP_SAMPLE_TICKS);
    if (jitterMs >= gap) reject(messages.jitterTooLong(where, jitterMs, gap));
  }
  const lockTtlMs = durationOf(where, 'lockTtl', spec.lockTtl);
  if (lockTtlMs === 0) reject(messages.invalidDuration(where, 'lockTtl', spec.lockTtl));

  const perTenant = found.perTenant ? perTenantSettings(found.perTenant, where, options) : undefined;
  const arity = found.handler.length;
  if (arity > (perTenant ? 2 : 1)) reject(messages.handlerShape(where, perTenant !== undefined, arity));

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
    perTenant,
  };
}

/** Job names are unique across the app: they are lock keys. Throws on the second use of a name. */
export function assertUniqueNames(jobs: readonly JobDefinition[]): void {
  const seen = new Map<string, JobDefinition>();
  for (const job of jobs) {
    const first = seen.get(job.name);
    if (first) {
      reject(
        messages.duplicateJobName(
          { className: job.className, methodName: job.methodName, jobName: job.name },
          { className: first.className, methodName: first.methodName },
        ),
      );
    }
    seen.set(job.name, job);
  }
}

function normalizeWindow(window: unknown, where: JobLocation): CronWindow {
  if (typeof window === 'string') return { cron: window };
  if (typeof window === 'object' && window !== null && 'cron' in window) return window as CronWindow;
  reject(messages.missingWindow(where));
}

function durationOf(where: JobLocation, field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' || typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined) reject(messages.invalidDuration(where, field, value));
  return ms;
}

function perTenantSettings(
  input: PerTenantOptions,
  where: JobLocation,
  options: Pick<ResolvedCoordinatedCronOptions, 'concurrency' | 'tenantTimeout' | 'tenantSettings'>,
): NonNullable<JobDefinition['perTenant']> {
  if (!options.tenantSettings) reject(messages.perTenantWithoutSettings(where));
  const concurrency = input.concurrency ?? options.concurrency;
  if (!isPositiveInteger(concurrency)) reject(messages.invalidConcurrency(where, input.concurrency));
  const own = parseTenantTimeout(input.tenantTimeout);
  if (own === null) reject(messages.invalidTenantTimeout(where, input.tenantTimeout));
  return { concurrency, tenantTimeoutMs: own ?? options.tenantTimeout };
}
