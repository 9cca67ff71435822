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
 * claim when the job sets one, and never less than a second; a late run's claim at least its catch-up window, so
 * instances that planned the same catch-up run it once.
 */
export function claimLifetime(input: {
  nextWindow: Date;
  lockTtlMs?: number;
  catchup?: boolean;
  catchupWindowMs?: number;
}): { claimUntil: Date; claimMinMs: number } {
  const claimUntil = input.lockTtlMs === undefined ? input.nextWindow : new Date(0);
  const claimMinMs = input.lockTtlMs ?? MIN_CLAIM_TTL_MS;
  if (!input.catchup) return { claimUntil, claimMinMs };
  return { claimUntil, claimMinMs: Math.max(claimMinMs, input.catchupWindowMs ?? 0, MIN_CATCHUP_CLAIM_TTL_MS) };
}
