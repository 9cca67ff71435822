import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { describeError } from '../common/describe-error.js';
import { type Claim, CoordinatedCronLock } from '../coordination/coordinated-cron.lock.js';
import { type RunningLease } from '../coordination/running-lease.js';
import { catchupDeadline, claimLifetime, ledgerTtlMs } from '../coordination/ttls.js';
import { type JobDefinition } from '../definition/job-definition.js';
import { type CronContextValue, type FailedTenants, type JobRunReport } from '../interfaces/index.js';
import { QueuedRuns } from './overlap/queued-runs.js';
import { ClaimedRunExecutor } from './claimed-run.executor.js';
import { LockFailurePolicy } from './lock-failure.policy.js';
import { CrashTakeover } from './recovery/crash-takeover.js';
import { StoreOutage } from './recovery/store-outage.js';
import { RunLog } from './run-log.js';
import { type ReportExtras, RunReporter } from './run-reporter.js';
import { SchedulesInForce } from './schedules-in-force.js';
import { type RunEnd, type RunScope } from './run-scope.js';
import { ShutdownCoordinator } from './shutdown.coordinator.js';
import { StoreClock } from './store-clock.js';
import { Telemetry } from './telemetry.js';

/** How a run came about, beside its job and occurrence. */
export interface RunRequest {
  /** A tick of the schedule's own timer: refused as late once its window has passed by the store's clock. */
  scheduled?: boolean;
  /** A late run of a missed occurrence (catch-up). */
  catchup?: boolean;
  /** Run even while the job is paused (`trigger()`, backfills). */
  ignorePause?: boolean;
  /** Start the occurrence remembered to run once the job's running run ended (`buffer-one`, `cancel-running`). */
  queued?: boolean;
  /** Run the occurrence's failed tenants again, each once (`retryFailed`): the failed tenants as the store keeps them. */
  retryOf?: FailedTenants;
}

/**
 * How many times a claim answered "not due yet" is asked again. Each wait is what the store said was left, so the
 * second ask is due unless the store's clock stalls; the bound only keeps a broken clock from looping forever.
 */
const MAX_EARLY_WAITS = 5;
/** How long after a lease should have ended a late run asks again (covers timer and network slack). */
const LEASE_SLACK_MS = 100;
/** The longest a late run waits between two asks while a run of the job is in progress. */
const CATCHUP_RETRY_MS = 1_000;

/**
 * Runs one occurrence of one job on this instance, end to end: claim (waiting until the occurrence is due by the
 * store's clock), then the claimed run, then the report. Resolves a report in every case; never rejects. A loser
 * that learns the occurrence is running elsewhere hands it to the crash watcher.
 */
@Injectable()
export class OccurrenceExecutor {
  constructor(
    private readonly lock: CoordinatedCronLock,
    private readonly shutdown: ShutdownCoordinator,
    private readonly runs: ClaimedRunExecutor,
    private readonly reporter: RunReporter,
    private readonly runLog: RunLog,
    private readonly telemetry: Telemetry,
    private readonly lockFailure: LockFailurePolicy,
    private readonly takeover: CrashTakeover,
    private readonly outage: StoreOutage,
    private readonly storeClock: StoreClock,
    private readonly clock: Clock,
    private readonly schedules: SchedulesInForce,
    private readonly queued: QueuedRuns,
  ) {
    this.queued.startWith((job, occurrence) => this.run(job, occurrence, { queued: true }));
  }

  async run(job: JobDefinition, occurrence: Date, request: RunRequest = {}): Promise<JobRunReport> {
    const context = this.reporter.newContext(job, occurrence);
    const extras: ReportExtras = request.catchup ? { catchup: true } : {};
    if (request.retryOf) extras.retryOf = occurrence.toISOString();
    const scope = this.reporter.newScope(context);
    if (this.shutdown.isShuttingDown) {
      // Not recorded in the history: the store may already be closing.
      return this.reporter.report(context, scope, { outcome: 'skipped', skipReason: 'shutting-down' }, extras);
    }
    // Tracked from the first store call: a drain must wait for a claim or lease in flight, or the store could be
    // disconnected under it and leave a lease nobody releases.
    const controller = new AbortController();
    const untrack = this.shutdown.track((reason) => controller.abort(reason));
    let report: JobRunReport;
    try {
      let end: RunEnd;
      try {
        end = await scope.trace.activate(() => this.attempt(job, occurrence, context, controller, request, scope));
      } catch (error) {
        // Every step above is guarded; this is the last line that keeps a library bug from escaping.
        end = { outcome: 'failed', error: describeError(error) };
        this.runLog.failed(context, error);
      }
      report = this.reporter.report(context, scope, end, extras);
      // Still tracked: a drain waits for this write before the store may be disconnected.
      await this.reporter.remember(report, scope);
    } finally {
      untrack();
    }
    // Only now: a catch-up started while this run still held the job's lease would be skipped as an overlap.
    this.outage.announce(job);
    return report;
  }

