import { Inject, Injectable, Logger, type LogLevel } from '@nestjs/common';
import { COORDINATED_CRON_RESOLVED_OPTIONS, LOGGER_CONTEXT } from '../common/constants.js';
import { describeError } from '../common/describe-error.js';
import { type CronContextValue, type JobRunReport } from '../interfaces/index.js';
import type { ResolvedCoordinatedCronOptions } from '../options/module-options.js';
import { MAX_LISTED_IDS, tenantCounts } from './tenants/summary-cap.js';

/** The identity tokens every run line starts with, so a log search for `run=<id>` finds every line of one run. */
export function runTag(context: CronContextValue): string {
  const tenant = context.tenantId === undefined ? '' : ` tenant=${context.tenantId}`;
  const fence = context.fencingToken ? ` fence=${context.fencingToken}` : '';
  const call = context.try === undefined ? '' : ` try=${context.try}`;
  return `job=${context.jobName} run=${context.runId}${fence}${tenant}${call}`;
}

/**
 * Ids are listed in full up to 10,000: a log line may be the last record of which tenants a run left undone. Beyond
 * that a line would run to megabytes; the rest are counted (the pending set still holds every one).
 */
function listIds(ids: readonly string[]): string {
  if (ids.length <= MAX_LISTED_IDS) return ids.join(',');
  return `${ids.slice(0, MAX_LISTED_IDS).join(',')} (+${ids.length - MAX_LISTED_IDS} more)`;
}

/** The one line that ends every run. */
export function formatRunSummary(report: JobRunReport, durationMs: number): string {
  const head = `${runTag(report)} occurrence=${report.occurrence} instance=${report.instanceId} outcome=${report.outcome}`;
  const reason = report.skipReason ? ` reason=${report.skipReason}` : '';
  const t = report.tenants;
  const n = t ? tenantCounts(t) : undefined;
  const tenants =
    t && n
      ? ` tenants=${t.total} succeeded=${n.succeeded} failed=${n.failed}` +
        ` disabled=${n.disabled} unprocessed=${n.unprocessed}${n.paused > 0 ? ` paused=${n.paused}` : ''}` +
        (n.retried > 0 ? ` retried=${n.retried}` : '')
      : '';
  const error = report.error ? ` error=${JSON.stringify(report.error)}` : '';
  const attempt = report.attempt > 1 ? ` attempt=${report.attempt} resumed-from=${report.resumedFrom ?? '-'}` : '';
  const catchup = report.catchup ? ' catchup=true' : '';
  const tries = report.tries !== undefined && report.tries > 1 ? ` tries=${report.tries}` : '';
  const replaced = report.replacedBy ? ` replaced-by=${report.replacedBy}` : '';
  const retryOf = report.retryOf ? ` retry-of=${report.retryOf}` : '';
  return `${head}${reason}${attempt}${catchup}${retryOf}${tries}${replaced}${tenants} duration=${durationMs}ms${error}`;
}

/**
 * The level of a run's summary line: failures and lock errors are errors; what an operator should look at (an
 * overlap, an interrupted run, failed tenants) is a warning; a duplicate skip is routine on every losing instance.
 */
export function summaryLevel(report: JobRunReport): Extract<LogLevel, 'log' | 'warn' | 'error' | 'debug'> {
  if (report.skipReason === 'lock-error' || report.outcome === 'failed') return 'error';
  // A late tick means this instance's clock is behind the store's by more than a window: worth fixing.
  if (report.outcome === 'interrupted' || report.skipReason === 'overlap' || report.skipReason === 'late') {
    return 'warn';
  }
  if (report.tenants && tenantCounts(report.tenants).failed > 0) return 'warn';
  // A paused job is skipped on purpose, and an operator looking at the logs should see that it was; a tick of a
  // schedule changed meanwhile is the visible end of an operator's change.
  if (report.skipReason === 'paused' || report.skipReason === 'rescheduled') return 'log';
  if (report.outcome === 'skipped') return 'debug';
  return 'log';
}

