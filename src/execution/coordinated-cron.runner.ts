import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { COORDINATED_CRON_RESOLVED_OPTIONS, MAX_BACKFILL_TICKS } from '../common/constants.js';
import { parseDuration } from '../common/duration.js';
import { CoordinatedCronLock, type LeaseHolder } from '../coordination/coordinated-cron.lock.js';
import { CoordinatedCronRegistry } from '../definition/coordinated-cron.registry.js';
import { type JobDefinition } from '../definition/job-definition.js';
import {
  type JobDescription,
  type JobPause,
  type JobRunInProgress,
  type JobRunReport,
  type RunStatus,
} from '../interfaces/index.js';
import type { ResolvedCoordinatedCronOptions } from '../options/module-options.js';
import { InvalidJobCommandError, UnknownJobError } from './errors/job-control.errors.js';
import { OccurrenceExecutor } from './occurrence.executor.js';
import { RunLog } from './run-log.js';

/** A registered job, as `CoordinatedCronRunner.jobs()` lists it. */
export interface CoordinatedCronJobInfo {
  name: string;
  cron: string;
  jitterMs: number;
  nextOccurrence: Date;
}

/** Options of `CoordinatedCronRunner.pause`. */
export interface PauseOptions {
  /** Shown in `describe()` and the admin page. */
  reason?: string;
  /** Resumes by itself then: a Date, an ISO date string, or a duration from now (`'2h'`, `'30m'`). */
  until?: Date | string;
}

const NEXT_OCCURRENCES = 5;
const MAX_REASON_LENGTH = 500;
/**
 * How far ahead of this instance's clock an explicit occurrence may lie: a run waits until its occurrence is due by
 * the store's clock, so one further ahead would wait that long; a little slack lets a slow clock name a due one.
 */
const MAX_AHEAD_MS = 60_000;

/**
 * Runs jobs on demand through the same path as their schedule (claim, lease, CLS, tenants, report), lists them,
 * and steers them fleet-wide: pause, resume, describe, backfill. Everything it reads or writes about a job lives in
 * the lock store, so every instance answers the same.
 */
@Injectable()
export class CoordinatedCronRunner {
  constructor(
    private readonly registry: CoordinatedCronRegistry,
    private readonly executor: OccurrenceExecutor,
    // Fleet control: the lock store holds pauses, history and progress; the options name this instance.
    private readonly lock: CoordinatedCronLock,
    private readonly runLog: RunLog,
    @Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions,
    private readonly clock: Clock,
  ) {}

  /**
   * Runs occurrence `opts.occurrence` of job `name` (default: the latest tick of its schedule at or before now).
   * The occurrence is claimed like a scheduled one, so an occurrence already run anywhere is skipped as duplicate.
   * A paused job runs anyway: an operator asked for this run explicitly.
   * Rejects only for an unknown job name or an invalid date.
   */
  async trigger(name: string, opts: { occurrence?: Date } = {}): Promise<JobRunReport> {
    const job = this.job(name);
    if (
      opts.occurrence !== undefined &&
      !(opts.occurrence instanceof Date && !Number.isNaN(opts.occurrence.getTime()))
    ) {
      throw new InvalidJobCommandError(
        `trigger("${name}"): occurrence ${JSON.stringify(opts.occurrence)} is not a valid Date`,
      );
    }
    if (opts.occurrence !== undefined && opts.occurrence.getTime() > this.clock.now() + MAX_AHEAD_MS) {
      throw new InvalidJobCommandError(
        `trigger("${name}"): occurrence ${opts.occurrence.toISOString()} is in the future; a run waits until its ` +
          "occurrence is due by the lock store's clock, so trigger it once it is",
      );
    }
    const occurrence = opts.occurrence ?? job.schedule.occurrenceAt(this.clock.date());
    // An operator's explicit request runs even while the job is paused.
    return this.executor.run(job, occurrence, { ignorePause: true });
  }

  jobs(): CoordinatedCronJobInfo[] {
    const now = this.clock.date();
    return this.registry.all().map((job) => ({
      name: job.name,
      cron: job.cron,
      jitterMs: job.jitterMs,
      nextOccurrence: job.schedule.next(now),
    }));
  }

  // --- Fleet control ---

