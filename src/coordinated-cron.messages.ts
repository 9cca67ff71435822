import { type CronContextValue } from './interfaces/cron-context-value.interface.js';
import { type JobRunReport } from './interfaces/job-run-report.interface.js';

/**
 * Every text the library shows a user: boot errors (each names the job and the fix) and log lines (each carries
 * the run's identity as `job=` / `run=` / `tenant=` tokens so log search finds every line of one run).
 */

/** Where a decorated method lives, for boot errors. */
export interface JobLocation {
  className: string;
  methodName: string;
  jobName?: string;
}

function at(where: JobLocation): string {
  const job = where.jobName === undefined ? '' : `Job "${where.jobName}" `;
  return `${job}(${where.className}.${where.methodName})`;
}

// ---- boot errors: job definitions -------------------------------------------------------------------------------

export const invalidJobName = (where: JobLocation) =>
  `${at(where)}: @CoordinatedCron needs a non-empty string name as its first argument, e.g. @CoordinatedCron('nightly-cleanup', '0 3 * * *').`;

export const invalidJobNameCharacters = (where: JobLocation) =>
  `${at(where)}: job names become lock keys, so they may not contain whitespace; use letters, digits, '-', '_', '.' or ':'.`;

export const missingWindow = (where: JobLocation) =>
  `${at(where)}: @CoordinatedCron needs a window: a cron expression string or { cron, jitter?, timeZone?, lockTtl? }.`;

export const invalidCron = (where: JobLocation, cron: unknown, reason: string) =>
  `${at(where)}: invalid cron expression ${JSON.stringify(cron)}: ${reason}. Use 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, e.g. '0 3 * * *'.`;

export const invalidDuration = (where: JobLocation, field: string, value: unknown) =>
  `${at(where)}: ${field} ${JSON.stringify(value)} is not a duration. Give non-negative milliseconds or a string such as '90s', '15m' or '1h'.`;

export const jitterTooLong = (where: JobLocation, jitterMs: number, gapMs: number) =>
  `${at(where)}: jitter ${jitterMs}ms is not shorter than the ${gapMs}ms between two ticks of its schedule, so windows would overlap. Shorten the jitter below ${gapMs}ms or make the schedule sparser.`;

export const duplicateJobName = (where: JobLocation, first: JobLocation) =>
  `${at(where)}: the job name is already used by ${first.className}.${first.methodName}. Job names are lock keys and must be unique in the application; rename one of them.`;

export const requestScopedJob = (where: JobLocation) =>
  `${at(where)}: @CoordinatedCron is on a request-scoped (or transient-dependent) provider, which has no instance outside a request. Move the method to a singleton provider (the default scope).`;

export const perTenantWithoutCron = (where: JobLocation) =>
  `${at(where)}: @PerTenant() needs @CoordinatedCron(name, window) on the same method; add it, or remove @PerTenant().`;

export const perTenantWithoutSettings = (where: JobLocation) =>
  `${at(where)}: @PerTenant() needs a tenant settings provider. Pass tenantSettings: YourTenantSettings (a class implementing TenantSettingsProvider) to CoordinatedCronModule.forRoot / forRootAsync.`;

export const handlerShape = (where: JobLocation, perTenant: boolean, arity: number) =>
  perTenant
    ? `${at(where)}: a @PerTenant() method is called as (tenantId, { signal, context }); it declares ${arity} parameters. Take at most those two.`
    : `${at(where)}: a @CoordinatedCron method is called with nothing or one { signal, context } argument; it declares ${arity} parameters. Take at most that one (for per-tenant work add @PerTenant()).`;

export const invalidConcurrency = (where: JobLocation | undefined, value: unknown) =>
  `${where ? `${at(where)}: @PerTenant` : 'CoordinatedCronModule option'} concurrency ${JSON.stringify(value)} must be a positive integer, e.g. 5.`;

export const invalidTenantTimeout = (where: JobLocation | undefined, value: unknown) =>
  `${where ? `${at(where)}: @PerTenant` : 'CoordinatedCronModule option'} tenantTimeout ${JSON.stringify(value)} is not a duration. Give positive milliseconds or a string such as '30s'.`;

// ---- boot errors: module setup ----------------------------------------------------------------------------------

export const invalidOption = (name: string, value: unknown, expected: string) =>
  `CoordinatedCronModule option ${name} ${JSON.stringify(value)} is invalid: expected ${expected}.`;

export const missingScheduleModule = () =>
  `CoordinatedCronModule needs @nestjs/schedule: add ScheduleModule.forRoot() to the imports of your root module.`;

export const missingClsModule = () =>
  `CoordinatedCronModule needs nestjs-cls: add ClsModule.forRoot({ global: true }) to the imports of your root module.`;

export const tenantSettingsUnavailable = (className: string, reason: string) =>
  `CoordinatedCronModule could not instantiate tenantSettings ${className}: ${reason}. Register it as a provider, or make its dependencies available (global modules, or the imports of forRootAsync).`;

// ---- log lines --------------------------------------------------------------------------------------------------

/** The identity tokens every run line starts with. */
export function runTag(context: CronContextValue): string {
  const tenant = context.tenantId === undefined ? '' : ` tenant=${context.tenantId}`;
  return `job=${context.jobName} run=${context.runId}${tenant}`;
}

/** Ids are listed in full: a log line is the last record of which tenants a run left undone. */
export function listIds(ids: readonly string[]): string {
  return ids.join(',');
}

export const perProcessLockWarning = () =>
  `no shared lock store: duplicate suppression is per-process only. Register CacheModule with a @keyv/redis store (or pass lockStore) when several instances run.`;

