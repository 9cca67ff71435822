import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { COORDINATED_CRON_RESOLVED_OPTIONS, MAX_BACKFILL_TICKS } from '../common/constants.js';
import { CoordinatedCronLock } from '../coordination/coordinated-cron.lock.js';
import { CoordinatedCronRegistry } from '../definition/coordinated-cron.registry.js';
import { type JobDefinition } from '../definition/job-definition.js';
import { type JobDescription, type JobRunReport, type JobScheduleDescription } from '../interfaces/index.js';
import { LocalTimeSchedule } from '../definition/local-time-schedule.js';
import { isTimeZone, processTimeZone } from '../definition/time-zones.js';
import { JobDescriber } from './job-describer.js';
import { pauseRecordOf, type PauseOptions, type RescheduleOptions, scheduleOverrideOf } from './job-commands.js';
import { SchedulesInForce } from './schedules-in-force.js';
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

/**
 * How far ahead of this instance's clock an explicit occurrence may lie: a run waits until its occurrence is due by
 * the store's clock, so one further ahead would wait that long; a little slack lets a slow clock name a due one.
 */
const MAX_AHEAD_MS = 60_000;
/** The most runs `nextRuns` lists at once. */
const MAX_NEXT_RUNS = 1_000;

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
    // Fleet control: the lock store holds pauses, schedules, history and progress; the options name this instance.
    private readonly lock: CoordinatedCronLock,
    private readonly runLog: RunLog,
    @Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions,
    private readonly clock: Clock,
    private readonly schedules: SchedulesInForce,
    private readonly describer: JobDescriber,
  ) {}

  /**
   * Runs occurrence `opts.occurrence` of job `name` (default: the latest tick of its schedule at or before now).
   * The occurrence is claimed like a scheduled one, so an occurrence already run anywhere is skipped as duplicate.
   * A paused job runs anyway: an operator asked for this run explicitly.
   * Rejects only for an unknown job name or an invalid date.
   */
  async trigger(name: string, opts: { occurrence?: Date } = {}): Promise<JobRunReport> {
    const job = this.job(name);
    if (opts.occurrence !== undefined && !isValidDate(opts.occurrence)) {
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
    const occurrence = opts.occurrence ?? this.schedules.of(job).schedule.occurrenceAt(this.clock.date());
    // An operator's explicit request runs even while the job is paused.
    return this.executor.run(job, occurrence, { ignorePause: true });
  }

  jobs(): CoordinatedCronJobInfo[] {
    const now = this.clock.date();
    return this.registry.all().map((job) => {
      const inForce = this.schedules.of(job);
      return {
        name: job.name,
        cron: inForce.cron,
        jitterMs: inForce.jitterMs,
        nextOccurrence: inForce.schedule.next(now),
      };
    });
  }

  // --- Fleet control ---

  /**
   * Pauses job `name` on every instance from its next occurrence on: those occurrences are reported skipped with
   * reason `'paused'`. With `until`, it resumes by itself then. Rejects with `UnknownJobError`,
   * `InvalidJobCommandError` (a bad `until` or reason) or `LockStoreError`.
   */
  async pause(name: string, opts: PauseOptions = {}): Promise<void> {
    const job = this.job(name);
    const record = pauseRecordOf(`pause("${name}")`, opts, this.clock.now(), this.options.instanceId);
    await this.lock.pause(job.name, record);
    this.runLog.paused(job.name, record.by, record.reason, record.until);
  }

  /** Lifts a pause of job `name` at once, on every instance. Resolves also when it was not paused. */
  async resume(name: string): Promise<void> {
    const job = this.job(name);
    await this.lock.unpause(job.name);
    this.runLog.resumed(job.name, this.options.instanceId);
  }

  /**
   * Pauses `@PerTenant()` job `name` for one tenant, on every instance from its next run on: the tenant is neither run
   * nor counted as disabled, but reported in `tenants.paused`. With `until`, the pause ends by itself then.
   */
  async pauseTenant(name: string, tenantId: string, opts: PauseOptions = {}): Promise<void> {
    const job = this.perTenantJob(name, 'pauseTenant');
    const command = `pauseTenant("${name}", ${JSON.stringify(tenantId)})`;
    if (typeof tenantId !== 'string' || tenantId === '') {
      throw new InvalidJobCommandError(`${command}: the tenant id must be a non-empty string`);
    }
    const record = pauseRecordOf(command, opts, this.clock.now(), this.options.instanceId);
    await this.lock.pauseTenant(job.name, tenantId, record);
    this.runLog.tenantPaused(job.name, tenantId, record.by, record.reason, record.until);
  }

  /** Ends one tenant's pause of job `name`. Resolves also when it was not paused. */
  async resumeTenant(name: string, tenantId: string): Promise<void> {
    const job = this.perTenantJob(name, 'resumeTenant');
    if (typeof tenantId !== 'string' || tenantId === '') {
      throw new InvalidJobCommandError(`resumeTenant("${name}"): the tenant id must be a non-empty string`);
    }
    await this.lock.unpauseTenant(job.name, tenantId);
    this.runLog.tenantResumed(job.name, tenantId, this.options.instanceId);
  }

  /**
   * Runs again, each once, the tenants of `@PerTenant()` job `name` that failed in occurrence `opts.occurrence`
   * (default: the newest occurrence that had failures), as a run of its own whose report names that occurrence in
   * `retryOf`. Tenants paused or disabled since are not run; what still fails stays recorded for another retry. The
   * store keeps at most 10,000 failed ids per occurrence: a larger failure is retried 10,000 at a time. Runs even
   * while the job is paused, and waits for no run in progress (it is skipped `overlap`). Rejects with
   * `InvalidJobCommandError` when no failed tenants are recorded there, or `LockStoreError`.
   */
  async retryFailed(name: string, opts: { occurrence?: Date } = {}): Promise<JobRunReport> {
    const command = `retryFailed("${name}")`;
    const job = this.perTenantJob(name, 'retryFailed', 'trigger() runs it again');
    if (opts.occurrence !== undefined && !isValidDate(opts.occurrence)) {
      throw new InvalidJobCommandError(`${command}: occurrence ${JSON.stringify(opts.occurrence)} is not a valid Date`);
    }
    const failed = await this.lock.readFailedTenants(job.name, opts.occurrence);
    if (!failed || failed.tenantIds.length === 0) {
      const where = opts.occurrence ? `occurrence ${opts.occurrence.toISOString()}` : 'any recent occurrence';
      throw new InvalidJobCommandError(
        `${command}: no failed tenants are recorded for ${where}; describe("${name}").failedTenants names the ` +
          'newest occurrence that has some',
      );
    }
    return this.executor.run(job, failed.occurrence, { ignorePause: true, retryOf: failed });
  }

  /**
   * Runs job `name` on another schedule, fleet-wide, from now on: every instance re-arms within moments (the store
   * signals the change), and one that boots later starts from it. What `opts` leaves out stays as the code says;
   * `null` goes back to the code's schedule. Checked before anything is stored: rejects with
   * `InvalidJobCommandError` for an invalid cron, jitter or zone. Resolves the schedule now in force.
   */
  async reschedule(name: string, opts: RescheduleOptions | null): Promise<JobScheduleDescription> {
    const job = this.job(name);
    const override = opts === null ? null : scheduleOverrideOf(job, opts, this.options.instanceId);
    const state = await this.lock.writeSchedule(job.name, override);
    // This instance re-arms at once; the others when the signal reaches them.
    this.schedules.apply(job, state);
    return (await this.describe(name)).schedule;
  }

  /**
   * The next `count` runs of job `name` (default 5), as instants. For a local-time job, those of tenants in
   * `timeZone` (default: the zone of tenants that name none); another job runs in its own zone, which `timeZone`
   * may only repeat.
   */
  nextRuns(name: string, opts: { timeZone?: string; count?: number } = {}): Date[] {
    const job = this.job(name);
    const count = opts.count ?? 5;
    if (!Number.isInteger(count) || count < 1 || count > MAX_NEXT_RUNS) {
      throw new InvalidJobCommandError(`nextRuns("${name}"): count must be an integer from 1 to ${MAX_NEXT_RUNS}`);
    }
    const inForce = this.schedules.of(job);
    const now = this.clock.date();
    const schedule = inForce.schedule;
    if (schedule instanceof LocalTimeSchedule) {
      const zone = opts.timeZone ?? inForce.timeZone ?? processTimeZone();
      if (!isTimeZone(zone))
        throw new InvalidJobCommandError(`nextRuns("${name}"): "${zone}" is not an IANA time zone`);
      return schedule.nextRuns(zone, now, count);
    }
    if (opts.timeZone !== undefined && opts.timeZone !== (inForce.timeZone ?? processTimeZone())) {
      throw new InvalidJobCommandError(
        `nextRuns("${name}"): the job runs in ${inForce.timeZone ?? 'the process zone'}, not in ${opts.timeZone}; ` +
          "only a @PerTenant({ localTime: true }) job runs by each tenant's clock",
      );
    }
    const runs: Date[] = [];
    for (let tick = now; runs.length < count;) {
      tick = schedule.next(tick);
      runs.push(tick);
    }
    return runs;
  }

  /** Schedule, pause, run in progress and recent runs of job `name`, fleet-wide. */
  async describe(name: string): Promise<JobDescription> {
    return this.describer.describe(this.job(name));
  }

  async describeAll(): Promise<JobDescription[]> {
    return Promise.all(this.registry.all().map((job) => this.describer.describe(job)));
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
    const schedule = this.schedules.of(job).schedule;
    const ticks: Date[] = [];
    for (let tick = schedule.next(new Date(from.getTime() - 1)); tick <= to; tick = schedule.next(tick)) {
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

  private perTenantJob(name: string, command: string, instead = 'pause the whole job instead'): JobDefinition {
    const job = this.job(name);
    if (!job.perTenant) {
      throw new InvalidJobCommandError(`${command}("${name}"): the job is not a @PerTenant() job; ${instead}`);
    }
    return job;
  }
}

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}
