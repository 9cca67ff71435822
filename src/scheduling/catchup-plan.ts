import { type Schedule } from '../definition/schedule.js';

/** More missed occurrences than this are never run late, whatever the window: the oldest are dropped. */
export const MAX_CATCHUP_OCCURRENCES = 1_000;

export interface CatchupInput {
  mode: 'none' | 'latest' | 'all';
  /** The newest occurrence the job claimed (the ledger's), or `undefined` for a job that never ran. */
  lastClaimed?: Date;
  now: Date;
  /** How late a missed tick may still run; undefined: until the tick after it (one period). */
  windowMs?: number;
  /** Only ticks strictly before this one (after an outage: the occurrence whose claim answered again). */
  before?: Date;
}

/**
 * The occurrences to run late, oldest first: the ticks after `lastClaimed` and at or before `now` that are no more
 * than `windowMs` old (by default: whose next tick has not come yet). `'latest'` keeps only the newest of them.
 * A job with no claimed occurrence catches up nothing: its first deploy must not run a tick it was never meant to.
 */
export function planCatchup(schedule: Schedule, input: CatchupInput): Date[] {
  const { mode, lastClaimed, windowMs } = input;
  const now =
    input.before && input.before.getTime() <= input.now.getTime() ? new Date(input.before.getTime() - 1) : input.now;
  if (mode === 'none' || !lastClaimed) return [];
  const missed: Date[] = [];
  if (windowMs === undefined) {
    // One period: only the tick whose window is still open qualifies, the one at or before now (and its window
    // must really still be open when `before` cut the range short).
    const tick = schedule.occurrenceAt(now);
    const open = schedule.next(tick).getTime() > input.now.getTime();
    if (tick.getTime() > lastClaimed.getTime() && open) missed.push(tick);
    return missed;
  }
  const earliest = Math.max(lastClaimed.getTime(), input.now.getTime() - windowMs - 1);
  for (let tick = schedule.next(new Date(earliest)); tick.getTime() <= now.getTime(); tick = schedule.next(tick)) {
    missed.push(tick);
    if (missed.length > MAX_CATCHUP_OCCURRENCES) missed.shift();
  }
  return mode === 'latest' ? missed.slice(-1) : missed;
}
