import { Injectable } from '@nestjs/common';
import { CoordinatedCronLock } from '../../coordination/coordinated-cron.lock.js';
import { type JobDefinition } from '../../definition/job-definition.js';
import { RunLog } from '../run-log.js';
import { ShutdownCoordinator } from '../shutdown.coordinator.js';

/** How long after a watched lease should have expired it is looked at again (covers timer and network slack). */
const LEASE_SLACK_MS = 100;
/** How often a watcher looks again while the store does not answer. */
const STORE_RETRY_MS = 1_000;

/** Starts a queued occurrence: a claim with `queued`, which exactly one caller wins, then the run. */
export type QueuedStarter = (job: JobDefinition, occurrence: Date) => Promise<unknown>;

/**
 * Occurrences remembered to run once the job's running run ends (`overlap: 'buffer-one'` and `'cancel-running'`).
 * The run that ends starts the one its finish names, at once. The instance that queued it also watches the lease, in
 * case the running run's holder dies: one read each time the lease would expire, and a claim once it has. Whoever
 * claims it first runs it; the store lets one claim win.
 */
@Injectable()
export class QueuedRuns {
  private starter?: QueuedStarter;
  /** Watchers, by job and occurrence. */
  private readonly watchers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly lock: CoordinatedCronLock,
    private readonly shutdown: ShutdownCoordinator,
    private readonly runLog: RunLog,
  ) {
    this.shutdown.onBegin(() => {
      for (const timer of this.watchers.values()) clearTimeout(timer);
      this.watchers.clear();
    });
  }

  /** How a queued occurrence is started: set once, by the executor of occurrences (which depends on this). */
  startWith(starter: QueuedStarter): void {
    this.starter = starter;
  }

  /** The run that held the lease ended and its finish named `occurrence`: start it now. */
  start(job: JobDefinition, occurrence: Date): void {
    if (this.shutdown.isShuttingDown || !this.starter) return;
    this.starter(job, occurrence).catch((error: unknown) => this.runLog.queuedStartFailed(job.name, occurrence, error));
  }

  /** Looks at the job's lease after `delayMs`; starts `occurrence` once nobody holds it. One watcher per occurrence. */
  watch(job: JobDefinition, occurrence: Date, delayMs: number): void {
    if (this.shutdown.isShuttingDown) return;
    const key = `${job.name}\n${occurrence.toISOString()}`;
    if (this.watchers.has(key)) return;
    const timer = setTimeout(
      () => {
        this.watchers.delete(key);
        void this.look(job, occurrence);
      },
      Math.max(0, delayMs + LEASE_SLACK_MS),
    );
    // Watching never keeps a process alive on its own.
    timer.unref();
    this.watchers.set(key, timer);
  }

  private async look(job: JobDefinition, occurrence: Date): Promise<void> {
    let lease;
    try {
      lease = await this.lock.readLease(job.name);
    } catch {
      this.watch(job, occurrence, STORE_RETRY_MS - LEASE_SLACK_MS);
      return;
    }
    // Held: by the run it waits for, or by the queued run itself, started meanwhile (its claim then says so).
    if (lease) this.watch(job, occurrence, lease.expiresInMs);
    else this.start(job, occurrence);
  }
}
