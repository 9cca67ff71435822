import { type OverlapPolicy } from './cron-window.interface.js';
import { type JobPause, type JobRunReport, type TenantPause } from './job-run-report.interface.js';

/**
 * The store port: everything the library keeps outside the process, in its own terms (jobs, occurrences, leases,
 * tenants, pauses, history). A store turns these calls into its own storage (Redis keys and scripts, PostgreSQL
 * rows, maps in memory) under a namespace of its own (a key prefix), so that two apps with different namespaces
 * share nothing. How long each thing lives travels in the request.
 *
 * Every method may reject; the library bounds each call by `lockTimeout` and treats a rejection or a timeout as a
 * lock error. Each call is atomic on its own: two concurrent `claim`s of one occurrence never both win, and every
 * decision a claim takes (pause, due time, occurrence, lease, fencing token, ledger) is taken in one step.
 * `describeLockStoreContract` (from `nestjs-coordinated-cron/testing`) is the specification every store passes.
 */
export interface LockStore {
  /** A short name for logs, e.g. `'redis'`, `'postgres'` or `'memory'`. */
  readonly kind: string;
  /** True when duplicate suppression holds across processes. */
  readonly shared: boolean;

  // --- Occurrences, the running lease and the ledger ---------------------------------------------------------------

  /**
   * One atomic decision: answers `paused` while the job is paused (unless `ignorePause`), `early` before the
   * occurrence by the store's clock, `duplicate` when the occurrence is claimed already, `late` when the store's
   * clock has reached `lateAt`; otherwise claims the occurrence and, when no other run holds the job's lease, takes
   * it (`won`, with a new fencing token and the ledger pointing at this run) or, by the request's `overlap` policy,
   * answers `overlap` or `queued`. See `ClaimRequest` for the variants (a queued occurrence, a retry run, no lease).
   */
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /**
   * Gives up a claim whose answer its caller never saw (it timed out): removes the occurrence's claim and the lease
   * while they still carry `token`, and closes the ledger entry of `runId`, so the occurrence can be claimed again
   * and is never taken over as if it had crashed.
   */
  abandon(request: AbandonRequest): Promise<void>;
  /**
   * Takes over the run of `occurrence` that the ledger says is running when its lease has expired unrenewed:
   * exactly one caller wins, with a new fencing token and the next attempt number.
   */
  takeOver(request: TakeOverRequest): Promise<TakeOverResult>;
  /**
   * Resets the lease's expiry to `ttlMs` while it still carries `token`: `renewed`, or `lost` when it does not. When
   * another run asked to replace this one (`overlap: 'cancel-running'`), it is renewed all the same (the run winds
   * down under it) and the answer is `cancelled`, naming the replacing occurrence.
   */
  renewLease(request: LeaseRequest): Promise<LeaseRenewal>;
  /** Deletes the lease while it still carries `token`; another holder's lease is left alone. */
  releaseLease(request: Omit<LeaseRequest, 'ttlMs'>): Promise<void>;
  /**
   * The run ended: marks it done in the ledger (while the ledger still names `runId`), counts a failure in a row (or
   * clears the count on a completed run) and pauses the job when `pauseAfter` says so, drops the occurrence's
   * progress, and releases the lease (while it still carries `token`). Answers the occurrence waiting for the lease
   * (`next`), which the caller starts at once by claiming it with `queued`.
   */
  finish(request: FinishRequest): Promise<FinishResult>;
  /** The job's ledger (the newest occurrence it claimed), with the store's clock. */
  readLedger(job: string): Promise<LedgerRead>;
  /** Who holds the job's running lease, or `undefined` when nobody does. */
  readLease(job: string): Promise<LeaseRecord | undefined>;
  /** One cheap call that proves the store answers, with its clock. */
  ping(): Promise<{ serverTimeMs: number }>;

  // --- Tenants -------------------------------------------------------------------------------------------------------