  private async attempt(
    job: JobDefinition,
    occurrence: Date,
    context: CronContextValue,
    controller: AbortController,
    request: RunRequest,
    scope: RunScope,
  ): Promise<RunEnd> {
    let lease: RunningLease | undefined;
    let coordinated = true;
    try {
      const claim = await this.claimWhenDue(job, occurrence, context, request);
      this.outage.answered(job, occurrence);
      switch (claim.kind) {
        case 'shutting-down':
          return { outcome: 'skipped', skipReason: 'shutting-down' };
        case 'late':
          // A tick nobody ran: handed to the catch-up, which runs it late if its catch-up window allows.
          this.outage.missed(job, occurrence);
          return { outcome: 'skipped', skipReason: 'late' };
        case 'paused':
        case 'rescheduled':
          return { outcome: 'skipped', skipReason: claim.kind };
        case 'overlap':
          // A queued occurrence whose lease was taken again first: still queued, watched until it is free.
          if (request.queued) {
            this.queued.watch(job, occurrence, claim.leaseMs);
            return { outcome: 'skipped', skipReason: 'queued' };
          }
          return { outcome: 'skipped', skipReason: 'overlap' };
        case 'queued':
          // The running run's end starts it; this instance watches the lease in case that run's holder dies.
          this.queued.watch(job, occurrence, claim.leaseMs);
          return { outcome: 'skipped', skipReason: 'queued' };
        case 'early':
          // The store's clock never reached the occurrence: treated as the store misbehaving.
          return { outcome: 'skipped', skipReason: 'lock-error', error: "the lock store's clock did not reach it" };
        case 'duplicate':
          if (claim.runningLeaseMs !== undefined) this.takeover.watch(job, occurrence, claim.runningLeaseMs);
          return { outcome: 'skipped', skipReason: 'duplicate' };
        case 'won':
          lease = claim.lease;
          context.fencingToken = claim.fencingToken;
      }
    } catch (error) {
      this.telemetry.recordLockError(job.name, 'claim', error);
      scope.storeFailed = true;
      this.outage.failed(job, occurrence);
      const skip = this.lockFailure.onLockError(error, context);
      if (skip) return skip;
      coordinated = false;
    }

    if (this.runs.isRunningHere(job)) {
      await this.runs.endLease(job, occurrence, context, lease);
      return { outcome: 'skipped', skipReason: 'overlap' };
    }
    // The claim may have taken a while; shutdown could have begun meanwhile.
    if (this.shutdown.isShuttingDown) {
      await this.runs.endLease(job, occurrence, context, lease);
      return { outcome: 'skipped', skipReason: 'shutting-down' };
    }
    const retryOf = request.retryOf && { tenantIds: request.retryOf.tenantIds, count: request.retryOf.count };
    return this.runs.execute(job, occurrence, context, controller, coordinated ? lease : undefined, scope, {
      retryOf,
    });
  }

  /**
   * Claims `occurrence`; while the store answers that it is not due yet (this instance's clock runs ahead), waits
   * what the store says is left, plus the delay this instance drew inside the window, and asks again. Rejects on a
   * lock error.
   */
  private async claimWhenDue(
    job: JobDefinition,
    occurrence: Date,
    context: CronContextValue,
    request: RunRequest,
  ): Promise<Claim | { kind: 'shutting-down' }> {
    const tick = occurrence.getTime();
    const inForce = this.schedules.of(job);
    const nextWindow = inForce.schedule.next(occurrence);
    const catchUpUntil = catchupDeadline(occurrence, nextWindow, job.catchupWindowMs);
    // The delay this instance drew inside the window, by its own clock: kept when it waits for the store's.
    const drawnDelayMs = Math.min(Math.max(0, this.clock.now() - tick), inForce.jitterMs);
    for (let waits = 0; ; waits++) {
      const sentAt = this.clock.now();
      const started = performance.now();
      const claim = await this.lock.claim(job.name, occurrence, {
        runId: context.runId,
        ...claimLifetime({
          occurrence,
          nextWindow,
          lockTtlMs: job.lockTtlMs,
          catchesUp: job.catchup !== 'none',
          catchup: request.catchup,
          catchupWindowMs: job.catchupWindowMs,
        }),
        ledgerTtlMs: ledgerTtlMs(job.catchupWindowMs),
        lateAt: request.scheduled ? nextWindow : undefined,
        ignorePause: request.ignorePause,
        // Ticks of the timer and late runs belong to the schedule this instance runs on; an operator's run does not.
        scheduleVersion: request.ignorePause || request.queued ? undefined : inForce.version,
        catchup: request.catchup,
        overlap: job.overlap,
        queued: request.queued,
        retry: request.retryOf !== undefined,
      });
      this.telemetry.recordClaim(job.name, performance.now() - started);
      this.storeClock.observe(claim.serverTimeMs, sentAt);
      // The store answered: a schedule changed meanwhile is read now, and a subscription lost at boot is made.
      if (claim.scheduleVersion !== inForce.version) void this.schedules.refresh(job);
      void this.schedules.listen();
      let waitMs: number;
      if (claim.kind === 'early' && waits < MAX_EARLY_WAITS) {
        waitMs = claim.dueInMs + drawnDelayMs;
        this.runLog.waitingUntilDue(context, waitMs);
      } else if (claim.kind === 'overlap' && request.catchup && this.clock.now() + claim.leaseMs < catchUpUntil) {
        // A late run that meets a run in progress waits for it to end, within its catch-up window: it asks again
        // when the lease would expire, and at least every second, since a live holder ends before that.
        waitMs = Math.min(claim.leaseMs + LEASE_SLACK_MS, CATCHUP_RETRY_MS);
        this.runLog.waitingForLease(context, waitMs);
      } else {
        return claim;
      }
      if (!(await this.shutdown.sleep(waitMs))) return { kind: 'shutting-down' };
    }
  }
}
