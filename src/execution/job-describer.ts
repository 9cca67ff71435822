import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { COORDINATED_CRON_RESOLVED_OPTIONS } from '../common/constants.js';
import { CoordinatedCronLock, type LeaseHolder } from '../coordination/coordinated-cron.lock.js';
import { type JobDefinition } from '../definition/job-definition.js';
import { LocalTimeSchedule } from '../definition/local-time-schedule.js';
import {
  type JobDescription,
  type JobRunInProgress,
  type JobScheduleDescription,
  type RunStatus,
} from '../interfaces/index.js';
import type { ResolvedCoordinatedCronOptions } from '../options/module-options.js';
import { type ScheduleInForce, SchedulesInForce } from './schedules-in-force.js';

const NEXT_OCCURRENCES = 5;
/** Tenant pauses listed by `describe()`; the total counts them all. */
const LISTED_TENANT_PAUSES = 1_000;

/**
 * What `describe()` says of a job, read from the lock store, so every instance answers the same: the schedule in
 * force and where it comes from, its next ticks, the pause and the tenants paused, the run in progress, the recent
 * runs, the last completed run and the failures in a row (the ledger), and the newest failed tenants. A handful of
 * reads sent together.
 */
@Injectable()
export class JobDescriber {
  constructor(
    private readonly lock: CoordinatedCronLock,
    private readonly schedules: SchedulesInForce,
    private readonly clock: Clock,
    @Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions,
  ) {}

  async describe(job: JobDefinition): Promise<JobDescription> {
    const inForce = this.schedules.of(job);
    const [paused, recent, holder, firstStatus, tenantPauses, { ledger }, failedTenants] = await Promise.all([
      this.lock.readPause(job.name),
      this.options.historySize > 0 ? this.lock.readHistory(job.name) : Promise.resolve([]),
      this.lock.readLeaseHolder(job.name),
      this.lock.readRunStatus(job.name),
      job.perTenant ? this.lock.readTenantPauses(job.name, LISTED_TENANT_PAUSES) : Promise.resolve(undefined),
      this.lock.readLedger(job.name),
      job.perTenant ? this.lock.readFailedTenants(job.name) : Promise.resolve(undefined),
    ]);
    const status = await this.statusOf(job.name, holder, firstStatus);
    const counts = { completed: 0, failed: 0, skipped: 0, interrupted: 0 };
    for (const report of recent) if (report.outcome in counts) counts[report.outcome] += 1;

    const ticks: Date[] = [];
    for (let tick = this.clock.date(); ticks.length < NEXT_OCCURRENCES;) {
      tick = inForce.schedule.next(tick);
      ticks.push(tick);
    }

    const description: JobDescription = {
      name: job.name,
      cron: inForce.cron,
      jitterMs: inForce.jitterMs,
      schedule: scheduleDescription(inForce),
      perTenant: job.perTenant !== undefined,
      nextOccurrences: ticks.map((tick) => tick.toISOString()),
      overlap: job.overlap,
      retry: { ...job.retry },
      consecutiveFailures: ledger?.consecutiveFailures ?? 0,
      recent,
      counts,
    };
    if (job.pauseOnFailure !== undefined) description.pauseOnFailure = job.pauseOnFailure;
    if (ledger?.lastCompleted) {
      description.lastCompleted = {
        occurrence: ledger.lastCompleted.occurrence.toISOString(),
        finishedAt: ledger.lastCompleted.finishedAt.toISOString(),
      };
    }
    if (failedTenants) {
      description.failedTenants = { occurrence: failedTenants.occurrence.toISOString(), count: failedTenants.count };
    }
    if (inForce.timeZone !== undefined) description.timeZone = inForce.timeZone;
    const schedule = inForce.schedule;
    if (schedule instanceof LocalTimeSchedule) {
      description.localTime = true;
      description.nextTicks = ticks.map((tick) => ({ at: tick.toISOString(), timeZones: schedule.dueZones(tick) }));
    }
    if (paused) description.paused = paused;
    if (tenantPauses) description.pausedTenants = { total: tenantPauses.total, tenants: tenantPauses.pauses };
    const running = runningFrom(holder, status);
    if (running) description.running = running;
    return description;
  }

  /**
   * The run takes its lease one store command before it writes its progress record, and the two reads above are
   * separate commands: a describe can fall between. Then the record is read again, briefly, until it names the run.
   */
  private async statusOf(
    jobName: string,
    holder: LeaseHolder | undefined,
    status: RunStatus | undefined,
  ): Promise<RunStatus | undefined> {
    if (holder === undefined) return status;
    for (let retry = 0; status?.runId !== holder.runId && retry < 3; retry++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      status = await this.lock.readRunStatus(jobName);
    }
    return status;
  }
}

function scheduleDescription(inForce: ScheduleInForce): JobScheduleDescription {
  const description: JobScheduleDescription = {
    cron: inForce.cron,
    jitterMs: inForce.jitterMs,
    source: inForce.source,
  };
  if (inForce.timeZone !== undefined) description.timeZone = inForce.timeZone;
  if (inForce.reason !== undefined) description.reason = inForce.reason;
  if (inForce.by !== undefined) description.by = inForce.by;
  if (inForce.at !== undefined) description.at = inForce.at;
  return description;
}

function runningFrom(holder: LeaseHolder | undefined, status: RunStatus | undefined): JobRunInProgress | undefined {
  if (holder === undefined) return undefined;
  const running: JobRunInProgress = { runId: holder.runId, instanceId: holder.instanceId, startedAt: '' };
  // The status record belongs to this run only when the ids match; an older run's record is ignored.
  if (status?.runId === holder.runId) {
    running.startedAt = status.startedAt;
    if (status.total !== undefined) {
      running.tenantsDone = status.done ?? 0;
      running.tenantsTotal = status.total;
    }
  }
  return running;
}
