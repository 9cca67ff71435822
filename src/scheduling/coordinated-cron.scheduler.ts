import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { COORDINATED_CRON_RESOLVED_OPTIONS, LOGGER_CONTEXT } from '../common/constants.js';
import type { ResolvedCoordinatedCronOptions } from '../options/module-options.js';
import { CoordinatedCronRegistry } from '../definition/coordinated-cron.registry.js';
import { MissingImportError } from '../common/errors/index.js';
import { JobDefinitionError } from '../definition/errors/job-definition.error.js';
import { OccurrenceExecutor } from '../execution/occurrence.executor.js';
import { ShutdownCoordinator } from '../execution/shutdown.coordinator.js';
import { type JobDefinition } from '../definition/job-definition.js';
import { describeError } from '../common/describe-error.js';
import { CoordinatedCronJob } from './coordinated-cron.job.js';
import { randomDelay } from '../definition/cron-schedule.js';
import { CoordinatedCronLock } from '../coordination/coordinated-cron.lock.js';
import { RunLog } from '../execution/run-log.js';
import { CrashTakeover } from '../execution/recovery/crash-takeover.js';
import { StoreOutage } from '../execution/recovery/store-outage.js';
import { StoreClock } from '../execution/store-clock.js';
import { SchedulesInForce } from '../execution/schedules-in-force.js';
import { Clock } from '../common/clock.js';
import { planCatchup } from './catchup-plan.js';

