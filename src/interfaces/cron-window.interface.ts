/**
 * When a job's windows open and how long each stays open.
 */
export interface CronWindow {
  /** Cron expression with 5 fields (minute first) or 6 (second first). Each tick opens a window. */
  cron: string;
  /**
   * Window length: milliseconds, or a duration string such as `'90s'`, `'15m'`, `'1h'`. Each instance waits a
   * fresh uniform random delay inside `[0, jitter)` after the tick before claiming the occurrence, so replicas do
   * not wake on the same second. Must be shorter than the shortest gap between two ticks.
   * Default: `0` (claim at the tick).
   */
  jitter?: number | string;
  /** IANA time zone the expression is read in, e.g. `'Europe/Berlin'`. Default: the process time zone. */
  timeZone?: string;
  /**
   * How long a won occurrence stays claimed, so that a late or restarted instance does not run it again.
   * Milliseconds or a duration string. Default: until the next window opens.
   */
  lockTtl?: number | string;

  // --- run ledger, catch-up and crash resume -----------------------------------------------------------------------
  /**
   * What an instance does at boot (and when the store answers again after lock errors) about occurrences missed
   * since the job's last claimed one: `'none'`; `'latest'` runs only the newest missed one; `'all'` runs each.
   * A job that has never claimed an occurrence catches up nothing. Default: `'latest'`.
   */
  catchup?: 'none' | 'latest' | 'all';
  /**
   * How late a missed occurrence may still be caught up: milliseconds or a duration string. Default: one period
   * of the schedule (a missed tick is caught up until the tick after it).
   */
  catchupWindow?: number | string;
  /**
   * What happens to an occurrence whose holder died mid-run: `'resume'` has one live instance take it over once the
   * lease expires (a `@PerTenant()` job runs only the tenants not recorded as done); `'none'` leaves it.
   * Default: `'resume'` for `@PerTenant()` jobs, `'none'` for plain jobs.
   */
  crashRecovery?: 'resume' | 'none';

  // --- failure policies --------------------------------------------------------------------------------------------
  /**
   * Calls a failing handler again. A plain job: the whole call, on the instance holding the lease. A `@PerTenant()`
   * job: after the pass over every tenant, only the tenants that failed or timed out. Never past the opening of the
   * job's next window. Default: no retry (`attempts: 1`).
   */
  retry?: RetryPolicy;
  /**
   * What a tick does when it finds a run of the job still in progress, anywhere in the fleet. `'skip'`: it is skipped
   * (`overlap`). `'buffer-one'`: it is remembered (one at most) and starts within a second of the running run's end.
   * `'cancel-running'`: the running run's signal is aborted at its next lease renewal, and the tick starts once its
   * lease is released. `'allow'`: runs of different occurrences go side by side, each still once. Default: `'skip'`.
   */
  overlap?: OverlapPolicy;
  /**
   * Pauses the job fleet-wide after this many failed runs in a row (counted in the store, whichever instances ran
   * them), with `by: 'pauseOnFailure'`; a completed run resets the count, `resume()` lifts the pause. A
   * `@PerTenant()` run counts as failed only when it fails as a whole (its tenants could not be listed), not when some
   * tenants fail. Default: never.
   */
  pauseOnFailure?: number;
}

/** How a failing handler is called again. */
export interface RetryPolicy {
  /** Calls in all, the first included: `1` means no retry. */
  attempts: number;
  /**
   * The wait before the first retry: milliseconds or a duration string; it doubles for each retry after that, and
   * each wait is drawn at random between zero and that (full jitter). Default: `'1s'`.
   */
  backoff?: number | string;
  /** The longest wait between two calls, before the jitter: milliseconds or a duration string. Default: `'1m'`. */
  maxBackoff?: number | string;
}

/** A job's policy for a tick that finds a run of it still in progress. */
export type OverlapPolicy = 'skip' | 'buffer-one' | 'cancel-running' | 'allow';

/** A bare cron expression is a window with no jitter. */
export type CronWindowInput = string | CronWindow;

/** What `@CoordinatedCron` records on a method; validated at boot. */
export interface CoordinatedCronMetadata {
  name: string;
  window: CronWindowInput;
}
