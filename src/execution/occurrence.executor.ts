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
import { settle } from '../common/settle.js';
import { ShutdownCoordinator } from './shutdown.coordinator.js';
import { TenantFanOutExecutor, type FanOutObserver } from './tenants/tenant-fan-out.executor.js';
import { RunProgress } from './run-progress.js';
import { Telemetry, type RunTrace } from './telemetry.js';

interface RunEnd {
  outcome: RunOutcome;
  skipReason?: SkipReason;
  error?: string;
  tenants?: TenantRunSummary;
}

/** How a run was asked for. */
export interface RunRequest {
  /** Run even when the job is paused: an operator asked explicitly (trigger, backfill). */
  ignorePause?: boolean;
}

/**
 * Runs one occurrence of one job on this instance, end to end: claim, lease, CLS context, handler or tenant
 * fan-out, release, report. Resolves a report in every case; never rejects.
 */
@Injectable()
export class OccurrenceExecutor {
  /** Jobs running in this process: no overlap even when the store is down and `lockFailure` is `'run'`. */
  private readonly runningHere = new Set<string>();

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
  }

  async run(job: JobDefinition, occurrence: Date, request: RunRequest = {}): Promise<JobRunReport> {
    const startedAt = new Date();
    const context: CronContextValue = {
      jobName: job.name,
      runId: randomUUID(),
      occurrence: occurrence.toISOString(),
      instanceId: this.options.instanceId,
    };
    const trace = this.telemetry.startRun(context);
    if (this.shutdown.isShuttingDown) {
      // Not recorded in the history: the store may already be closing.
      return this.finish(context, startedAt, { outcome: 'skipped', skipReason: 'shutting-down' }, trace);
    }
    // Tracked from the first store call: a drain must wait for a claim or lease in flight, or the store could be
    // disconnected under it and leave a lease nobody releases.
    const controller = new AbortController();
    const untrack = this.shutdown.track((reason) => controller.abort(reason));
    let end: RunEnd;
    // Set when a store call failed: the history write is then skipped, or a dead store would hold the report back
    // for a second lockTimeout.
    const store = { failed: false };
    try {
      try {
        end = await trace.activate(() =>
          this.attempt(job, occurrence, context, controller, request, startedAt, trace, store),
        );
      } catch (error) {
        // Every step above is guarded; this is the last line that keeps a library bug from escaping.
        end = { outcome: 'failed', error: describeError(error) };
        this.runLog.failed(context, error);
      }
      const report = this.finish(context, startedAt, end, trace);
      // Still tracked: a drain waits for this write before the store may be disconnected.
      if (!store.failed) await this.remember(report);
      return report;
    } finally {
      untrack();
    }
  }

  /** Keeps the report in the job's fleet-wide history; duplicates are every losing instance's routine and are not. */
  private async remember(report: JobRunReport): Promise<void> {
    if (this.options.historySize === 0 || report.skipReason === 'duplicate') return;
    try {
      await this.lock.appendHistory(report.jobName, JSON.stringify(report));
    } catch (error) {
      this.telemetry.recordLockError(report.jobName, 'history', error);
      this.runLog.historyWriteFailed(report, error);
    }
  }

  private async attempt(
    job: JobDefinition,
    occurrence: Date,
    context: CronContextValue,
    controller: AbortController,
    request: RunRequest,
    startedAt: Date,
    trace: RunTrace,
    store: { failed: boolean },
  ): Promise<RunEnd> {
    const token = `${this.options.instanceId}:${context.runId}`;

    let coordinated = true;
    const claimStarted = performance.now();
    try {
      const ttl = job.lockTtlMs ?? claimTtlUntilNextWindow(job.schedule, occurrence, new Date(), MIN_CLAIM_TTL_MS);
      const claim = await this.lock.claim(job.name, occurrence, token, ttl, { ignorePause: request.ignorePause });
      this.telemetry.recordClaim(job.name, performance.now() - claimStarted);
      if (claim.kind === 'duplicate') return { outcome: 'skipped', skipReason: 'duplicate' };
      if (claim.kind === 'paused') return { outcome: 'skipped', skipReason: 'paused' };
    } catch (error) {
      this.telemetry.recordLockError(job.name, 'claim', error);
      store.failed = true;
      const skip = this.onLockError(error, context);
      if (skip) return skip;
      coordinated = false;
    }

    if (this.runningHere.has(job.name)) return { outcome: 'skipped', skipReason: 'overlap' };
    let lease: RunningLease | undefined;
    if (coordinated) {
      try {
        lease = await this.lock.takeLease(job.name, token);
        if (!lease) return { outcome: 'skipped', skipReason: 'overlap' };
      } catch (error) {
        this.telemetry.recordLockError(job.name, 'lease', error);
        store.failed = true;
        const skip = this.onLockError(error, context);
        if (skip) return skip;
      }
    }
    // The lease may have taken a while; shutdown could have begun meanwhile.
    if (this.shutdown.isShuttingDown) {
      await this.releaseLease(lease, context);
      return { outcome: 'skipped', skipReason: 'shutting-down' };
    }

    this.runningHere.add(job.name);
    lease?.keepAlive((reason) => {
      this.runLog.leaseLost(context, reason);
      controller.abort(new Error(`running lease lost: ${reason}`));
    });
    // Progress is published only for coordinated runs: describe() reads it next to the lease this run holds.
    const progress = lease
      ? new RunProgress(this.lock, context, startedAt, (error) => {
          this.telemetry.recordLockError(job.name, 'progress', error);
        })
      : undefined;
    await progress?.start();
    const observer: FanOutObserver = {
      selected: (total) => progress?.selected(total),
      tenantStarted: (tenantId) => {
        const ended = trace.tenant(tenantId);
        return (outcome, error) => {
          progress?.tenantDone();
          ended(outcome, error);
        };
      },
    };
    try {
      return await this.contextStore.run(context, () =>
        job.perTenant
          ? this.runTenants(job, context, controller.signal, observer, store)
          : this.runPlain(job, context, controller.signal),
      );
    } finally {
      progress?.stop();
      await this.releaseLease(lease, context);
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
    observer: FanOutObserver,
    store: { failed: boolean },
  ): Promise<RunEnd> {
    const result = await this.fanOut.run(job, context, signal, observer);
    switch (result.kind) {
      case 'lock-error':
        store.failed = true;
        this.telemetry.recordLockError(job.name, 'pending', result.error);
        return this.onLockError(result.error, context) ?? { outcome: 'failed', error: result.error.message };
      case 'failed':
        return { outcome: 'failed', error: result.error, tenants: result.summary };
      case 'ran':
        return { outcome: result.undone.length > 0 ? 'interrupted' : 'completed', tenants: result.summary };
    }
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

  private async releaseLease(lease: RunningLease | undefined, context: CronContextValue): Promise<void> {
    if (!lease) return;
    try {
      await lease.release();
    } catch (error) {
      this.runLog.leaseReleaseFailed(context, error);
    }
  }

  private finish(context: CronContextValue, startedAt: Date, end: RunEnd, trace: RunTrace): JobRunReport {
    const finishedAt = new Date();
    const report: JobRunReport = {
      ...context,
      outcome: end.outcome,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
    };
    if (end.skipReason) report.skipReason = end.skipReason;
    if (end.error !== undefined) report.error = end.error;
    if (end.tenants) report.tenants = end.tenants;
    const durationMs = finishedAt.getTime() - startedAt.getTime();
    this.runLog.runEnded(report, durationMs);
    trace.end(report, durationMs);
    this.telemetry.recordRun(report, durationMs);
    return report;
  }
}