  /**
   * Pauses job `name` on every instance from its next occurrence on: those occurrences are reported skipped with
   * reason `'paused'`. With `until`, it resumes by itself then. Rejects with `UnknownJobError`,
   * `InvalidJobCommandError` (a bad `until` or reason) or `LockStoreError`.
   */
  async pause(name: string, opts: PauseOptions = {}): Promise<void> {
    const job = this.job(name);
    const now = this.clock.now();
    const record: JobPause = { since: new Date(now).toISOString(), by: this.options.instanceId };
    if (opts.reason !== undefined) {
      if (typeof opts.reason !== 'string' || opts.reason.length > MAX_REASON_LENGTH) {
        throw new InvalidJobCommandError(`pause("${name}"): reason must be a string of at most 500 characters`);
      }
      if (opts.reason.trim() !== '') record.reason = opts.reason.trim();
    }
    if (opts.until !== undefined) {
      const until = resolveUntil(opts.until, now);
      if (until === undefined) {
        throw new InvalidJobCommandError(
          `pause("${name}"): until ${JSON.stringify(opts.until)} is neither a date nor a duration such as '2h'`,
        );
      }
      if (until <= now) throw new InvalidJobCommandError(`pause("${name}"): until must be in the future`);
      record.until = new Date(until).toISOString();
    }
    await this.lock.pause(job.name, record);
    this.runLog.paused(job.name, record.by, record.reason, record.until);
  }

  /** Lifts a pause of job `name` at once, on every instance. Resolves also when it was not paused. */
  async resume(name: string): Promise<void> {
    const job = this.job(name);
    await this.lock.unpause(job.name);
    this.runLog.resumed(job.name, this.options.instanceId);
  }

  /** Schedule, pause, run in progress and recent runs of job `name`, fleet-wide. */
  async describe(name: string): Promise<JobDescription> {
    return this.describeJob(this.job(name));
  }

  async describeAll(): Promise<JobDescription[]> {
    return Promise.all(this.registry.all().map((job) => this.describeJob(job)));
  }

  /**
   * Runs every tick of job `name` in `[from, to]`, oldest first, one after the other, each claimed through its usual
   * occurrence key: a tick that already ran anywhere is reported `duplicate`. Pauses do not apply.
   */
  async backfill(name: string, range: { from: Date; to: Date }): Promise<JobRunReport[]> {
    const job = this.job(name);
    const { from, to } = range ?? ({} as { from?: Date; to?: Date });
    if (!isValidDate(from) || !isValidDate(to)) {
      throw new InvalidJobCommandError(`backfill("${name}"): from and to must be valid Dates`);
    }
    if (from.getTime() > to.getTime()) throw new InvalidJobCommandError(`backfill("${name}"): from is after to`);
    if (to.getTime() > this.clock.now() + MAX_AHEAD_MS) {
      throw new InvalidJobCommandError(`backfill("${name}"): to is in the future; backfill ticks that have come`);
    }
    const ticks: Date[] = [];
    for (let tick = job.schedule.next(new Date(from.getTime() - 1)); tick <= to; tick = job.schedule.next(tick)) {
      if (ticks.length === MAX_BACKFILL_TICKS) {
        throw new InvalidJobCommandError(
          `backfill("${name}"): the range holds more than ${MAX_BACKFILL_TICKS} ticks; split it`,
        );
      }
      ticks.push(tick);
    }
    const reports: JobRunReport[] = [];
    for (const tick of ticks) reports.push(await this.executor.run(job, tick, { ignorePause: true }));
    return reports;
  }

  private job(name: string): JobDefinition {
    const job = this.registry.get(name);
    if (!job)
      throw new UnknownJobError(
        String(name),
        this.registry.all().map((j) => j.name),
      );
    return job;
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

  private async describeJob(job: JobDefinition): Promise<JobDescription> {
    const [paused, recent, holder, firstStatus] = await Promise.all([
      this.lock.readPause(job.name),
      this.options.historySize > 0 ? this.lock.readHistory(job.name) : Promise.resolve([]),
      this.lock.readLeaseHolder(job.name),
      this.lock.readRunStatus(job.name),
    ]);
    const status = await this.statusOf(job.name, holder, firstStatus);
    const counts = { completed: 0, failed: 0, skipped: 0, interrupted: 0 };
    for (const report of recent) if (report.outcome in counts) counts[report.outcome] += 1;

    const nextOccurrences: string[] = [];
    for (let tick = this.clock.date(); nextOccurrences.length < NEXT_OCCURRENCES;) {
      tick = job.schedule.next(tick);
      nextOccurrences.push(tick.toISOString());
    }

    const description: JobDescription = {
      name: job.name,
      cron: job.cron,
      jitterMs: job.jitterMs,
      perTenant: job.perTenant !== undefined,
      nextOccurrences,
      recent,
      counts,
    };
    if (job.timeZone !== undefined) description.timeZone = job.timeZone;
    if (paused) description.paused = paused;
    const running = runningFrom(holder, status);
    if (running) description.running = running;
    return description;
  }
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

function resolveUntil(until: Date | string, now: number): number | undefined {
  if (until instanceof Date) return Number.isNaN(until.getTime()) ? undefined : until.getTime();
  if (typeof until !== 'string' || until.trim() === '') return undefined;
  const duration = parseDuration(until);
  if (duration !== undefined) return now + duration;
  // Only full ISO dates: Date.parse alone accepts too many loose forms.
  if (!/^\d{4}-\d{2}-\d{2}T/.test(until.trim())) return undefined;
  const at = Date.parse(until);
  return Number.isNaN(at) ? undefined : at;
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}
