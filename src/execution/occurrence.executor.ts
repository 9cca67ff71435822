import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { COORDINATED_CRON_RESOLVED_OPTIONS, MIN_CLAIM_TTL_MS } from '../common/constants.js';
import type { ResolvedCoordinatedCronOptions } from '../options/module-options.js';
import { CronContextStore } from '../context/cron-context.store.js';
import {
  type CronContextValue,
  type JobRunReport,
  type RunOutcome,
  type SkipReason,
  type TenantRunSummary,
} from '../interfaces/index.js';
import { type JobDefinition } from '../definition/job-definition.js';
import { CoordinatedCronLock } from '../coordination/coordinated-cron.lock.js';
import { RunningLease } from '../coordination/running-lease.js';
import { claimTtlUntilNextWindow } from '../definition/cron-schedule.js';
import { describeError } from '../common/describe-error.js';
import { RunLog } from './run-log.js';
import { IdSet } from '../common/id-set.js';
import { settle } from '../common/settle.js';
import { ShutdownCoordinator } from './shutdown.coordinator.js';
import { RunProgress } from './run-progress.js';
import { Telemetry, type RunTrace } from './telemetry.js';
import { TenantFanOutExecutor, type FanOutObserver, type TenantProgress } from './tenants/tenant-fan-out.executor.js';
import { ProgressRecorder } from './recovery/progress-recorder.js';
import { capTenantSummary } from './tenants/summary-cap.js';

interface RunEnd {
  outcome: RunOutcome;
  skipReason?: SkipReason;
  error?: string;
  tenants?: TenantRunSummary;
}

/** How a run came about, beside its job and occurrence. */
export interface RunRequest {
  /** A late run of a missed occurrence (catch-up). */
  catchup?: boolean;
  /** Run even while the job is paused (`trigger()`, backfills). */
  ignorePause?: boolean;
}

/** What a run that took over a crashed one carries into its report. */
interface Takeover {
  attempt: number;
  resumedFrom: string;
}

/** What one run carries from its start to its report, beside its context. */
interface RunScope {
  startedAt: Date;
  trace: RunTrace;
  /** Set when a store call failed: the history write is then skipped, or a dead store would hold the report back. */
  storeFailed: boolean;
}

/** The ledger is read long after it was written (catch-up of a rarely-ticking job); it is one small hash per job. */
const MIN_LEDGER_TTL_MS = 400 * 24 * 60 * 60 * 1000;
/** A late claim is kept at least this long, so instances that planned the same catch-up do not run it twice. */
const MIN_CATCHUP_CLAIM_TTL_MS = 60_000;
/** How long after a watched lease should have expired the resume is tried (covers timer and network slack). */
const RESUME_SLACK_MS = 100;
/** How often a watcher retries while the store does not answer (a failover), until the run is gone or resumed. */
const RESUME_RETRY_MS = 1_000;
/** Clock skew worth a warning, and how often it may be repeated. */
const SKEW_WARN_MS = 1_000;
const SKEW_WARN_EVERY_MS = 60 * 60 * 1000;

/**
 * Runs one occurrence of one job on this instance, end to end: claim, lease, CLS context, handler or tenant
 * fan-out, release, report. Resolves a report in every case; never rejects. Also takes over crashed runs: a
 * loser that learns from its claim that the occurrence is running elsewhere watches that run's lease (one store
 * call per lease period, only while that run lasts) and resumes it when the lease expires unreleased.
 */
@Injectable()
export class OccurrenceExecutor {
  /** Jobs running in this process: no overlap even when the store is down and `lockFailure` is `'run'`. */
  private readonly runningHere = new Set<string>();
  /** Crashed-run watchers, by job and occurrence. */
  private readonly watchers = new Map<string, NodeJS.Timeout>();
  /** Jobs whose claims failed on a lock error, with the first occurrence that did. */
  private readonly failingSince = new Map<string, Date>();
  /** Jobs whose store answered again, waiting for the run that noticed it to end. */
  private readonly recovered = new Map<string, { since: Date; at: Date }>();
  private readonly recoveryListeners: Array<(job: JobDefinition, firstMissed: Date, recoveredAt: Date) => void> = [];
  private lastSkewWarningAt = Number.NEGATIVE_INFINITY;