  /**
   * Records tenants that `occurrence`'s run has finished (at most 10,000 a call), so that a run taking it over skips
   * them. Only the ledger's occurrence can be taken over, so a store may ignore or drop progress of any other.
   */
  addProgress(job: string, occurrence: Date, tenantIds: readonly string[], ttlMs: number): Promise<void>;
  /** The tenants recorded done for `occurrence`; none once its run finished or the ledger moved on. */
  readProgress(job: string, occurrence: Date): Promise<string[]>;
  /** The tenants the job's last interrupted run left undone. */
  readPending(job: string): Promise<string[]>;
  /**
   * Records which tenants of `occurrence` failed and wait for another try, with the tries they had (a later record
   * of a tenant replaces an earlier one), so that a run taking the occurrence over goes on with its retries. Like
   * progress, kept for the ledger's occurrence only.
   */
  addRetries(job: string, occurrence: Date, retries: readonly TenantTries[], ttlMs: number): Promise<void>;
  /** The tenants of `occurrence` waiting for another try; none once its run finished or the ledger moved on. */
  readRetries(job: string, occurrence: Date): Promise<TenantTries[]>;
  /** Keeps the tenants an occurrence's run left failed (at most 10,000 listed, and their count), replacing any before. */
  writeFailedTenants(job: string, failed: FailedTenants, ttlMs: number): Promise<void>;
  /** The failed tenants of `occurrence`, or of the newest occurrence that had failures. */
  readFailedTenants(job: string, occurrence?: Date): Promise<FailedTenants | undefined>;
  /** Replaces the pending tenants; an empty list removes them. */
  writePending(job: string, tenantIds: readonly string[], ttlMs: number): Promise<void>;

  // --- Fleet control ---------------------------------------------------------------------------------------------------

  /** Pauses the job; with `record.until`, the pause ends by itself then (by the store's clock). */
  pause(job: string, record: JobPause): Promise<void>;
  /** Ends a pause (and clears the count of failures in a row); no pause is fine. */
  unpause(job: string): Promise<void>;
  readPause(job: string): Promise<JobPause | undefined>;
  /** Puts `report` first in the job's history, keeps the newest `max`, and lets the history live `ttlMs` more. */
  appendHistory(job: string, report: JobRunReport, max: number, ttlMs: number): Promise<void>;
  /** The newest `count` reports, newest first. */
  readHistory(job: string, count: number): Promise<JobRunReport[]>;
  /** Publishes the run in progress for `describe()`; it lives `ttlMs` unless written again. */
  writeRunStatus(job: string, status: RunStatus, ttlMs: number): Promise<void>;
  readRunStatus(job: string): Promise<RunStatus | undefined>;

  // --- Tenants paused one by one -------------------------------------------------------------------------------------

  /** Pauses the job for one tenant; with `record.until`, the pause ends by itself then (by the store's clock). */
  pauseTenant(job: string, tenantId: string, record: JobPause): Promise<void>;
  /** Ends one tenant's pause; no pause is fine. */
  unpauseTenant(job: string, tenantId: string): Promise<void>;
  /**
   * The tenants paused for the job, in one call: the first `limit` of them (all when `limit` is undefined), in no
   * particular order, and how many there are.
   */
  readTenantPauses(job: string, limit?: number): Promise<{ pauses: TenantPause[]; total: number }>;

  // --- Schedules changed at runtime --------------------------------------------------------------------------------------

  /**
   * Replaces the job's schedule override (`null`: back to the schedule in the code), moves its version on, and
   * signals every subscriber. Resolves the new state, with the store's clock as its `changedAt`.
   */
  writeSchedule(job: string, override: ScheduleOverride | null): Promise<ScheduleState>;
  /** The job's schedule state: version 0 and no override for a job never rescheduled. */
  readSchedule(job: string): Promise<ScheduleState>;
  /**
   * Listens for signals the store pushes (a schedule changed) on a connection of its own that sends nothing while it
   * waits. Resolves once listening; `close()` ends it. A store whose connection may end on its own (without coming
   * back by itself) calls `onEnd` once when it does; the caller subscribes again.
   */
  subscribe(listener: (signal: StoreSignal) => void, onEnd?: (error?: unknown) => void): Promise<StoreSubscription>;
}

