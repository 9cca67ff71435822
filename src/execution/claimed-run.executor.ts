import { Injectable } from '@nestjs/common';
import { describeError } from '../common/describe-error.js';
import { IdSet } from '../common/id-set.js';
import { settle } from '../common/settle.js';
import { CoordinatedCronLock } from '../coordination/coordinated-cron.lock.js';
import { type RunningLease } from '../coordination/running-lease.js';
import { ledgerTtlMs } from '../coordination/ttls.js';
import { CronContextStore } from '../context/cron-context.store.js';
import { type JobDefinition } from '../definition/job-definition.js';
import { withField } from '../common/with-field.js';
import { type CronContextValue, type TenantRunSummary, type TenantTries } from '../interfaces/index.js';
import { RunReplacedError } from './errors/run-replaced.error.js';
import { QueuedRuns } from './overlap/queued-runs.js';
import { retryDelayMs, retryFits } from './retry-backoff.js';
import { SchedulesInForce } from './schedules-in-force.js';
import { ShutdownCoordinator } from './shutdown.coordinator.js';
import { StoreClock } from './store-clock.js';
import { MAX_LISTED_IDS, tenantCounts } from './tenants/summary-cap.js';
import { LockFailurePolicy } from './lock-failure.policy.js';
import { ProgressRecorder } from './recovery/progress-recorder.js';
import { RunLog } from './run-log.js';
import { RunProgress } from './run-progress.js';
import { type RunEnd, type RunKind, type RunScope, type Takeover } from './run-scope.js';
import { Telemetry } from './telemetry.js';
import { type FanOutObserver, type TenantProgress, TenantFanOutExecutor } from './tenants/tenant-fan-out.executor.js';

/**
 * Runs an occurrence this instance holds (won by a claim or a take-over, or run uncoordinated under
 * `lockFailure: 'run'`): keeps the lease alive, publishes progress, runs the handler or the tenant fan-out inside the
 * run's CLS context, and ends the lease and the ledger entry. Knows nothing about how the occurrence was won.
 */
@Injectable()
export class ClaimedRunExecutor {
  /** Runs in this process, by job: no overlap even when the store is down and `lockFailure` is `'run'`. */
  private readonly runningHere = new Map<string, number>();

  constructor(
    private readonly lock: CoordinatedCronLock,
    private readonly contextStore: CronContextStore,
    private readonly fanOut: TenantFanOutExecutor,
    private readonly runLog: RunLog,
    private readonly telemetry: Telemetry,
    private readonly lockFailure: LockFailurePolicy,
    private readonly queued: QueuedRuns,
    private readonly shutdown: ShutdownCoordinator,
    private readonly schedules: SchedulesInForce,
    private readonly storeClock: StoreClock,
  ) {}

  /** Whether a run of `job` that may not overlap another would here (`overlap: 'allow'` never does). */
  isRunningHere(job: JobDefinition): boolean {
    return job.overlap !== 'allow' && this.runningHere.has(job.name);
  }

  async execute(
    job: JobDefinition,
    occurrence: Date,
    context: CronContextValue,
    controller: AbortController,
    lease: RunningLease | undefined,
    scope: RunScope,
    kind: RunKind = {},
  ): Promise<RunEnd> {
    this.runningHere.set(job.name, (this.runningHere.get(job.name) ?? 0) + 1);
    let replacedBy: Date | undefined;
    lease?.keepAlive({
      lost: (reason) => {
        this.runLog.leaseLost(context, reason);
        controller.abort(new Error(`running lease lost: ${reason}`));
      },
      cancelled: (by) => {
        replacedBy = by;
        this.runLog.cancelled(context, by);
        controller.abort(new RunReplacedError(by));
      },
    });
    // The run's status is published only for runs that hold the job's lease: describe() reads it next to that lease.
    const status = lease?.held
      ? new RunProgress(this.lock, context, scope.startedAt, (error) =>
          this.telemetry.recordLockError(job.name, 'progress', error),
        )
      : undefined;
    // Not awaited: the body starts at once, and the record follows the claim on the same connection a moment
    // later (describe() looks again briefly when it sees the lease before the record).
    void status?.start();
    const observer = this.observe(scope, status);
    let end: RunEnd | undefined;
    try {
      end = await this.contextStore.run(context, () =>
        job.perTenant
          ? this.runTenants(job, occurrence, context, controller.signal, lease, scope, observer, kind)
          : this.runPlain(job, occurrence, context, controller.signal),
      );
      if (replacedBy) end.replacedBy = replacedBy;
      return end;
    } finally {
      status?.stop();
      // A retry of failed tenants is not a run of the schedule: it counts no failure in a row.
      await this.endLease(job, occurrence, context, lease, kind.retryOf ? undefined : end);
      const left = (this.runningHere.get(job.name) ?? 1) - 1;
      if (left > 0) this.runningHere.set(job.name, left);
      else this.runningHere.delete(job.name);
    }
  }