  constructor(
    @Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions,
    private readonly lock: CoordinatedCronLock,
    private readonly shutdown: ShutdownCoordinator,
    private readonly contextStore: CronContextStore,
    private readonly fanOut: TenantFanOutExecutor,
    private readonly runLog: RunLog,
    private readonly telemetry: Telemetry,
  ) {
    this.telemetry.traceTenants = options.traceTenants;
    this.shutdown.onBegin(() => this.stopWatching());
  }

  /**
   * Called when a claim of `job` answers again after lock errors, with the first occurrence that failed and the
   * occurrence whose claim answered: the scheduler plans the catch-up of what fell between.
   */
  onStoreRecovered(listener: (job: JobDefinition, firstMissed: Date, recoveredAt: Date) => void): void {
    this.recoveryListeners.push(listener);
  }

  async run(job: JobDefinition, occurrence: Date, request: RunRequest = {}): Promise<JobRunReport> {
    const startedAt = new Date();
    const context = this.newContext(job, occurrence);
    const extra: Partial<JobRunReport> = request.catchup ? { catchup: true } : {};
    const scope: RunScope = { startedAt, trace: this.telemetry.startRun(context), storeFailed: false };
    if (this.shutdown.isShuttingDown) {
      // Not recorded in the history: the store may already be closing.
      return this.finish(context, scope, { outcome: 'skipped', skipReason: 'shutting-down' }, extra);
    }
    // Tracked from the first store call: a drain must wait for a claim or lease in flight, or the store could be
    // disconnected under it and leave a lease nobody releases.
    const controller = new AbortController();
    const untrack = this.shutdown.track((reason) => controller.abort(reason));
    let end: RunEnd;
    let report: JobRunReport;
    try {
      try {
        end = await scope.trace.activate(() => this.attempt(job, occurrence, context, controller, request, scope));
      } catch (error) {
        // Every step above is guarded; this is the last line that keeps a library bug from escaping.
        end = { outcome: 'failed', error: describeError(error) };
        this.runLog.failed(context, error);
      }
      report = this.finish(context, scope, end, extra);
      // Still tracked: a drain waits for this write before the store may be disconnected.
      await this.remember(report, scope);
    } finally {
      untrack();
    }
    // Only now: a catch-up started while this run still held the job's lease would be skipped as an overlap.
    this.announceRecovery(job);
    return report;
  }

  /**
   * Tries now to take over the crashed run of `occurrence`; if its lease is still held, watches it. Resolves the
   * report of the resumed run, or `undefined` when this instance did not resume it (yet).
   */
  async resumeCrashed(job: JobDefinition, occurrence: Date): Promise<JobRunReport | undefined> {
    if (this.shutdown.isShuttingDown || job.crashRecovery !== 'resume' || !this.lock.keepsLedger) return undefined;
    const startedAt = new Date();
    const context = this.newContext(job, occurrence);
    const controller = new AbortController();
    const untrack = this.shutdown.track((reason) => controller.abort(reason));
    try {
      const token = `${this.options.instanceId}:${context.runId}`;
      let resumed;
      try {
        resumed = await this.lock.resume(job.name, occurrence, {
          token,
          runId: context.runId,
          ledgerTtlMs: this.ledgerTtl(job),
        });
      } catch {
        // The store is away (a failover, a restart): keep trying until it answers, then decide.
        this.watch(job, occurrence, RESUME_RETRY_MS);
        return undefined;
      }
      this.checkSkew(resumed.serverTimeMs, startedAt.getTime());
      if (resumed.kind === 'held') {
        this.watch(job, occurrence, resumed.leaseMs + RESUME_SLACK_MS);
        return undefined;
      }
      if (resumed.kind !== 'won') return undefined;
      context.fencingToken = resumed.fencingToken;
      const takeover = { attempt: resumed.attempt, resumedFrom: resumed.resumedFrom };
      this.runLog.resuming(context, takeover.resumedFrom, takeover.attempt);
      const scope: RunScope = { startedAt, trace: this.telemetry.startRun(context), storeFailed: false };
      let end: RunEnd;
      try {
        end = await scope.trace.activate(() =>
          this.execute(job, occurrence, context, controller, resumed.lease, scope, takeover),
        );
      } catch (error) {
        end = { outcome: 'failed', error: describeError(error) };
        this.runLog.failed(context, error);
      }
      const report = this.finish(context, scope, end, takeover);
      await this.remember(report, scope);
      return report;
    } finally {
      untrack();
    }
  }

