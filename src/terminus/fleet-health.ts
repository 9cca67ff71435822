import { type Schedule } from '../definition/schedule.js';
import { type JobDescription } from '../interfaces/index.js';
import { type ResolvedHealthOptions } from './health-options.js';
import { staleness } from './staleness.js';

/** A job the health check finds stale, as its details list it. */
export interface StaleJob {
  job: string;
  /** The job's last completed run, fleet-wide (ISO 8601); `null` when none is known. */
  lastCompleted: { occurrence: string; finishedAt: string } | null;
  /** Where the ticks were counted from: the last completed occurrence, or this instance's boot. */
  measuredFrom: string;
  /** When it became stale: the last tick allowed, plus the window and the grace. */
  staleSince: string;
  /** Runs of the job that failed in a row, fleet-wide. */
  consecutiveFailures: number;
}

/** What the health check makes of every job: `down` when one that is not paused is stale. */
export type FleetHealth =
  { kind: 'up'; jobs: number; paused: string[] } | { kind: 'down'; jobs: number; paused: string[]; stale: StaleJob[] };

export interface FleetHealthContext {
  now: Date;
  /** When this instance booted. */
  bootedAt: Date;
  options: ResolvedHealthOptions;
  /** The schedule a description's cron, zone and local-time flag stand for. */
  scheduleOf(job: JobDescription): Pick<Schedule, 'next'>;
}

/**
 * Judges each job by `staleness` on what `describeAll()` returned. A paused job is expected not to run, so it is
 * listed, never stale; a job whose runs keep failing completes nothing, so it goes stale like a stopped one.
 */
export function fleetHealth(jobs: readonly JobDescription[], context: FleetHealthContext): FleetHealth {
  const paused: string[] = [];
  const stale: StaleJob[] = [];
  for (const job of jobs) {
    if (job.paused) {
      paused.push(job.name);
      continue;
    }
    const verdict = staleness({
      schedule: context.scheduleOf(job),
      lastCompleted: job.lastCompleted ? new Date(job.lastCompleted.occurrence) : undefined,
      bootedAt: context.bootedAt,
      jitterMs: job.jitterMs,
      graceMs: context.options.graceMs,
      staleAfter: context.options.staleAfter,
      now: context.now,
    });
    if (verdict.kind === 'fresh') continue;
    stale.push({
      job: job.name,
      lastCompleted: job.lastCompleted ? { ...job.lastCompleted } : null,
      measuredFrom: verdict.measuredFrom.toISOString(),
      staleSince: verdict.staleAt.toISOString(),
      consecutiveFailures: job.consecutiveFailures,
    });
  }
  return stale.length === 0
    ? { kind: 'up', jobs: jobs.length, paused }
    : { kind: 'down', jobs: jobs.length, paused, stale };
}