  /**
   * Ends a lease this instance holds (after the run, or cut short before its body): the ledger counts the run's
   * outcome, the job pauses itself at `pauseOnFailure`, and an occurrence queued behind the run starts now.
   */
  async endLease(
    job: JobDefinition,
    occurrence: Date,
    context: CronContextValue,
    lease: RunningLease | undefined,
    end?: RunEnd,
  ): Promise<void> {
    if (!lease) return;
    const outcome = end?.outcome === 'skipped' ? undefined : end?.outcome;
    let finished;
    try {
      finished = await this.lock.finish(job.name, occurrence, context.runId, lease, {
        outcome,
        pauseAfter: outcome === 'failed' ? job.pauseOnFailure : undefined,
      });
    } catch (error) {
      this.runLog.leaseReleaseFailed(context, error);
      return;
    }
    if (finished.paused) this.runLog.pausedOnFailure(context, finished.consecutiveFailures);
    if (finished.next) this.queued.start(job, finished.next);
  }

  private observe(scope: RunScope, status: RunProgress | undefined): FanOutObserver {
    const traceTenant = scope.trace.tenant;
    const countDone = status && (() => status.tenantDone());
    return {
      selected: (total) => status?.selected(total),
      // Untraced, every tenant shares one callback: nothing is allocated per tenant to watch it.
      tenantStarted: traceTenant
        ? (tenantId) => {
            const ended = traceTenant(tenantId);
            return (outcome, error) => {
              countDone?.();
              ended(outcome, error);
            };
          }
        : countDone && (() => countDone),
    };
  }

  /**
   * Calls a plain job's handler; with `retry`, a call that fails is made again after the backoff, up to `attempts`
   * calls, while the next call can start before the job's next window opens.
   */
  private async runPlain(
    job: JobDefinition,
    occurrence: Date,
    context: CronContextValue,
    signal: AbortSignal,
  ): Promise<RunEnd> {
    const deadline = this.schedules.nextWindow(job, occurrence);
    for (let call = 1; ; call++) {
      const callContext = call === 1 ? context : withField(context, 'try', call);
      const result = await settle(() =>
        call === 1
          ? job.handler({ signal, context, try: call })
          : this.contextStore.runChild(callContext, () => job.handler({ signal, context: callContext, try: call })),
      );
      if (result.ok) return { outcome: 'completed', tries: call };
      this.runLog.failed(callContext, result.error);
      const failed: RunEnd = {
        outcome: signal.aborted ? 'interrupted' : 'failed',
        error: describeError(result.error),
        tries: call,
      };
      if (signal.aborted || call >= job.retry.attempts) return failed;
      const waitMs = retryDelayMs(job.retry, call + 1);
      if (!retryFits(this.storeClock.now().getTime(), waitMs, deadline.getTime())) {
        this.runLog.outOfRetryTime(callContext, 1, deadline);
        return failed;
      }
      this.runLog.retrying(callContext, call + 1, waitMs);
      // Shutdown or a lost lease ends the wait: the run ends as it is, the failed call its last.
      if (!(await this.shutdown.sleep(waitMs, signal))) return { ...failed, outcome: 'interrupted' };
    }
  }

