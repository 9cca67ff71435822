import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { COORDINATED_CRON_RESOLVED_OPTIONS } from '../common/constants.js';
import { CoordinatedCronLock } from '../coordination/coordinated-cron.lock.js';
import { type JobDefinition } from '../definition/job-definition.js';
import { type CronContextValue, type JobRunReport } from '../interfaces/index.js';
import type { ResolvedCoordinatedCronOptions } from '../options/module-options.js';
import { RunLog } from './run-log.js';
import { type RunEnd, type RunScope } from './run-scope.js';
import { Telemetry } from './telemetry.js';
import { capTenantSummary } from './tenants/summary-cap.js';

/** Report fields a run may carry beside how it ended. */
export type ReportExtras = Partial<Pick<JobRunReport, 'attempt' | 'resumedFrom' | 'catchup' | 'retryOf'>>;

/**
 * The start and the end of every run: a fresh identity and trace, then one report, one summary line, the span's end,
 * the metrics, and the entry in the job's fleet-wide history.
 */
@Injectable()
export class RunReporter {
  constructor(
    @Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions,
    private readonly lock: CoordinatedCronLock,
    private readonly runLog: RunLog,
    private readonly telemetry: Telemetry,
  ) {}

  newContext(job: JobDefinition, occurrence: Date): CronContextValue {
    return {
      jobName: job.name,
      runId: randomUUID(),
      occurrence: occurrence.toISOString(),
      instanceId: this.options.instanceId,
    };
  }

  newScope(context: CronContextValue): RunScope {
    return { startedAt: new Date(), trace: this.telemetry.startRun(context), storeFailed: false };
  }

  report(context: CronContextValue, scope: RunScope, end: RunEnd, extras: ReportExtras = {}): JobRunReport {
    const { startedAt, trace } = scope;
    const finishedAt = new Date();
    const report: JobRunReport = {
      ...context,
      outcome: end.outcome,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      attempt: extras.attempt ?? 1,
      fencingToken: context.fencingToken ?? 0,
    };
    if (extras.resumedFrom !== undefined) report.resumedFrom = extras.resumedFrom;
    if (extras.catchup) report.catchup = true;
    if (extras.retryOf !== undefined) report.retryOf = extras.retryOf;
    if (end.tries !== undefined) report.tries = end.tries;
    if (end.replacedBy !== undefined) report.replacedBy = end.replacedBy.toISOString();
    if (end.skipReason) report.skipReason = end.skipReason;
    if (end.error !== undefined) report.error = end.error;
    if (end.tenants) report.tenants = capTenantSummary(end.tenants);
    const durationMs = finishedAt.getTime() - startedAt.getTime();
    this.runLog.runEnded(report, durationMs);
    trace.end(report, durationMs);
    this.telemetry.recordRun(report, durationMs);
    return report;
  }

  /** Keeps the report in the job's fleet-wide history; duplicates are every losing instance's routine and are not. */
  async remember(report: JobRunReport, scope: RunScope): Promise<void> {
    if (scope.storeFailed || this.options.historySize === 0 || report.skipReason === 'duplicate') return;
    try {
      await this.lock.appendHistory(report);
    } catch (error) {
      this.telemetry.recordLockError(report.jobName, 'history', error);
      this.runLog.historyWriteFailed(report, error);
    }
  }
}