/**
 * Every line the library writes about a run, with its level, and the `onError` hook. Nothing else logs about runs,
 * so the format lives in one place. The hook is user code: its own throw is logged, never propagated.
 */
@Injectable()
export class RunLog {
  private readonly logger = new Logger(LOGGER_CONTEXT);

  constructor(@Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions) {}

  runEnded(report: JobRunReport, durationMs: number): void {
    this.logger[summaryLevel(report)](formatRunSummary(report, durationMs));
  }

  /** A job, or with `tenantId` in the context one tenant of it, failed: an error line and `onError`. */
  failed(context: CronContextValue, error: unknown): void {
    this.reportError(`${runTag(context)} failed: ${describeError(error)}`, error, context);
  }

  /** A step before any tenant ran (`listTenants`, `filterEnabled`) failed, and with it the run. */
  stepFailed(context: CronContextValue, step: string, error: unknown): void {
    this.reportError(`${runTag(context)} ${step} failed, run failed: ${describeError(error)}`, error, context);
  }

  /** The tenant in the context could not be checked, so it is failed rather than guessed enabled or disabled. */
  eligibilityFailed(context: CronContextValue, error: unknown): void {
    this.reportError(`${runTag(context)} isEnabled threw, tenant skipped: ${describeError(error)}`, error, context);
  }

