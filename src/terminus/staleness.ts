import { type Schedule } from '../definition/schedule.js';

/** What the staleness rule needs to know about one job. */
export interface StalenessInput {
  /** The schedule in force (a runtime override included). */
  schedule: Pick<Schedule, 'next'>;
  /** The occurrence of the job's last completed run, fleet-wide; undefined when none is known. */
  lastCompleted?: Date;
  /** When this instance booted: where a job with no completed run is measured from. */
  bootedAt: Date;
  /** The job's window: a run may start this long after its tick. */
  jitterMs: number;
  /** How long a run may take once it started. */
  graceMs: number;
  /** Ticks of the schedule that may pass without a completed run. */
  staleAfter: number;
  now: Date;
}

/**
 * `fresh` until `staleAt`; `stale` since then. `measuredFrom` is the instant the ticks were counted from: the last
 * completed occurrence, or this instance's boot.
 */
export type Staleness =
  { kind: 'fresh'; measuredFrom: Date; staleAt: Date } | { kind: 'stale'; measuredFrom: Date; staleAt: Date };

/**
 * The rule behind the health check: a job is stale once the `staleAfter`-th tick of its schedule after its last
 * completed occurrence, plus its window and a run's grace, has passed. Had any of those ticks completed, the ledger
 * would name it (or a later one) as the last completed occurrence. A job with no completed run is measured from this
 * instance's boot, so a fresh deploy has `staleAfter` ticks to see one complete.
 *
 * Counted in ticks, not in a fixed period: `0 9 * * 1-5` is not stale on a Monday morning for the weekend's gap.
 */
export function staleness(input: StalenessInput): Staleness {
  const measuredFrom = input.lastCompleted ?? input.bootedAt;
  let tick = measuredFrom;
  for (let passed = 0; passed < input.staleAfter; passed++) tick = input.schedule.next(tick);
  const staleAt = new Date(tick.getTime() + input.jitterMs + input.graceMs);
  return { kind: input.now.getTime() > staleAt.getTime() ? 'stale' : 'fresh', measuredFrom, staleAt };
}