export const lockStoreChosen = (kind: string) => `lock store: ${kind}`;

export function runSummary(report: JobRunReport, durationMs: number): string {
  const head = `${runTag(report)} occurrence=${report.occurrence} instance=${report.instanceId} outcome=${report.outcome}`;
  const reason = report.skipReason ? ` reason=${report.skipReason}` : '';
  const tenants = report.tenants
    ? ` tenants=${report.tenants.total} succeeded=${report.tenants.succeeded.length} failed=${report.tenants.failed.length}` +
      ` disabled=${report.tenants.disabled.length} unprocessed=${report.tenants.unprocessed.length}`
    : '';
  const error = report.error ? ` error=${JSON.stringify(report.error)}` : '';
  return `${head}${reason}${tenants} duration=${durationMs}ms${error}`;
}

/** A job or, with `tenantId` in the context, one tenant of it failed. */
export const runFailed = (context: CronContextValue, error: string) => `${runTag(context)} failed: ${error}`;

export const tenantTimedOut = (timeoutMs: number) => `timed out after ${timeoutMs}ms`;

export const tenantAbortedAtShutdown = (waitedMs: number) =>
  `still running ${waitedMs}ms after shutdown began; its signal was aborted and it will be retried by the next run`;

export const tenantAbortedOnLeaseLoss = () => `the run lost its lease; its signal was aborted and it will be retried`;

export const eligibilityFailed = (context: CronContextValue, error: string) =>
  `${runTag(context)} isEnabled threw, tenant skipped: ${error}`;

export const eligibilityNotBoolean = (value: unknown) =>
  `isEnabled returned ${JSON.stringify(value)}, expected true or false`;

export const invalidTenantIds = (context: CronContextValue, count: number, sample: unknown[]) =>
  `${runTag(context)} listTenants returned ${count} value(s) that are not non-empty strings (ignored): ${JSON.stringify(sample)}`;

export const unknownEnabledIds = (context: CronContextValue, ids: string[]) =>
  `${runTag(context)} filterEnabled returned ${ids.length} id(s) that listTenants did not list (ignored): ${listIds(ids)}`;

export const disabledTenants = (context: CronContextValue, count: number) =>
  `${runTag(context)} ${count} tenant(s) disabled for this job, skipped`;

export const disabledTenantIds = (context: CronContextValue, ids: readonly string[]) =>
  `${runTag(context)} disabled tenants: ${listIds(ids)}`;

export const pendingTakenFirst = (context: CronContextValue, ids: readonly string[]) =>
  `${runTag(context)} ${ids.length} tenant(s) left unprocessed by an earlier run go first: ${listIds(ids)}`;

export const unprocessedTenants = (context: CronContextValue, unprocessed: readonly string[], cutOff: readonly string[]) =>
  `${runTag(context)} interrupted: unprocessed=${unprocessed.length} ids=${listIds(unprocessed)}` +
  (cutOff.length > 0 ? ` cut-off=${cutOff.length} cut-off-ids=${listIds(cutOff)}` : '') +
  ` (kept in the pending set; the next run takes them first)`;

/** Under `lockFailure: 'skip'` the run's summary line carries the error; this line is for `'run'`. */
export const lockErrorRunAnyway = (context: CronContextValue, error: string) =>
  `${runTag(context)} lock store failed, running without duplicate suppression (lockFailure=run): ${error}`;

export const pendingWriteFailed = (context: CronContextValue, ids: readonly string[], error: string) =>
  `${runTag(context)} could not store ${ids.length} unprocessed tenant(s) in the pending set (${error}); they are: ${listIds(ids)}`;

export const leaseLost = (context: CronContextValue, reason: string) =>
  `${runTag(context)} running lease lost (${reason}); the run's signal is aborted and no new tenant starts`;

export const leaseReleaseFailed = (context: CronContextValue, error: string) =>
  `${runTag(context)} could not release its running lease (${error}); it expires by itself`;

export const onErrorHookFailed = (context: CronContextValue, error: string) =>
  `${runTag(context)} the onError hook threw: ${error}`;

export const scheduledCallbackFailed = (jobName: string, error: string) =>
  `job=${jobName} run=- scheduled callback failed unexpectedly (contained): ${error}`;

export const jobsScheduled = (count: number) => `${count} coordinated cron job(s) scheduled`;

export const shutdownWaiting = (runs: number, timeoutMs: number) =>
  `shutdown: no new work starts; waiting up to ${timeoutMs}ms for ${runs} running job(s)`;

export const shutdownTimedOut = (runs: number) =>
  `shutdown: ${runs} job(s) still running after shutdownTimeout; their signals are aborted`;

export const listingFailed = (context: CronContextValue, error: string) =>
  `${runTag(context)} listTenants failed, run failed: ${error}`;

export const filteringFailed = (context: CronContextValue, error: string) =>
  `${runTag(context)} filterEnabled failed, run failed: ${error}`;

export const pendingReadFailed = (context: CronContextValue, error: string) =>
  `${runTag(context)} could not read the pending set (${error}); running without it and leaving it as it is`;

export const unknownJob = (name: string, known: readonly string[]) =>
  `no coordinated cron job named "${name}"; known jobs: ${known.length > 0 ? known.join(', ') : '(none)'}`;

export const invalidOccurrence = (name: string, value: unknown) =>
  `trigger("${name}"): occurrence ${JSON.stringify(value)} is not a valid Date`;

export const schedulerNameTaken = (where: JobLocation) =>
  `${at(where)}: @nestjs/schedule's SchedulerRegistry already has a cron job of that name (an @Cron or addCronJob). Rename one of them.`;
