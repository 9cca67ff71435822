/**
 * How long each thing the library keeps in the store lives: every duration the stores are given is defined here once.
 * A store never decides a lifetime of its own; it is told one with each write.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** A won claim never expires sooner than this, so a restarted instance cannot run the occurrence again at once. */
export const MIN_CLAIM_TTL_MS = 1_000;

/** A late claim (catch-up) is kept at least this long, so instances that planned the same catch-up run it once. */
export const MIN_CATCHUP_CLAIM_TTL_MS = 60_000;

/**
 * The ledger (and the fencing counter beside it) is read long after it was written: the catch-up of a job that ticks
 * once a year. Twice the job's catch-up window when that is longer.
 */
export const MIN_LEDGER_TTL_MS = 400 * DAY_MS;

/** Pending tenants outlive any deploy, but not forever: a job removed from the code must not leave them behind. */
export const PENDING_TTL_MS = 7 * DAY_MS;

/** A job that stops running keeps its history for a while, not forever. */
export const HISTORY_TTL_MS = 30 * DAY_MS;

/** The ledger's lifetime for a job with this catch-up window. */
export function ledgerTtlMs(catchupWindowMs: number | undefined): number {
  return Math.max(MIN_LEDGER_TTL_MS, 2 * (catchupWindowMs ?? 0));
}

/**
 * How long a won claim keeps its occurrence: until the next window opens (by the store's clock), or `lockTtl` from the
 * claim when the job sets one, and never less than a second. A job that catches up keeps every claim at least until
 * its catch-up window ends, counted from the tick: a late run of an occurrence that did run then finds it claimed.
 * A late run's own claim is kept at least its catch-up window too, so instances that planned the same catch-up run it
 * once.
 */
export function claimLifetime(input: {
  occurrence: Date;
  nextWindow: Date;
  lockTtlMs?: number;
  /** The job catches up missed occurrences (`catchup` other than `'none'`). */
  catchesUp?: boolean;
  /** This claim is a late run. */
  catchup?: boolean;
  catchupWindowMs?: number;
}): { claimUntil: Date; claimMinMs: number } {
  const byLockTtl = input.lockTtlMs === undefined ? input.nextWindow.getTime() : 0;
  const byCatchup =
    input.catchesUp && input.catchupWindowMs !== undefined ? input.occurrence.getTime() + input.catchupWindowMs : 0;
  const claimUntil = new Date(Math.max(byLockTtl, byCatchup));
  const claimMinMs = input.lockTtlMs ?? MIN_CLAIM_TTL_MS;
  if (!input.catchup) return { claimUntil, claimMinMs };
  return { claimUntil, claimMinMs: Math.max(claimMinMs, input.catchupWindowMs ?? 0, MIN_CATCHUP_CLAIM_TTL_MS) };
}

/** Until when a late run of `occurrence` may still start: its catch-up window, or one period, from the tick. */
export function catchupDeadline(occurrence: Date, nextWindow: Date, catchupWindowMs: number | undefined): number {
  return catchupWindowMs === undefined ? nextWindow.getTime() : occurrence.getTime() + catchupWindowMs;
}