  private newContext(job: JobDefinition, occurrence: Date): CronContextValue {
    return {
      jobName: job.name,
      runId: randomUUID(),
      occurrence: occurrence.toISOString(),
      instanceId: this.options.instanceId,
    };
  }

  private async attempt(
    job: JobDefinition,
    occurrence: Date,
    context: CronContextValue,
    controller: AbortController,
    request: RunRequest,
    scope: RunScope,
  ): Promise<RunEnd> {
    const token = `${this.options.instanceId}:${context.runId}`;

    let lease: RunningLease | undefined;
    let coordinated = true;
    try {
      const sentAt = Date.now();
      const claimStarted = performance.now();
      const claim = await this.lock.claim(job.name, occurrence, {
        token,
        runId: context.runId,
        claimTtlMs: this.claimTtl(job, occurrence, request),
        ledgerTtlMs: this.ledgerTtl(job),
        ignorePause: request.ignorePause,
      });
      this.telemetry.recordClaim(job.name, performance.now() - claimStarted);
      this.checkSkew(claim.serverTimeMs, sentAt);
      this.storeAnswered(job, occurrence);
      switch (claim.kind) {
        case 'paused':
          return { outcome: 'skipped', skipReason: 'paused' };
        case 'duplicate':
          if (claim.runningLeaseMs !== undefined && job.crashRecovery === 'resume' && this.lock.keepsLedger) {
            this.watch(job, occurrence, claim.runningLeaseMs + RESUME_SLACK_MS);
          }
          return { outcome: 'skipped', skipReason: 'duplicate' };
        case 'overlap':
          return { outcome: 'skipped', skipReason: 'overlap' };
        case 'won':
          lease = claim.lease;
          context.fencingToken = claim.fencingToken;
      }
    } catch (error) {
      this.telemetry.recordLockError(job.name, 'claim', error);
      scope.storeFailed = true;
      if (!request.catchup && !this.failingSince.has(job.name)) this.failingSince.set(job.name, occurrence);
      const skip = this.onLockError(error, context);
      if (skip) return skip;
      coordinated = false;
    }

    if (this.runningHere.has(job.name)) {
      await this.endLease(job, occurrence, context, lease);
      return { outcome: 'skipped', skipReason: 'overlap' };
    }
    // The claim may have taken a while; shutdown could have begun meanwhile.
    if (this.shutdown.isShuttingDown) {
      await this.endLease(job, occurrence, context, lease);
      return { outcome: 'skipped', skipReason: 'shutting-down' };
    }
    return this.execute(job, occurrence, context, controller, coordinated ? lease : undefined, scope);
  }