  private async runTenants(
    job: JobDefinition,
    occurrence: Date,
    context: CronContextValue,
    signal: AbortSignal,
    lease: RunningLease | undefined,
    scope: RunScope,
    observer: FanOutObserver,
    kind: RunKind,
  ): Promise<RunEnd> {
    // A retry of failed tenants is not resumed after a crash: what it did not fix stays recorded as failed.
    const progress = kind.retryOf
      ? undefined
      : await this.tenantProgress(job, occurrence, context, lease, kind.takeover);
    let result;
    try {
      result = await this.fanOut.run(job, context, signal, {
        progress,
        observer,
        only: kind.retryOf?.tenantIds,
        retryUntil: kind.retryOf ? undefined : this.schedules.nextWindow(job, occurrence),
      });
    } finally {
      await Promise.all([progress?.recorder.close(), progress?.retries?.close()]);
    }
    switch (result.kind) {
      case 'lock-error':
        scope.storeFailed = true;
        this.telemetry.recordLockError(job.name, 'pending', result.error);
        return (
          this.lockFailure.onLockError(result.error, context) ?? { outcome: 'failed', error: result.error.message }
        );
      case 'failed':
        return { outcome: 'failed', error: result.error, tenants: result.summary };
      case 'ran':
        await this.keepFailedTenants(job, occurrence, context, result.summary, kind.retryOf);
        return { outcome: result.undone.length > 0 ? 'interrupted' : 'completed', tenants: result.summary };
    }
  }

  /**
   * Keeps the tenants the run left failed, for `retryFailed`. A run without failures writes nothing; a retry run
   * replaces the record with the tenants still failed (those it could not run, paused or cut short, included).
   */
  private async keepFailedTenants(
    job: JobDefinition,
    occurrence: Date,
    context: CronContextValue,
    summary: TenantRunSummary,
    retryOf: RunKind['retryOf'],
  ): Promise<void> {
    const counts = tenantCounts(summary);
    if (counts.failed === 0 && !retryOf) return;
    const still = summary.failed.map((failure) => failure.tenantId);
    let count = counts.failed;
    if (retryOf) {
      still.push(...summary.paused, ...summary.unprocessed);
      // Tenants past the 10,000 the record lists could not be retried: still failed.
      count += counts.paused + counts.unprocessed + (retryOf.count - retryOf.tenantIds.length);
    }
    const tenantIds = still.slice(0, MAX_LISTED_IDS);
    try {
      await this.lock.writeFailedTenants(job.name, { occurrence, tenantIds, count: tenantIds.length > 0 ? count : 0 });
    } catch (error) {
      this.runLog.failedTenantsWriteFailed(context, count, error);
    }
  }

  /**
   * Progress is recorded only when a crash could be resumed from it: a coordinated run of a job with crash recovery.
   * A run that took over a crashed one first reads what its predecessor recorded: the tenants it finished, and those
   * it left waiting for another try.
   */
  private async tenantProgress(
    job: JobDefinition,
    occurrence: Date,
    context: CronContextValue,
    lease: RunningLease | undefined,
    takeover: Takeover | undefined,
  ): Promise<TenantProgress | undefined> {
    if (!lease || job.crashRecovery !== 'resume') return undefined;
    const retrying = job.retry.attempts > 1;
    let done: IdSet | undefined;
    let waiting: TenantTries[] | undefined;
    if (takeover) {
      const [finished, retries] = await Promise.allSettled([
        this.lock.readProgress(job.name, occurrence),
        retrying ? this.lock.readRetries(job.name, occurrence) : Promise.resolve([]),
      ]);
      if (finished.status === 'fulfilled') {
        done = new IdSet(finished.value);
        this.runLog.resumeSkipsDone(context, done.size, takeover.resumedFrom);
      } else {
        // Without the record every tenant runs again: more work, but nothing lost.
        this.runLog.progressReadFailed(context, finished.reason);
      }
      if (retries.status === 'fulfilled') waiting = retries.value;
      else this.runLog.retriesReadFailed(context, retries.reason);
    }
    const ttl = ledgerTtlMs(job.catchupWindowMs);
    const recorder = new ProgressRecorder((ids) => this.lock.addProgress(job.name, occurrence, ids, ttl), {
      onError: this.warnOnce((error, count) => this.runLog.progressWriteFailed(context, count, error)),
    });
    const retries = retrying
      ? new ProgressRecorder<TenantTries>((entries) => this.lock.addRetries(job.name, occurrence, entries, ttl), {
          onError: this.warnOnce((error, count) => this.runLog.progressWriteFailed(context, count, error)),
        })
      : undefined;
    return { done, waiting, recorder, retries };
  }

  /** A write-error hook that logs the first failure of a run only. */
  private warnOnce<T>(log: (error: unknown, count: number) => void): (error: unknown, entries: readonly T[]) => void {
    let warned = false;
    return (error, entries) => {
      if (!warned) log(error, entries.length);
      warned = true;
    };
  }
}
