import { Injectable, Logger } from '@nestjs/common';
import { LOGGER_CONTEXT } from '../common/constants.js';
import { describeError } from '../common/describe-error.js';
import { CoordinatedCronLock } from '../coordination/coordinated-cron.lock.js';
import { CoordinatedCronRegistry } from '../definition/coordinated-cron.registry.js';
import { parseSchedule } from '../definition/job-definition.factory.js';
import { type JobDefinition } from '../definition/job-definition.js';
import { type Schedule } from '../definition/schedule.js';
import { type ScheduleState, type StoreSubscription } from '../interfaces/index.js';

/** The schedule a job runs on now: the code's, or an override set at runtime, fleet-wide. */
export interface ScheduleInForce {
  schedule: Schedule;
  cron: string;
  timeZone?: string;
  jitterMs: number;
  /** The store's version of the job's schedule this instance runs on; 0 for a job never rescheduled. */
  version: number;
  source: 'code' | 'override';
  reason?: string;
  /** The instance that set the override. */
  by?: string;
  /** When it was set, ISO 8601, by the store's clock. */
  at?: string;
}

type ChangeListener = (job: JobDefinition, inForce: ScheduleInForce) => void;

/**
 * Which schedule each job runs on, kept in step with the store: read at boot, read again when the store signals a
 * change (a subscription that sends nothing while it waits) and when a claim answers with a version this instance
 * does not have (a missed signal). Listeners (the timers) re-arm on every change. Nothing here polls.
 */
@Injectable()
export class SchedulesInForce {
  private readonly logger = new Logger(LOGGER_CONTEXT);
  private readonly inForce = new Map<string, ScheduleInForce>();
  private readonly refreshing = new Map<string, Promise<void>>();
  private readonly listeners: ChangeListener[] = [];
  private subscription?: StoreSubscription;
  private subscribing?: Promise<void>;
  private closed = false;

  constructor(
    private readonly lock: CoordinatedCronLock,
    private readonly registry: CoordinatedCronRegistry,
  ) {}

  /** The schedule `job` runs on now. */
  of(job: JobDefinition): ScheduleInForce {
    return this.inForce.get(job.name) ?? codeSchedule(job);
  }

  /** When the window after `occurrence` opens, on the schedule in force: retries of its run stop there. */
  nextWindow(job: JobDefinition, occurrence: Date): Date {
    return this.of(job).schedule.next(occurrence);
  }

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  /**
   * Reads the job's schedule from the store and applies it. Concurrent calls for one job share one read; a failed
   * read is logged and leaves the schedule as it is (the next claim's answer tries again).
   */
  refresh(job: JobDefinition): Promise<void> {
    const running = this.refreshing.get(job.name);
    if (running) return running;
    const read = this.lock
      .readSchedule(job.name)
      .then((state) => this.apply(job, state))
      .catch((error: unknown) =>
        this.logger.warn(`job=${job.name} run=- could not read its schedule: ${describeError(error)}`),
      )
      .finally(() => this.refreshing.delete(job.name));
    this.refreshing.set(job.name, read);
    return read;
  }

  /** Takes `state` as the job's schedule, unless this instance already runs on that version. */
  apply(job: JobDefinition, state: ScheduleState): void {
    const current = this.of(job);
    if (state.version === current.version) return;
    let next: ScheduleInForce;
    try {
      next = fromState(job, state);
    } catch (error) {
      // Bad data in the store (written by hand, or by a version with other rules): the code's schedule stays, and
      // the version is taken so that claims do not ask again and again.
      this.logger.error(
        `job=${job.name} run=- the schedule override in the lock store is invalid (${describeError(error)}); ` +
          `running on the code's schedule. Fix it with runner.reschedule('${job.name}', …) or reset it with null.`,
      );
      next = { ...codeSchedule(job), version: state.version };
    }
    this.inForce.set(job.name, next);
    this.logger.log(
      `job=${job.name} run=- schedule ${next.source === 'override' ? 'overridden' : 'back to the code'}: cron ` +
        `"${next.cron}"${next.timeZone ? ` in ${next.timeZone}` : ''}, window ${next.jitterMs}ms (version ${next.version})`,
    );
    for (const listener of this.listeners) listener(job, next);
  }

  /**
   * Subscribes to the store's signals once (again after a failure, when called again: the executor calls it after a
   * claim was answered, so a store that was down at boot is listened to once it is back). Never rejects.
   */
  listen(): Promise<void> {
    if (this.subscription || this.closed || this.registry.all().length === 0) return Promise.resolve();
    this.subscribing ??= this.lock
      .subscribe(
        (signal) => {
          const job = this.registry.get(signal.job);
          if (job && signal.version !== this.of(job).version) void this.refresh(job);
        },
        (error) => {
          // The store's connection ended (a restart): listen again at the next claim the store answers.
          this.subscription = undefined;
          this.logger.warn(
            `stopped listening for schedule changes (${describeError(error)}); listening again once the store answers`,
          );
        },
      )
      .then((subscription) => {
        if (this.closed) return subscription.close();
        this.subscription = subscription;
      })
      .catch((error: unknown) =>
        this.logger.warn(
          `could not listen for schedule changes (${describeError(error)}); a change is picked up at the next claim`,
        ),
      )
      .finally(() => (this.subscribing = undefined));
    return this.subscribing;
  }

  /** Stops listening (shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.close().catch(() => undefined);
  }
}

function codeSchedule(job: JobDefinition): ScheduleInForce {
  const inForce: ScheduleInForce = {
    schedule: job.schedule,
    cron: job.cron,
    jitterMs: job.jitterMs,
    version: 0,
    source: 'code',
  };
  if (job.timeZone !== undefined) inForce.timeZone = job.timeZone;
  return inForce;
}

/** The schedule a stored state stands for. Throws when its override does not parse. */
function fromState(job: JobDefinition, state: ScheduleState): ScheduleInForce {
  const override = state.override;
  if (!override) return { ...codeSchedule(job), version: state.version };
  const cron = override.cron ?? job.cron;
  const timeZone = override.timeZone ?? job.timeZone;
  const inForce: ScheduleInForce = {
    schedule: parseSchedule(cron, timeZone, job.perTenant?.localTime === true),
    cron,
    jitterMs: override.jitterMs ?? job.jitterMs,
    version: state.version,
    source: 'override',
    by: override.by,
  };
  if (timeZone !== undefined) inForce.timeZone = timeZone;
  if (override.reason !== undefined) inForce.reason = override.reason;
  if (state.changedAt) inForce.at = state.changedAt.toISOString();
  return inForce;
}