  /** Runs a won (or, with no lease, uncoordinated) occurrence and ends its lease and ledger entry. */
  private async execute(
    job: JobDefinition,
    occurrence: Date,
    context: CronContextValue,
    controller: AbortController,
    lease: RunningLease | undefined,
    scope: RunScope,
    takeover?: Takeover,
  ): Promise<RunEnd> {
    this.runningHere.add(job.name);
    lease?.keepAlive((reason) => {
      this.runLog.leaseLost(context, reason);
      controller.abort(new Error(`running lease lost: ${reason}`));
    });
    // The run's status is published only for coordinated runs: describe() reads it next to the lease this run holds.
    const status = lease
      ? new RunProgress(this.lock, context, scope.startedAt, (error) =>
          this.telemetry.recordLockError(job.name, 'progress', error),
        )
      : undefined;
    // Not awaited: the body starts at once, and the record follows the claim on the same connection a moment
    // later (describe() looks again briefly when it sees the lease before the record).
    void status?.start();
    const traceTenant = scope.trace.tenant;
    const countDone = status && (() => status.tenantDone());
    const observer: FanOutObserver = {
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
    try {
      return await this.contextStore.run(context, () =>
        job.perTenant
          ? this.runTenants(job, context, controller.signal, lease, scope, observer, takeover)
          : this.runPlain(job, context, controller.signal),
      );
    } finally {
      status?.stop();
      await this.endLease(job, occurrence, context, lease);
      this.runningHere.delete(job.name);
    }
  }

  private async runPlain(job: JobDefinition, context: CronContextValue, signal: AbortSignal): Promise<RunEnd> {
    const result = await settle(() => job.handler({ signal, context }));
    if (result.ok) return { outcome: 'completed' };
    this.runLog.failed(context, result.error);
    return { outcome: signal.aborted ? 'interrupted' : 'failed', error: describeError(result.error) };
  }

  private async runTenants(
    job: JobDefinition,
    context: CronContextValue,
    signal: AbortSignal,
    lease: RunningLease | undefined,
    scope: RunScope,
    observer: FanOutObserver,
    takeover: Takeover | undefined,
  ): Promise<RunEnd> {
    const progress = await this.tenantProgress(job, context, lease, takeover);
    let result;
    try {
      result = await this.fanOut.run(job, context, signal, progress, observer);
    } finally {
      await progress?.recorder.close();
    }
    switch (result.kind) {
      case 'lock-error':
        scope.storeFailed = true;
        this.telemetry.recordLockError(job.name, 'pending', result.error);
        return this.onLockError(result.error, context) ?? { outcome: 'failed', error: result.error.message };
      case 'failed':
        return { outcome: 'failed', error: result.error, tenants: result.summary };
      case 'ran':
        return { outcome: result.undone.length > 0 ? 'interrupted' : 'completed', tenants: result.summary };
    }
  }

  /**
   * Progress is recorded only when a crash could be resumed from it: a coordinated run of a job with crash
   * recovery on a store that keeps a ledger. A resumed run first reads what its predecessor recorded.
   */
  private async tenantProgress(
    job: JobDefinition,
    context: CronContextValue,
    lease: RunningLease | undefined,
    takeover: Takeover | undefined,
  ): Promise<TenantProgress | undefined> {
    if (!lease || job.crashRecovery !== 'resume' || !this.lock.keepsLedger) return undefined;
    let done: IdSet | undefined;
    if (takeover) {
      try {
        done = new IdSet(await this.lock.readProgress(job.name));
        this.runLog.resumeSkipsDone(context, done.size, takeover.resumedFrom);
      } catch (error) {
        // Without the record every tenant runs again: more work, but nothing lost.
        this.runLog.progressReadFailed(context, error);
      }
    }
    const ttl = this.ledgerTtl(job);
    let warned = false;
    const recorder = new ProgressRecorder((ids) => this.lock.addProgress(job.name, ids, ttl), {
      onError: (error, ids) => {
        if (!warned) this.runLog.progressWriteFailed(context, ids.length, error);
        warned = true;
      },
    });
    return { done, recorder };
  }

  /** Under `'skip'`, the run ends skipped; under `'run'`, it goes on uncoordinated (returns undefined). */
  private onLockError(error: unknown, context: CronContextValue): RunEnd | undefined {
    this.runLog.notify(error, context);
    if (this.options.lockFailure === 'skip') {
      return { outcome: 'skipped', skipReason: 'lock-error', error: describeError(error) };
    }
    this.runLog.lockErrorRunAnyway(context, error);
    return undefined;
  }

  private async endLease(
    job: JobDefinition,
    occurrence: Date,
    context: CronContextValue,
    lease: RunningLease | undefined,
  ): Promise<void> {
    if (!lease) return;
    try {
      await this.lock.finish(job.name, occurrence, context.runId, lease);
    } catch (error) {
      this.runLog.leaseReleaseFailed(context, error);
    }
  }

  private claimTtl(job: JobDefinition, occurrence: Date, request: RunRequest): number {
    const ttl = job.lockTtlMs ?? claimTtlUntilNextWindow(job.schedule, occurrence, new Date(), MIN_CLAIM_TTL_MS);
    return request.catchup ? Math.max(ttl, job.catchupWindowMs ?? 0, MIN_CATCHUP_CLAIM_TTL_MS) : ttl;
  }

  private ledgerTtl(job: JobDefinition): number {
    return Math.max(MIN_LEDGER_TTL_MS, 2 * (job.catchupWindowMs ?? 0));
  }

  /** Looks at the run of `occurrence` again after `delayMs`; at most one watcher per job and occurrence. */
  private watch(job: JobDefinition, occurrence: Date, delayMs: number): void {
    if (this.shutdown.isShuttingDown) return;
    const key = `${job.name}\n${occurrence.toISOString()}`;
    if (this.watchers.has(key)) return;
    const timer = setTimeout(
      () => {
        this.watchers.delete(key);
        this.resumeCrashed(job, occurrence).catch((error: unknown) =>
          this.runLog.failed(this.newContext(job, occurrence), error),
        );
      },
      Math.max(0, delayMs),
    );
    // Watching never keeps a process alive on its own.
    timer.unref();
    this.watchers.set(key, timer);
  }

  private stopWatching(): void {
    for (const timer of this.watchers.values()) clearTimeout(timer);
    this.watchers.clear();
  }

  private storeAnswered(job: JobDefinition, occurrence: Date): void {
    const since = this.failingSince.get(job.name);
    if (!since) return;
    this.failingSince.delete(job.name);
    this.recovered.set(job.name, { since, at: occurrence });
  }

  private announceRecovery(job: JobDefinition): void {
    const recovery = this.recovered.get(job.name);
    if (!recovery) return;
    this.recovered.delete(job.name);
    for (const listener of this.recoveryListeners) listener(job, recovery.since, recovery.at);
  }

  /**
   * The store's clock against ours, from the time a claim already returns: the local midpoint of the call is
   * compared with the server's reading. Warned at most once an hour.
   */
  private checkSkew(serverTimeMs: number | undefined, sentAtMs: number): void {
    if (serverTimeMs === undefined || !Number.isFinite(serverTimeMs)) return;
    const now = Date.now();
    const skewMs = Math.round((sentAtMs + now) / 2 - serverTimeMs);
    if (Math.abs(skewMs) <= SKEW_WARN_MS || now - this.lastSkewWarningAt < SKEW_WARN_EVERY_MS) return;
    this.lastSkewWarningAt = now;
    this.runLog.clockSkew(this.options.instanceId, skewMs);
  }

  /** Keeps the report in the job's fleet-wide history; duplicates are every losing instance's routine and are not. */
  private async remember(report: JobRunReport, scope: RunScope): Promise<void> {
    if (scope.storeFailed || this.options.historySize === 0 || report.skipReason === 'duplicate') return;
    try {
      await this.lock.appendHistory(report.jobName, JSON.stringify(report));
    } catch (error) {
      this.telemetry.recordLockError(report.jobName, 'history', error);
      this.runLog.historyWriteFailed(report, error);
    }
  }

  private finish(
    context: CronContextValue,
    scope: RunScope,
    end: RunEnd,
    extra: Partial<Pick<JobRunReport, 'attempt' | 'resumedFrom' | 'catchup'>> = {},
  ): JobRunReport {
    const { startedAt, trace } = scope;
    const finishedAt = new Date();
    const report: JobRunReport = {
      ...context,
      outcome: end.outcome,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      attempt: extra.attempt ?? 1,
      fencingToken: context.fencingToken ?? 0,
    };
    if (extra.resumedFrom !== undefined) report.resumedFrom = extra.resumedFrom;
    if (extra.catchup) report.catchup = true;
    if (end.skipReason) report.skipReason = end.skipReason;
    if (end.error !== undefined) report.error = end.error;
    if (end.tenants) report.tenants = capTenantSummary(end.tenants);
    const durationMs = finishedAt.getTime() - startedAt.getTime();
    this.runLog.runEnded(report, durationMs);
    trace.end(report, durationMs);
    this.telemetry.recordRun(report, durationMs);
    return report;
  }
}
