import { Inject, Injectable } from '@nestjs/common';
import { COORDINATED_CRON_RESOLVED_OPTIONS } from '../common/constants.js';
import type { ResolvedCoordinatedCronOptions } from '../options/module-options.js';
import { LockStoreProvider } from '../store/lock-store.provider.js';
import {
  type ClaimResult,
  type FailedTenants,
  type FinishResult,
  type JobPause,
  type OverlapPolicy,
  type JobRunReport,
  type LeaseRecord,
  type LedgerRead,
  type RunStatus,
  type ScheduleOverride,
  type ScheduleState,
  type StoreSignal,
  type StoreSubscription,
  type TakeOverResult,
  type TenantPause,
  type TenantTries,
} from '../interfaces/index.js';
import { leaseToken, parseLeaseToken } from './lease-token.js';
import { RunningLease } from './running-lease.js';
import { HISTORY_TTL_MS, PENDING_TTL_MS } from './ttls.js';

/** What a claim asks for, beside the job and occurrence. */
export interface ClaimOptions {
  runId: string;
  /** The occurrence stays claimed until then by the store's clock, and at least `claimMinMs`. */
  claimUntil: Date;
  claimMinMs: number;
  ledgerTtlMs: number;
  /** A scheduled tick: refused as late once the store's clock reaches this instant. */
  lateAt?: Date;
  ignorePause?: boolean;
  /** The schedule version this instance runs on (unset: not checked). */
  scheduleVersion?: number;
  /** A late run: an occurrence whose lease is held is left unclaimed. */
  catchup?: boolean;
  /** The job's overlap policy. Default: `'skip'`. */
  overlap?: OverlapPolicy;
  /** Starts the occurrence remembered to run next (its claim is in place already). */
  queued?: boolean;
  /** A run of the occurrence's failed tenants: only the lease is taken. */
  retry?: boolean;
}

/** How a run that holds a lease ended, for the ledger's count of failures in a row. */
export interface FinishOptions {
  outcome?: 'completed' | 'failed' | 'interrupted';
  /** Pause the job once this many runs in a row have failed. */
  pauseAfter?: number;
}

/** A claim, with the lease it came with when it was won. */
export type Claim =
  (Extract<ClaimResult, { kind: 'won' }> & { lease: RunningLease }) | Exclude<ClaimResult, { kind: 'won' }>;

export type TakeOver =
  | {
      kind: 'won';
      fencingToken: number;
      serverTimeMs: number;
      attempt: number;
      resumedFrom: string;
      lease: RunningLease;
    }
  | Exclude<TakeOverResult, { kind: 'won' }>;

/** The run that holds a job's lease, as `describe()` shows it. */
export interface LeaseHolder {
  instanceId: string;
  runId: string;
}

/**
 * Decides who runs, through the one time-bounded store: claims occurrences (pause check, due time, running lease,
 * fencing token and ledger in one atomic call), takes over crashed runs, and keeps what the fleet shares about a job
 * (progress, pending tenants, pause, history, run status). Fills in this instance's name, tokens and lifetimes; knows
 * nothing about tenants, handlers or which store answers.
 */
@Injectable()
export class CoordinatedCronLock {
  constructor(
    @Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions,
    private readonly stores: LockStoreProvider,
  ) {}

  /** Claims `occurrence` of `job` and, when won, the job's running lease. Rejects with `LockStoreError`. */
  async claim(job: string, occurrence: Date, options: ClaimOptions): Promise<Claim> {
    const store = this.stores.store;
    const token = this.tokenOf(options.runId);
    const result = await store.claim({
      job,
      occurrence,
      token,
      runId: options.runId,
      owner: this.options.instanceId,
      ttls: {
        claimUntil: options.claimUntil,
        claimMinMs: options.claimMinMs,
        leaseMs: this.options.leaseTtl,
        ledgerMs: options.ledgerTtlMs,
      },
      lateAt: options.lateAt,
      ignorePause: options.ignorePause,
      scheduleVersion: options.scheduleVersion,
      catchup: options.catchup,
      overlap: options.overlap,
      queued: options.queued,
      retry: options.retry,
    });
    if (result.kind !== 'won') return result;
    // Runs that may overlap share no job-wide lease: theirs only carries the token to the finish.
    const held = options.overlap !== 'allow';
    return { ...result, lease: new RunningLease(store, job, token, this.options.leaseTtl, held) };
  }

  /** Takes over the crashed run of `occurrence`, if there still is one and its lease is gone. */
  async takeOver(job: string, occurrence: Date, options: { runId: string; ledgerTtlMs: number }): Promise<TakeOver> {
    const store = this.stores.store;
    const token = this.tokenOf(options.runId);
    const result = await store.takeOver({
      job,
      occurrence,
      token,
      runId: options.runId,
      owner: this.options.instanceId,
      ttls: { leaseMs: this.options.leaseTtl, ledgerMs: options.ledgerTtlMs },
    });
    if (result.kind !== 'won') return result;
    return { ...result, lease: new RunningLease(store, job, token, this.options.leaseTtl) };
  }