/** A schedule set at runtime in place of the one in the code; what it leaves out stays as the code says. */
export interface ScheduleOverride {
  cron?: string;
  jitterMs?: number;
  timeZone?: string;
  reason?: string;
  /** The instance that set it. */
  by: string;
}

export interface ScheduleState {
  /** Moves on with every change; 0 for a job never rescheduled. */
  version: number;
  override?: ScheduleOverride;
  /** When the version moved on, by the store's clock. */
  changedAt?: Date;
}

/** What a store pushes to its subscribers. */
export type StoreSignal = { kind: 'schedule'; job: string; version: number };

export interface StoreSubscription {
  close(): Promise<void>;
}

/** How long what a claim writes lives. */
export interface ClaimTtls {
  /** The occurrence stays claimed until this instant by the store's clock... */
  claimUntil: Date;
  /** ...and at least this long after the claim. */
  claimMinMs: number;
  /** The running lease, unless renewed. */
  leaseMs: number;
  /** The ledger and the fencing counter, after their last write. */
  ledgerMs: number;
}

export interface ClaimRequest {
  job: string;
  /** The tick of the schedule this run is for. */
  occurrence: Date;
  /** Written to the claim and the lease: who holds them (`coordination/lease-token.ts`). */
  token: string;
  runId: string;
  /** The instance id, for the ledger. */
  owner: string;
  ttls: ClaimTtls;
  /**
   * Refused as `late` once the store's clock has reached this instant and nobody claimed the occurrence: a
   * scheduled tick whose window has passed by the store's clock (this instance's clock is behind).
   */
  lateAt?: Date;
  /** `trigger()` and backfills run a paused job anyway. */
  ignorePause?: boolean;
  /**
   * A late run (catch-up): when another run holds the lease, the occurrence is left unclaimed (`overlap`), so the late
   * run can ask again once the lease is free instead of using the occurrence up.
   */
  catchup?: boolean;
  /**
   * The schedule version this instance runs on. When the store's differs and the occurrence is not before the change,
   * nothing is claimed (`rescheduled`): the tick belongs to a schedule no longer in force. Default: not checked.
   */
  scheduleVersion?: number;
  /**
   * What to do when another run of the job holds the lease. `skip` (default): the occurrence is claimed and answered
   * `overlap`. `buffer-one`: it is claimed and remembered as the job's next occurrence (`queued`) unless one is
   * remembered already (`overlap`). `cancel-running`: the same, and the running run is asked to stop (its next
   * `renewLease` answers `cancelled`). `allow`: no job-wide lease is taken at all; runs of different occurrences go
   * side by side.
   */
  overlap?: OverlapPolicy;
  /** Claims the occurrence remembered as the job's next (its claim is in place): won only while it is still that. */
  queued?: boolean;
  /**
   * A retry of `occurrence`'s failed tenants (`retryFailed`): only the lease is taken, with a new fencing token; the
   * occurrence's claim and the ledger are left as they are.
   */
  retry?: boolean;
}

/**
 * How a claim ended. Every answer carries the store's clock when it decided. `won`: the occurrence and the lease are
 * this caller's; `overlap`: the occurrence is this caller's but another run of the job holds the lease; `duplicate`:
 * someone else claimed the occurrence; `paused`, `early`, `late`: nothing was claimed.
 */