const callbackFailed = (job: JobDefinition, error: unknown) =>
  `job=${job.name} run=- scheduled callback failed unexpectedly (contained): ${describeError(error)}`;

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
  private readonly timers = new Map<string, CoordinatedCronJob>();
  private booted: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions,
    private readonly registry: CoordinatedCronRegistry,
    private readonly executor: OccurrenceExecutor,
    private readonly shutdown: ShutdownCoordinator,
    private readonly lock: CoordinatedCronLock,
    private readonly runLog: RunLog,
    private readonly takeover: CrashTakeover,
    private readonly outage: StoreOutage,
    private readonly storeClock: StoreClock,
    private readonly clock: Clock,
    private readonly schedules: SchedulesInForce,
    @Optional() private readonly schedulerRegistry?: SchedulerRegistry,
  ) {}

  /** Settles once the boot's reads (schedules, ledgers) are done and late runs planned: for tests and tools. */
  whenBooted(): Promise<void> {
    return this.booted.then(() => undefined);
  }

  onModuleInit(): void {
    if (!this.schedulerRegistry) throw MissingImportError.scheduleModule();
    this.shutdown.onBegin(() => this.stop());
    this.outage.onRecovered((job, firstMissed, recoveredAt) => this.catchUpAfterOutage(job, firstMissed, recoveredAt));
    // A schedule changed at runtime, here or on another instance: the timer is aimed at the new one at once.
    this.schedules.onChange((job, inForce) => this.timers.get(job.name)?.reschedule(inForce.schedule));
  }

  onApplicationBootstrap(): void {
    const schedulerRegistry = this.schedulerRegistry as SchedulerRegistry;
    const jobs = this.registry.all();
    for (const job of jobs) {
      if (schedulerRegistry.doesExist('cron', job.name)) {
        throw JobDefinitionError.schedulerNameTaken({
          className: job.className,
          methodName: job.methodName,
          jobName: job.name,
        });
      }
    }
    // A control process knows the jobs (the runner steers them) but fires nothing itself.
    if (!this.options.scheduling) {
      if (jobs.length > 0) this.logger.log(`${jobs.length} coordinated cron job(s) known; scheduling is off here`);
      void this.schedules.listen().then(() => Promise.all(jobs.map((job) => this.schedules.refresh(job))));
      return;
    }
    for (const job of jobs) {
      const cronJob = new CoordinatedCronJob(
        this.schedules.of(job).schedule,
        (occurrence) => this.onTick(job, occurrence),
        this.clock,
      );
      schedulerRegistry.addCronJob(job.name, cronJob);
      this.registered.push(job.name);
      this.timers.set(job.name, cronJob);
      cronJob.start();
    }
    if (jobs.length > 0) this.logger.log(`${jobs.length} coordinated cron job(s) scheduled`);
    // Each job starts on the code's schedule and moves to an override as soon as it is read, which is after the
    // subscription is up (a change in between is signalled, one before it is read); late runs are planned on the
    // schedule in force.
    this.booted = this.schedules
      .listen()
      .then(() => Promise.all(jobs.map((job) => this.schedules.refresh(job).then(() => this.recoverAtBoot(job)))));
  }

  /**
   * Scheduler callback for the tick `occurrence` (from the schedule, never from when the timer fired, so every
   * instance claims the same key). Must never throw into the timer, whatever happens below it.
   */
  private onTick(job: JobDefinition, occurrence: Date): void {
    try {
      if (this.shutdown.isShuttingDown) return;
      const delay = this.options.jitter ? randomDelay(this.schedules.of(job).jitterMs) : 0;
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
      this.logger.error(callbackFailed(job, error));
    }
  }

  private fire(job: JobDefinition, occurrence: Date): void {
    this.executor
      .run(job, occurrence, { scheduled: true })
      .catch((error: unknown) => this.logger.error(callbackFailed(job, error)));
  }

  // --- run ledger, catch-up and crash resume ----------------------------------------------------------------------

  /**
   * One ledger read per job at boot (nothing at all for a job with neither catch-up nor crash recovery): resumes
   * the job's crashed run if its lease is gone, and runs late what the fleet missed while it was down, planned by the
   * store's clock, which the read answers with.
   */
  private async recoverAtBoot(job: JobDefinition): Promise<void> {
    try {
      if (job.catchup === 'none' && job.crashRecovery === 'none') return;
      let read;
      const sentAt = this.clock.now();
      try {
        read = await this.lock.readLedger(job.name);
      } catch (error) {
        this.logger.warn(`job=${job.name} run=- could not read the run ledger at boot: ${describeError(error)}`);
        return;
      }
      this.storeClock.observe(read.serverTimeMs, sentAt);
      const ledger = read.ledger;
      if (!ledger) return; // a first deploy: nothing to resume, nothing missed
      const lastClaimed = ledger.occurrence;
      if (ledger.state === 'running' && job.crashRecovery === 'resume') {
        void this.takeover.resume(job, lastClaimed);
      }
      const plan = planCatchup(this.schedules.of(job).schedule, {
        mode: job.catchup,
        lastClaimed,
        now: new Date(read.serverTimeMs),
        windowMs: job.catchupWindowMs,
      });
      this.runLate(job, plan, lastClaimed.toISOString());
    } catch (error) {
      this.logger.error(callbackFailed(job, error));
    }
  }

  /**
   * The store answered again after lock errors that began with the claim of `firstMissed`: the occurrences from it
   * up to (not including) `recoveredAt`, the one just claimed, are candidates for a late run.
   */
  private catchUpAfterOutage(job: JobDefinition, firstMissed: Date, recoveredAt: Date): void {
    try {
      const plan = planCatchup(this.schedules.of(job).schedule, {
        mode: job.catchup,
        lastClaimed: new Date(firstMissed.getTime() - 1),
        now: this.storeClock.now(),
        windowMs: job.catchupWindowMs,
        before: recoveredAt,
      });
      this.runLate(job, plan, firstMissed.toISOString());
    } catch (error) {
      this.logger.error(callbackFailed(job, error));
    }
  }

  /** Claims each planned occurrence through its usual key, oldest first, after one fresh delay inside the jitter. */
  private runLate(job: JobDefinition, plan: readonly Date[], since: string): void {
    if (plan.length === 0 || this.shutdown.isShuttingDown) return;
    this.runLog.catchingUp(job.name, plan, since);
    const runAll = async () => {
      for (const occurrence of plan) {
        if (this.shutdown.isShuttingDown) return;
        await this.executor.run(job, occurrence, { catchup: true });
      }
    };
    const start = () => void runAll().catch((error: unknown) => this.logger.error(callbackFailed(job, error)));
    const delay = this.options.jitter ? randomDelay(this.schedules.of(job).jitterMs) : 0;
    if (delay === 0) return start();
    const timer = setTimeout(() => {
      this.waiting.delete(timer);
      start();
    }, delay);
    this.waiting.add(timer);
  }

  private stop(): void {
    void this.schedules.close();
    for (const timer of this.waiting) clearTimeout(timer);
    this.waiting.clear();
    this.timers.clear();
    const schedulerRegistry = this.schedulerRegistry as SchedulerRegistry;
    for (const name of this.registered.splice(0)) {
      if (schedulerRegistry.doesExist('cron', name)) schedulerRegistry.deleteCronJob(name);
    }
  }
}
