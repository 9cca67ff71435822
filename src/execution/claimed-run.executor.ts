import { Injectable } from '@nestjs/common';
import { describeError } from '../common/describe-error.js';
import { IdSet } from '../common/id-set.js';
import { settle } from '../common/settle.js';
import { CoordinatedCronLock } from '../coordination/coordinated-cron.lock.js';
import { type RunningLease } from '../coordination/running-lease.js';
import { ledgerTtlMs } from '../coordination/ttls.js';
import { CronContextStore } from '../context/cron-context.store.js';
import { type JobDefinition } from '../definition/job-definition.js';
import { type CronContextValue } from '../interfaces/index.js';
import { LockFailurePolicy } from './lock-failure.policy.js';
import { ProgressRecorder } from './recovery/progress-recorder.js';
import { RunLog } from './run-log.js';
import { RunProgress } from './run-progress.js';
import { type RunEnd, type RunScope, type Takeover } from './run-scope.js';
import { Telemetry } from './telemetry.js';
import { type FanOutObserver, type TenantProgress, TenantFanOutExecutor } from './tenants/tenant-fan-out.executor.js';

/**
 * Runs an occurrence this instance holds (won by a claim or a take-over, or run uncoordinated under
 * `lockFailure: 'run'`): keeps the lease alive, publishes progress, runs the handler or the tenant fan-out inside the
 * run's CLS context, and ends the lease and the ledger entry. Knows nothing about how the occurrence was won.
 */
@Injectable()
export class ClaimedRunExecutor {
  /** Jobs running in this process: no overlap even when the store is down and `lockFailure` is `'run'`. */
  private readonly runningHere = new Set<string>();

  constructor(
    private readonly lock: CoordinatedCronLock,
    private readonly contextStore: CronContextStore,
    private readonly fanOut: TenantFanOutExecutor,
    private readonly runLog: RunLog,
    private readonly telemetry: Telemetry,
    private readonly lockFailure: LockFailurePolicy,
  ) {}

  isRunningHere(job: JobDefinition): boolean {
    return this.runningHere.has(job.name);
  }

  async execute(
    job: JobDefinition,
    occurrence: Date,
    context: CronContextValue,
    controller: AbortController,
    lease: RunningLease | undefined,
    scope: RunScope,
    takeover?: Takeover,
  ): Promise<RunEnd> {
    this.runningHere.add(job.name);
    lease?.keepAlive({
      lost: (reason) => {
        this.runLog.leaseLost(context, reason);
        controller.abort(new Error(`running lease lost: ${reason}`));
      },
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
    const observer = this.observe(scope, status);
    try {
      return await this.contextStore.run(context, () =>
        job.perTenant
          ? this.runTenants(job, occurrence, context, controller.signal, lease, scope, observer, takeover)
          : this.runPlain(job, context, controller.signal),
      );
    } finally {
      status?.stop();
      await this.endLease(job, occurrence, context, lease);
      this.runningHere.delete(job.name);
    }
  }

  /** Ends a lease this instance holds without running anything (the run was cut short before its body). */
  async endLease(
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

  private async runPlain(job: JobDefinition, context: CronContextValue, signal: AbortSignal): Promise<RunEnd> {
    const result = await settle(() => job.handler({ signal, context }));
    if (result.ok) return { outcome: 'completed' };
    this.runLog.failed(context, result.error);
    return { outcome: signal.aborted ? 'interrupted' : 'failed', error: describeError(result.error) };
  }

  private async runTenants(
    job: JobDefinition,
    occurrence: Date,
    context: CronContextValue,
    signal: AbortSignal,
    lease: RunningLease | undefined,
    scope: RunScope,
    observer: FanOutObserver,
    takeover: Takeover | undefined,
  ): Promise<RunEnd> {
    const progress = await this.tenantProgress(job, occurrence, context, lease, takeover);
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
        return (
          this.lockFailure.onLockError(result.error, context) ?? { outcome: 'failed', error: result.error.message }
        );
      case 'failed':
        return { outcome: 'failed', error: result.error, tenants: result.summary };
      case 'ran':
        return { outcome: result.undone.length > 0 ? 'interrupted' : 'completed', tenants: result.summary };
    }
  }

  /**
   * Progress is recorded only when a crash could be resumed from it: a coordinated run of a job with crash recovery.
   * A run that took over a crashed one first reads what its predecessor recorded.
   */
  private async tenantProgress(
    job: JobDefinition,
    occurrence: Date,
    context: CronContextValue,
    lease: RunningLease | undefined,
    takeover: Takeover | undefined,
  ): Promise<TenantProgress | undefined> {
    if (!lease || job.crashRecovery !== 'resume') return undefined;
    let done: IdSet | undefined;
    if (takeover) {
      try {
        done = new IdSet(await this.lock.readProgress(job.name, occurrence));
        this.runLog.resumeSkipsDone(context, done.size, takeover.resumedFrom);
      } catch (error) {
        // Without the record every tenant runs again: more work, but nothing lost.
        this.runLog.progressReadFailed(context, error);
      }
    }
    const ttl = ledgerTtlMs(job.catchupWindowMs);
    let warned = false;
    const recorder = new ProgressRecorder((ids) => this.lock.addProgress(job.name, occurrence, ids, ttl), {
      onError: (error, ids) => {
        if (!warned) this.runLog.progressWriteFailed(context, ids.length, error);
        warned = true;
      },
    });
    return { done, recorder };
  }
}