export type ClaimResult = (
  | { kind: 'won'; fencingToken: number }
  | {
      kind: 'duplicate';
      /** Milliseconds the lease has left, when the ledger says a run of this very occurrence is in progress. */
      runningLeaseMs?: number;
    }
  | {
      kind: 'overlap';
      /** Milliseconds the holder's lease has left. */
      leaseMs: number;
    }
  | { kind: 'paused' }
  /** The occurrence is not due yet by the store's clock; ask again in `dueInMs`. */
  | { kind: 'early'; dueInMs: number }
  | { kind: 'late' }
  /** The schedule changed (to `scheduleVersion`) before this occurrence: it is not one of the schedule in force. */
  | { kind: 'rescheduled' }
  /**
   * Claimed and remembered as the job's next occurrence, to start when the run in progress ends (`buffer-one`, or
   * `cancel-running`, when `cancelling` says that run was asked to stop).
   */
  | { kind: 'queued'; leaseMs: number; cancelling: boolean }
) & {
  serverTimeMs: number;
  /** The version of the job's schedule in the store, so an instance that missed a change corrects itself. */
  scheduleVersion: number;
};

export interface AbandonRequest {
  job: string;
  occurrence: Date;
  token: string;
  runId: string;
}

export interface TakeOverRequest {
  job: string;
  /** The occurrence expected in the ledger; a ledger that moved on means there is nothing to take over. */
  occurrence: Date;
  token: string;
  runId: string;
  owner: string;
  ttls: Pick<ClaimTtls, 'leaseMs' | 'ledgerMs'>;
}

export type TakeOverResult =
  | { kind: 'won'; serverTimeMs: number; fencingToken: number; attempt: number; resumedFrom: string }
  /** The lease is still held: look again after `leaseMs`. */
  | { kind: 'held'; serverTimeMs: number; leaseMs: number }
  /** The run finished, someone else took it over, or the ledger moved on. */
  | { kind: 'gone'; serverTimeMs: number }
  | { kind: 'paused'; serverTimeMs: number };

export interface LeaseRequest {
  job: string;
  token: string;
  ttlMs: number;
}

export interface FinishRequest {
  job: string;
  occurrence: Date;
  runId: string;
  token: string;
  /**
   * How the run ended: `failed` counts one more failure in a row, `completed` clears the count and is the job's last
   * completed run; others leave both. Default: nothing counted.
   */
  outcome?: 'completed' | 'failed' | 'interrupted';
  /** Pause the job with `record` once `failures` runs in a row have failed (`pauseOnFailure`). */
  pauseAfter?: { failures: number; record: JobPause };
}

export interface FinishResult {
  /** The occurrence remembered to run next (`buffer-one`, `cancel-running`): claim it with `queued`. */
  next?: Date;
  /** Failed runs in a row, after this one. */
  consecutiveFailures: number;
  /** This finish paused the job (`pauseAfter`). */
  paused: boolean;
}

/** How a lease renewal went. */
export type LeaseRenewal = { kind: 'renewed' } | { kind: 'lost' } | { kind: 'cancelled'; by: Date };

/** A tenant waiting for another try, and how many calls it has had. */
export interface TenantTries {
  tenantId: string;
  tries: number;
}

/** The tenants an occurrence's run left failed. */
export interface FailedTenants {
  occurrence: Date;
  /** At most 10,000 of them. */
  tenantIds: string[];
  /** How many failed in all. */
  count: number;
}

/** The ledger's record of the newest occurrence a job claimed. */
export interface LedgerRecord {
  occurrence: Date;
  runId: string;
  owner: string;
  state: 'running' | 'done';
  startedAt: Date;
  attempt: number;
  fencingToken: number;
  /** Runs of the job that failed in a row, fleet-wide. */
  consecutiveFailures: number;
  /** The job's last completed run. */
  lastCompleted?: { occurrence: Date; finishedAt: Date };
}

export interface LedgerRead {
  /** Absent for a job that never claimed an occurrence (or whose ledger expired). */
  ledger?: LedgerRecord;
  serverTimeMs: number;
}

export interface LeaseRecord {
  token: string;
  /** Milliseconds until it expires unless renewed. */
  expiresInMs: number;
}

/** The run in progress, as `describe()` shows it. */
export interface RunStatus {
  runId: string;
  instanceId: string;
  /** ISO 8601. */
  startedAt: string;
  /** `@PerTenant()` runs: tenants finished so far, and tenants to run. */
  done?: number;
  total?: number;
}