  /**
   * Marks the run done in the ledger, counts a failure in a row (pausing the job at `pauseAfter`) and releases its
   * lease, in one call. Resolves the occurrence waiting for the lease, if one is.
   */
  async finish(
    job: string,
    occurrence: Date,
    runId: string,
    lease: RunningLease,
    options: FinishOptions = {},
  ): Promise<FinishResult> {
    lease.stop();
    const { outcome, pauseAfter } = options;
    return this.stores.store.finish({
      job,
      occurrence,
      runId,
      token: lease.token,
      outcome,
      pauseAfter:
        pauseAfter === undefined ? undefined : { failures: pauseAfter, record: this.failurePause(pauseAfter) },
    });
  }

  private failurePause(failures: number): JobPause {
    return {
      since: new Date().toISOString(),
      by: 'pauseOnFailure',
      reason: `paused after ${failures} consecutive failures`,
    };
  }

  readLedger(job: string): Promise<LedgerRead> {
    return this.stores.store.readLedger(job);
  }

  addProgress(job: string, occurrence: Date, tenantIds: readonly string[], ttlMs: number): Promise<void> {
    return this.stores.store.addProgress(job, occurrence, tenantIds, ttlMs);
  }

  readProgress(job: string, occurrence: Date): Promise<string[]> {
    return this.stores.store.readProgress(job, occurrence);
  }

  readPending(job: string): Promise<string[]> {
    return this.stores.store.readPending(job);
  }

  writePending(job: string, tenantIds: readonly string[]): Promise<void> {
    return this.stores.store.writePending(job, tenantIds, PENDING_TTL_MS);
  }

  addRetries(job: string, occurrence: Date, retries: readonly TenantTries[], ttlMs: number): Promise<void> {
    return this.stores.store.addRetries(job, occurrence, retries, ttlMs);
  }

  readRetries(job: string, occurrence: Date): Promise<TenantTries[]> {
    return this.stores.store.readRetries(job, occurrence);
  }

  /** Kept as long as the history: an operator retries them from the page. */
  writeFailedTenants(job: string, failed: FailedTenants): Promise<void> {
    return this.stores.store.writeFailedTenants(job, failed, HISTORY_TTL_MS);
  }

  readFailedTenants(job: string, occurrence?: Date): Promise<FailedTenants | undefined> {
    return this.stores.store.readFailedTenants(job, occurrence);
  }

  // --- Fleet control: pause record, run history, run progress, who holds the lease. ---

  readPause(job: string): Promise<JobPause | undefined> {
    return this.stores.store.readPause(job);
  }

  /** With `record.until`, the pause ends by itself then: the automatic resume. */
  pause(job: string, record: JobPause): Promise<void> {
    return this.stores.store.pause(job, record);
  }

  unpause(job: string): Promise<void> {
    return this.stores.store.unpause(job);
  }

  appendHistory(report: JobRunReport): Promise<void> {
    return this.stores.store.appendHistory(report.jobName, report, this.options.historySize, HISTORY_TTL_MS);
  }

  readHistory(job: string): Promise<JobRunReport[]> {
    return this.stores.store.readHistory(job, this.options.historySize);
  }

  /** One store call; the record outlives a crashed writer by one lease TTL at most. */
  writeRunStatus(job: string, status: RunStatus): Promise<void> {
    return this.stores.store.writeRunStatus(job, status, this.options.leaseTtl);
  }

  readRunStatus(job: string): Promise<RunStatus | undefined> {
    return this.stores.store.readRunStatus(job);
  }

  // --- Tenants paused one by one, and schedules changed at runtime. ---

  pauseTenant(job: string, tenantId: string, record: JobPause): Promise<void> {
    return this.stores.store.pauseTenant(job, tenantId, record);
  }

  unpauseTenant(job: string, tenantId: string): Promise<void> {
    return this.stores.store.unpauseTenant(job, tenantId);
  }

  /** Every tenant paused for the job (a run), or the first `limit` of them (describe()). */
  readTenantPauses(job: string, limit?: number): Promise<{ pauses: TenantPause[]; total: number }> {
    return this.stores.store.readTenantPauses(job, limit);
  }

  writeSchedule(job: string, override: ScheduleOverride | null): Promise<ScheduleState> {
    return this.stores.store.writeSchedule(job, override);
  }

  readSchedule(job: string): Promise<ScheduleState> {
    return this.stores.store.readSchedule(job);
  }

  subscribe(listener: (signal: StoreSignal) => void, onEnd?: (error?: unknown) => void): Promise<StoreSubscription> {
    return this.stores.store.subscribe(listener, onEnd);
  }

  /** The job's lease and how long it has left, or `undefined` when nobody holds it. */
  readLease(job: string): Promise<LeaseRecord | undefined> {
    return this.stores.store.readLease(job);
  }

  /** The run that holds the job's lease, or `undefined` when none does. */
  async readLeaseHolder(job: string): Promise<LeaseHolder | undefined> {
    const lease = await this.readLease(job);
    return lease ? parseLeaseToken(lease.token) : undefined;
  }

  private tokenOf(runId: string): string {
    return leaseToken(this.options.instanceId, runId);
  }
}
