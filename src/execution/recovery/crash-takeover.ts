import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock.js';
import { CoordinatedCronLock } from '../../coordination/coordinated-cron.lock.js';
import { ledgerTtlMs } from '../../coordination/ttls.js';
import { type JobDefinition } from '../../definition/job-definition.js';
import { type JobRunReport } from '../../interfaces/index.js';
import { ClaimedRunExecutor } from '../claimed-run.executor.js';
import { RunLog } from '../run-log.js';
import { RunReporter } from '../run-reporter.js';
import { type RunEnd } from '../run-scope.js';
import { ShutdownCoordinator } from '../shutdown.coordinator.js';
import { StoreClock } from '../store-clock.js';
import { describeError } from '../../common/describe-error.js';

/** How long after a watched lease should have expired the take-over is tried (covers timer and network slack). */
const RESUME_SLACK_MS = 100;
/** How often a watcher retries while the store does not answer (a failover), until the run is gone or taken over. */
const RESUME_RETRY_MS = 1_000;

/**
 * Takes over runs whose holder died. A losing instance that learns from its claim that the occurrence is running
 * elsewhere watches that run's lease: one store call when it should expire, and again each time it was renewed
 * instead, only while that run lasts. When the lease expired unreleased, exactly one watcher takes the occurrence
 * over (the store decides) and runs what is left of it.
 */
@Injectable()
export class CrashTakeover {
  /** Watchers, by job and occurrence. */
  private readonly watchers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly lock: CoordinatedCronLock,
    private readonly shutdown: ShutdownCoordinator,
    private readonly runs: ClaimedRunExecutor,
    private readonly reporter: RunReporter,
    private readonly runLog: RunLog,
    private readonly storeClock: StoreClock,
    private readonly clock: Clock,
  ) {
    this.shutdown.onBegin(() => this.stopWatching());
  }

  /** Looks at the run of `occurrence` again after `delayMs`; at most one watcher per job and occurrence. */
  watch(job: JobDefinition, occurrence: Date, delayMs: number): void {
    if (this.shutdown.isShuttingDown || job.crashRecovery !== 'resume') return;
    const key = `${job.name}\n${occurrence.toISOString()}`;
    if (this.watchers.has(key)) return;
    const timer = setTimeout(
      () => {
        this.watchers.delete(key);
        this.resume(job, occurrence).catch((error: unknown) =>
          this.runLog.failed(this.reporter.newContext(job, occurrence), error),
        );
      },
      Math.max(0, delayMs + RESUME_SLACK_MS),
    );
    // Watching never keeps a process alive on its own.
    timer.unref();
    this.watchers.set(key, timer);
  }

  /**
   * Tries now to take over the crashed run of `occurrence`; if its lease is still held, watches it. Resolves the
   * report of the resumed run, or `undefined` when this instance did not resume it (yet).
   */
  async resume(job: JobDefinition, occurrence: Date): Promise<JobRunReport | undefined> {
    if (this.shutdown.isShuttingDown || job.crashRecovery !== 'resume') return undefined;
    const context = this.reporter.newContext(job, occurrence);
    const controller = new AbortController();
    const untrack = this.shutdown.track((reason) => controller.abort(reason));
    try {
      const sentAt = this.clock.now();
      let taken;
      try {
        taken = await this.lock.takeOver(job.name, occurrence, {
          runId: context.runId,
          ledgerTtlMs: ledgerTtlMs(job.catchupWindowMs),
        });
      } catch {
        // The store is away (a failover, a restart): keep trying until it answers, then decide.
        this.watch(job, occurrence, RESUME_RETRY_MS - RESUME_SLACK_MS);
        return undefined;
      }
      this.storeClock.observe(taken.serverTimeMs, sentAt);
      if (taken.kind === 'held') {
        this.watch(job, occurrence, taken.leaseMs);
        return undefined;
      }
      if (taken.kind !== 'won') return undefined;
      context.fencingToken = taken.fencingToken;
      const takeover = { attempt: taken.attempt, resumedFrom: taken.resumedFrom };
      this.runLog.resuming(context, takeover.resumedFrom, takeover.attempt);
      const scope = this.reporter.newScope(context);
      let end: RunEnd;
      try {
        end = await scope.trace.activate(() =>
          this.runs.execute(job, occurrence, context, controller, taken.lease, scope, { takeover }),
        );
      } catch (error) {
        end = { outcome: 'failed', error: describeError(error) };
        this.runLog.failed(context, error);
      }
      const report = this.reporter.report(context, scope, end, takeover);
      await this.reporter.remember(report, scope);
      return report;
    } finally {
      untrack();
    }
  }

  private stopWatching(): void {
    for (const timer of this.watchers.values()) clearTimeout(timer);
    this.watchers.clear();
  }
}