  /** Tells `onError` without a line of its own: the run's summary line carries the error. */
  notify(error: unknown, context: CronContextValue): void {
    const hook = this.options.onError;
    if (!hook) return;
    const hookFailed = (hookError: unknown) =>
      this.logger.error(`${runTag(context)} the onError hook threw: ${describeError(hookError)}`);
    try {
      const result = hook(error, context) as unknown;
      // An async hook that rejects must not become an unhandled rejection.
      if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
        (result as Promise<unknown>).catch(hookFailed);
      }
    } catch (hookError) {
      hookFailed(hookError);
    }
  }

  private reportError(line: string, error: unknown, context: CronContextValue): void {
    this.logger.error(line, error instanceof Error ? error.stack : undefined);
    this.notify(error, context);
  }

  lockErrorRunAnyway(context: CronContextValue, error: unknown): void {
    this.logger.error(
      `${runTag(context)} lock store failed, running without duplicate suppression (lockFailure=run): ` +
        describeError(error),
    );
  }

  leaseLost(context: CronContextValue, reason: string): void {
    this.logger.error(
      `${runTag(context)} running lease lost (${reason}); the run's signal is aborted and no new tenant starts`,
    );
  }

  leaseReleaseFailed(context: CronContextValue, error: unknown): void {
    this.logger.warn(
      `${runTag(context)} could not release its running lease (${describeError(error)}); it expires by itself`,
    );
  }

  tenantCutOff(context: CronContextValue, reason: string): void {
    this.logger.warn(`${runTag(context)} failed: ${reason}`);
  }

  invalidTenantIds(context: CronContextValue, count: number, sample: readonly unknown[]): void {
    this.logger.error(
      `${runTag(context)} listTenants returned ${count} value(s) that are not non-empty strings (ignored): ` +
        JSON.stringify(sample),
    );
  }

  unknownEnabledIds(context: CronContextValue, ids: readonly string[]): void {
    this.logger.warn(
      `${runTag(context)} filterEnabled returned ${ids.length} id(s) that listTenants did not list (ignored): ` +
        listIds(ids),
    );
  }

  tenantsDisabled(context: CronContextValue, ids: readonly string[]): void {
    this.logger.log(`${runTag(context)} ${ids.length} tenant(s) disabled for this job, skipped`);
    this.logger.debug(`${runTag(context)} disabled tenants: ${listIds(ids)}`);
  }

  pendingTakenFirst(context: CronContextValue, ids: readonly string[]): void {
    this.logger.log(
      `${runTag(context)} ${ids.length} tenant(s) left unprocessed by an earlier run go first: ${listIds(ids)}`,
    );
  }

  tenantsLeftUndone(context: CronContextValue, unprocessed: readonly string[], cutOff: readonly string[]): void {
    const cut = cutOff.length > 0 ? ` cut-off=${cutOff.length} cut-off-ids=${listIds(cutOff)}` : '';
    this.logger.warn(
      `${runTag(context)} interrupted: unprocessed=${unprocessed.length} ids=${listIds(unprocessed)}${cut}` +
        ' (kept in the pending set; the next run takes them first)',
    );
  }

  pendingReadFailed(context: CronContextValue, error: unknown): void {
    this.logger.error(
      `${runTag(context)} could not read the pending set (${describeError(error)}); running without it and ` +
        'leaving it as it is',
    );
    this.notify(error, context);
  }

  pausesReadFailed(context: CronContextValue, error: unknown): void {
    this.logger.error(
      `${runTag(context)} could not read which tenants are paused (${describeError(error)}); running every tenant ` +
        '(lockFailure=run)',
    );
    this.notify(error, context);
  }

  pendingWriteFailed(context: CronContextValue, ids: readonly string[], error: unknown): void {
    this.logger.error(
      `${runTag(context)} could not store ${ids.length} unprocessed tenant(s) in the pending set ` +
        `(${describeError(error)}); they are: ${listIds(ids)}`,
    );
    this.notify(error, context);
  }

  // --- Fleet control ---

  historyWriteFailed(report: JobRunReport, error: unknown): void {
    this.logger.warn(`${runTag(report)} could not store the run report in the job history: ${describeError(error)}`);
  }

  paused(jobName: string, by: string, reason: string | undefined, until: string | undefined): void {
    const why = reason ? ` reason=${JSON.stringify(reason)}` : '';
    this.logger.log(`job=${jobName} paused fleet-wide by ${by}${why}${until ? ` until=${until}` : ''}`);
  }

  resumed(jobName: string, by: string): void {
    this.logger.log(`job=${jobName} resumed fleet-wide by ${by}`);
  }

  tenantPaused(
    jobName: string,
    tenantId: string,
    by: string,
    reason: string | undefined,
    until: string | undefined,
  ): void {
    const why = reason ? ` reason=${JSON.stringify(reason)}` : '';
    this.logger.log(
      `job=${jobName} tenant=${tenantId} paused fleet-wide by ${by}${why}${until ? ` until=${until}` : ''}`,
    );
  }

  tenantResumed(jobName: string, tenantId: string, by: string): void {
    this.logger.log(`job=${jobName} tenant=${tenantId} resumed fleet-wide by ${by}`);
  }

  /** Once per run: how many tenants were paused and skipped (their ids at debug level). */
  tenantsPaused(context: CronContextValue, ids: readonly string[]): void {
    this.logger.log(`${runTag(context)} ${ids.length} tenant(s) paused for this job, skipped`);
    this.logger.debug(`${runTag(context)} paused tenants: ${listIds(ids)}`);
  }

  // --- run ledger, fencing and crash resume -----------------------------------------------------------------------

  resuming(context: CronContextValue, resumedFrom: string, attempt: number): void {
    this.logger.warn(
      `${runTag(context)} resuming occurrence=${context.occurrence} (attempt ${attempt}): run ` +
        `${resumedFrom} stopped renewing its lease without finishing`,
    );
  }

  resumeSkipsDone(context: CronContextValue, count: number, resumedFrom: string): void {
    this.logger.log(`${runTag(context)} ${count} tenant(s) finished by run ${resumedFrom} are not run again`);
  }

  progressReadFailed(context: CronContextValue, error: unknown): void {
    this.logger.error(
      `${runTag(context)} could not read which tenants the crashed run finished (${describeError(error)}); ` +
        'running every tenant again',
    );
    this.notify(error, context);
  }

  progressWriteFailed(context: CronContextValue, count: number, error: unknown): void {
    this.logger.warn(
      `${runTag(context)} could not record ${count} finished tenant(s) (${describeError(error)}); a resume after ` +
        'a crash would run them again (further failures of this run are not logged)',
    );
  }

  catchingUp(jobName: string, occurrences: readonly Date[], lastClaimed: string): void {
    this.logger.log(
      `job=${jobName} run=- catching up ${occurrences.length} missed occurrence(s) since ${lastClaimed}: ` +
        occurrences.map((o) => o.toISOString()).join(','),
    );
  }

  /** The claim came before the occurrence by the store's clock: this instance's clock runs ahead. */
  waitingUntilDue(context: CronContextValue, dueInMs: number): void {
    this.logger.debug(
      `${runTag(context)} occurrence=${context.occurrence} not due yet by the store's clock; claiming again in ${dueInMs}ms`,
    );
  }

  /** A late run met a run in progress: it waits for that run's lease, inside its catch-up window. */
  waitingForLease(context: CronContextValue, waitMs: number): void {
    this.logger.debug(`${runTag(context)} occurrence=${context.occurrence} waits ${waitMs}ms for the run in progress`);
  }

  // --- failure policies ------------------------------------------------------------------------------------------

  /** A plain job's call failed and is made again after `waitMs` (the context names the call that failed). */
  retrying(context: CronContextValue, nextTry: number, waitMs: number): void {
    this.logger.warn(`${runTag(context)} calling again in ${waitMs}ms (try ${nextTry})`);
  }

  /** Failed tenants are called again after `waitMs`. */
  retryingTenants(context: CronContextValue, count: number, nextTry: number, waitMs: number): void {
    this.logger.warn(`${runTag(context)} ${count} failed tenant(s) are called again in ${waitMs}ms (try ${nextTry})`);
  }

  /** No retry fits before the job's next window opens: what failed stays failed. */
  outOfRetryTime(context: CronContextValue, count: number, deadline: Date): void {
    this.logger.warn(
      `${runTag(context)} ${count} failed call(s) are not retried: the next try would start after the job's next ` +
        `window opens (${deadline.toISOString()})`,
    );
  }

  retriesReadFailed(context: CronContextValue, error: unknown): void {
    this.logger.error(
      `${runTag(context)} could not read which tenants the crashed run left waiting for another try ` +
        `(${describeError(error)}); they stay failed`,
    );
    this.notify(error, context);
  }

  failedTenantsWriteFailed(context: CronContextValue, count: number, error: unknown): void {
    this.logger.warn(
      `${runTag(context)} could not keep the ${count} failed tenant(s) for retryFailed: ${describeError(error)}`,
    );
  }

  /** Another occurrence asked this run to stop (`overlap: 'cancel-running'`). */
  cancelled(context: CronContextValue, by: Date): void {
    this.logger.warn(
      `${runTag(context)} occurrence ${by.toISOString()} replaces this run (overlap 'cancel-running'); its signal ` +
        'is aborted',
    );
  }

  queuedStartFailed(jobName: string, occurrence: Date, error: unknown): void {
    this.logger.error(
      `job=${jobName} run=- could not start queued occurrence ${occurrence.toISOString()}: ${describeError(error)}`,
    );
  }

  pausedOnFailure(context: CronContextValue, failures: number): void {
    this.logger.error(
      `${runTag(context)} job paused fleet-wide after ${failures} consecutive failures (pauseOnFailure); ` +
        'resume() lifts the pause',
    );
  }

  clockSkew(instanceId: string, skewMs: number): void {
    this.logger.warn(
      `instance=${instanceId} clock is ${skewMs > 0 ? 'ahead of' : 'behind'} the lock store's by ${Math.abs(skewMs)}ms; ` +
        "claims wait for the store's clock and late runs are planned on it, but this instance's ticks fire by its " +
        'own clock (warned at most once an hour)',
    );
  }
}
