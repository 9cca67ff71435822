import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { COORDINATED_CRON_RESOLVED_OPTIONS, LOGGER_CONTEXT } from '../coordinated-cron.constants.js';
import * as messages from '../coordinated-cron.messages.js';
import type { ResolvedCoordinatedCronOptions } from '../coordinated-cron.options.js';
import { CoordinatedCronRegistry } from '../discovery/coordinated-cron.registry.js';
import { CoordinatedCronConfigurationError } from '../errors/index.js';
import { OccurrenceExecutor } from '../execution/occurrence.executor.js';
import { ShutdownCoordinator } from '../execution/shutdown.coordinator.js';
import { type JobDefinition } from '../interfaces/job-definition.interface.js';
import { describeError } from '../utils/error-message.js';
import { CoordinatedCronJob } from './coordinated-cron.job.js';
import { randomDelay } from './cron-schedule.js';

/**
 * Decides when: registers each job as a `CronJob` in @nestjs/schedule's `SchedulerRegistry` at bootstrap, and on
 * each tick waits a fresh random delay inside the window before handing the occurrence to the executor.
 * Stops taking occurrences the moment shutdown begins.
 */
@Injectable()
export class CoordinatedCronScheduler implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(LOGGER_CONTEXT);
  private readonly waiting = new Set<NodeJS.Timeout>();
  private readonly registered: string[] = [];

  constructor(
    @Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions,
    private readonly registry: CoordinatedCronRegistry,
    private readonly executor: OccurrenceExecutor,
    private readonly shutdown: ShutdownCoordinator,
    @Optional() private readonly schedulerRegistry?: SchedulerRegistry,
  ) {}

  onModuleInit(): void {
    if (!this.schedulerRegistry) throw new CoordinatedCronConfigurationError(messages.missingScheduleModule());
    this.shutdown.onBegin(() => this.stop());
  }

  onApplicationBootstrap(): void {
    const schedulerRegistry = this.schedulerRegistry as SchedulerRegistry;
    const jobs = this.registry.all();
    for (const job of jobs) {
      if (schedulerRegistry.doesExist('cron', job.name)) {
        throw new CoordinatedCronConfigurationError(
          messages.schedulerNameTaken({ className: job.className, methodName: job.methodName, jobName: job.name }),
        );
      }
    }
    for (const job of jobs) {
      const cronJob = new CoordinatedCronJob(job.schedule, (occurrence) => this.onTick(job, occurrence));
      schedulerRegistry.addCronJob(job.name, cronJob);
      this.registered.push(job.name);
      cronJob.start();
    }
    if (jobs.length > 0) this.logger.log(messages.jobsScheduled(jobs.length));
  }

  /**
   * Scheduler callback for the tick `occurrence` (from the schedule, never from when the timer fired, so every
   * instance claims the same key). Must never throw into the timer, whatever happens below it.
   */
  private onTick(job: JobDefinition, occurrence: Date): void {
    try {
      if (this.shutdown.isShuttingDown) return;
      const delay = this.options.jitter ? randomDelay(job.jitterMs) : 0;
      if (delay === 0) {
        this.fire(job, occurrence);
      } else {
        const timer = setTimeout(() => {
          this.waiting.delete(timer);
          this.fire(job, occurrence);
        }, delay);
        this.waiting.add(timer);
      }
    } catch (error) {
      this.logger.error(messages.scheduledCallbackFailed(job.name, describeError(error)));
    }
  }

  private fire(job: JobDefinition, occurrence: Date): void {
    this.executor
      .run(job, occurrence)
      .catch((error: unknown) => this.logger.error(messages.scheduledCallbackFailed(job.name, describeError(error))));
  }

  private stop(): void {
    for (const timer of this.waiting) clearTimeout(timer);
    this.waiting.clear();
    const schedulerRegistry = this.schedulerRegistry as SchedulerRegistry;
    for (const name of this.registered.splice(0)) {
      if (schedulerRegistry.doesExist('cron', name)) schedulerRegistry.deleteCronJob(name);
    }
  }
}
