import { Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { describeError } from '../common/describe-error.js';
import { LockStoreError } from '../common/errors/index.js';
import { parseSchedule } from '../definition/job-definition.factory.js';
import { type Schedule } from '../definition/schedule.js';
import { CoordinatedCronRunner } from '../execution/coordinated-cron.runner.js';
import { type JobDescription } from '../interfaces/index.js';
import { fleetHealth } from './fleet-health.js';
import { type CoordinatedCronHealthOptions, resolveHealthOptions } from './health-options.js';

/**
 * A `@nestjs/terminus` health indicator for every coordinated cron job of the app. Add it to the providers of the
 * module that imports `TerminusModule`, and call `isHealthy(key)` in a `HealthCheckService.check([...])`.
 *
 * It reads only when asked: each check is one `runner.describeAll()`, whose every store call is bounded by the
 * module's `lockTimeout`; checks that overlap share that read. No timer, no background work.
 */
@Injectable()
export class CoordinatedCronHealthIndicator {
  /** Where a job with no completed run is measured from: Nest builds this provider while the app boots. */
  private readonly bootedAt = new Date();
  private readonly schedules = new Map<string, Schedule>();
  private reading?: Promise<JobDescription[]>;

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly runner: CoordinatedCronRunner,
  ) {}

  /**
   * `down` when the lock store does not answer within `lockTimeout`, or when a job that is not paused is stale (see
   * `CoordinatedCronHealthOptions.staleAfter`); the details then name each stale job and its last completed run.
   * `up` otherwise, with the number of jobs and the paused ones. Throws `HealthCheckOptionsError` for bad options.
   */
  async isHealthy<const Key extends string>(
    key: Key,
    options: CoordinatedCronHealthOptions = {},
  ): Promise<HealthIndicatorResult<Key>> {
    const resolved = resolveHealthOptions(key, options);
    const check = this.health.check(key);
    let jobs: JobDescription[];
    try {
      jobs = await this.describeAll();
    } catch (error) {
      const what = error instanceof LockStoreError ? 'the lock store did not answer' : 'the jobs could not be read';
      return check.down({ message: `${what}: ${describeError(error)}` });
    }
    const health = fleetHealth(jobs, {
      now: new Date(),
      bootedAt: this.bootedAt,
      options: resolved,
      scheduleOf: (job) => this.scheduleOf(job),
    });
    if (health.kind === 'up') return check.up({ jobs: health.jobs, paused: health.paused });
    const names = health.stale.map((stale) => stale.job).join(', ');
    return check.down({
      message: `${health.stale.length} of ${health.jobs} jobs have not completed a run in time: ${names}`,
      jobs: health.jobs,
      paused: health.paused,
      stale: health.stale,
    });
  }

  private describeAll(): Promise<JobDescription[]> {
    this.reading ??= this.runner.describeAll().finally(() => (this.reading = undefined));
    return this.reading;
  }

  /** The schedule a description names; parsed once per cron, zone and kind, since an override can change them. */
  private scheduleOf(job: JobDescription): Schedule {
    const localTime = job.localTime === true;
    const key = JSON.stringify([job.cron, job.timeZone ?? null, localTime]);
    let schedule = this.schedules.get(key);
    if (!schedule) {
      schedule = parseSchedule(job.cron, job.timeZone, localTime);
      this.schedules.set(key, schedule);
    }
    return schedule;
  }
}
