import { LockStoreError } from '../common/errors/index.js';
import {
  type AbandonRequest,
  type ClaimRequest,
  type ClaimResult,
  type FailedTenants,
  type FinishRequest,
  type FinishResult,
  type LeaseRenewal,
  type TenantTries,
  type JobPause,
  type JobRunReport,
  type LeaseRecord,
  type LeaseRequest,
  type LedgerRead,
  type LockStore,
  type RunStatus,
  type ScheduleOverride,
  type ScheduleState,
  type StoreSignal,
  type StoreSubscription,
  type TakeOverRequest,
  type TakeOverResult,
  type TenantPause,
} from '../interfaces/index.js';
import { describeError } from '../common/describe-error.js';
import { withTimeout } from '../common/with-timeout.js';

/**
 * Wraps any lock store so that every call settles within `timeoutMs` and every failure is a `LockStoreError`.
 * Clients may swallow errors or hang on a dead socket; a bound that fires is a lock error, never a success.
 */
export class BoundedLockStore implements LockStore {
  readonly kind: string;
  readonly shared: boolean;

  constructor(
    private readonly inner: LockStore,
    private readonly timeoutMs: number,
  ) {
    this.kind = inner.kind;
    this.shared = inner.shared;
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    try {
      return await this.bound('claim', () => this.inner.claim(request));
    } catch (error) {
      // The call may still reach the store later (a paused server, a queued socket). Queue the undoing behind it, so
      // that a claim nobody acts on neither holds the occurrence and the lease nor looks like a crashed run.
      const { job, occurrence, token, runId } = request;
      this.afterwards('abandon', () => this.inner.abandon({ job, occurrence, token, runId }));
      throw error;
    }
  }

  abandon(request: AbandonRequest): Promise<void> {
    return this.bound('abandon', () => this.inner.abandon(request));
  }

  async takeOver(request: TakeOverRequest): Promise<TakeOverResult> {
    try {
      return await this.bound('takeOver', () => this.inner.takeOver(request));
    } catch (error) {
      // As for a claim; the ledger still names the crashed run, so a live instance takes it over in the end.
      this.afterwards('releaseLease', () => this.inner.releaseLease({ job: request.job, token: request.token }));
      throw error;
    }
  }

  renewLease(request: LeaseRequest): Promise<LeaseRenewal> {
    return this.bound('renewLease', () => this.inner.renewLease(request));
  }

  releaseLease(request: Omit<LeaseRequest, 'ttlMs'>): Promise<void> {
    return this.bound('releaseLease', () => this.inner.releaseLease(request));
  }

  finish(request: FinishRequest): Promise<FinishResult> {
    return this.bound('finish', () => this.inner.finish(request));
  }

  readLedger(job: string): Promise<LedgerRead> {
    return this.bound('readLedger', () => this.inner.readLedger(job));
  }

  readLease(job: string): Promise<LeaseRecord | undefined> {
    return this.bound('readLease', () => this.inner.readLease(job));
  }

  ping(): Promise<{ serverTimeMs: number }> {
    return this.bound('ping', () => this.inner.ping());
  }

  addProgress(job: string, occurrence: Date, tenantIds: readonly string[], ttlMs: number): Promise<void> {
    return this.bound('addProgress', () => this.inner.addProgress(job, occurrence, tenantIds, ttlMs));
  }

  readProgress(job: string, occurrence: Date): Promise<string[]> {
    return this.bound('readProgress', () => this.inner.readProgress(job, occurrence));
  }

  readPending(job: string): Promise<string[]> {
    return this.bound('readPending', () => this.inner.readPending(job));
  }

  addRetries(job: string, occurrence: Date, retries: readonly TenantTries[], ttlMs: number): Promise<void> {
    return this.bound('addRetries', () => this.inner.addRetries(job, occurrence, retries, ttlMs));
  }

  readRetries(job: string, occurrence: Date): Promise<TenantTries[]> {
    return this.bound('readRetries', () => this.inner.readRetries(job, occurrence));
  }

  writeFailedTenants(job: string, failed: FailedTenants, ttlMs: number): Promise<void> {
    return this.bound('writeFailedTenants', () => this.inner.writeFailedTenants(job, failed, ttlMs));
  }

  readFailedTenants(job: string, occurrence?: Date): Promise<FailedTenants | undefined> {
    return this.bound('readFailedTenants', () => this.inner.readFailedTenants(job, occurrence));
  }

  writePending(job: string, tenantIds: readonly string[], ttlMs: number): Promise<void> {
    return this.bound('writePending', () => this.inner.writePending(job, tenantIds, ttlMs));
  }

  pause(job: string, record: JobPause): Promise<void> {
    return this.bound('pause', () => this.inner.pause(job, record));
  }

  unpause(job: string): Promise<void> {
    return this.bound('unpause', () => this.inner.unpause(job));
  }

  readPause(job: string): Promise<JobPause | undefined> {
    return this.bound('readPause', () => this.inner.readPause(job));
  }

  appendHistory(job: string, report: JobRunReport, max: number, ttlMs: number): Promise<void> {
    return this.bound('appendHistory', () => this.inner.appendHistory(job, report, max, ttlMs));
  }

  readHistory(job: string, count: number): Promise<JobRunReport[]> {
    return this.bound('readHistory', () => this.inner.readHistory(job, count));
  }

  writeRunStatus(job: string, status: RunStatus, ttlMs: number): Promise<void> {
    return this.bound('writeRunStatus', () => this.inner.writeRunStatus(job, status, ttlMs));
  }

  readRunStatus(job: string): Promise<RunStatus | undefined> {
    return this.bound('readRunStatus', () => this.inner.readRunStatus(job));
  }

  pauseTenant(job: string, tenantId: string, record: JobPause): Promise<void> {
    return this.bound('pauseTenant', () => this.inner.pauseTenant(job, tenantId, record));
  }

  unpauseTenant(job: string, tenantId: string): Promise<void> {
    return this.bound('unpauseTenant', () => this.inner.unpauseTenant(job, tenantId));
  }

  readTenantPauses(job: string, limit?: number): Promise<{ pauses: TenantPause[]; total: number }> {
    return this.bound('readTenantPauses', () => this.inner.readTenantPauses(job, limit));
  }

  writeSchedule(job: string, override: ScheduleOverride | null): Promise<ScheduleState> {
    return this.bound('writeSchedule', () => this.inner.writeSchedule(job, override));
  }

  readSchedule(job: string): Promise<ScheduleState> {
    return this.bound('readSchedule', () => this.inner.readSchedule(job));
  }

  async subscribe(
    listener: (signal: StoreSignal) => void,
    onEnd?: (error?: unknown) => void,
  ): Promise<StoreSubscription> {
    let work: Promise<StoreSubscription> | undefined;
    try {
      return await this.bound('subscribe', () => (work = this.inner.subscribe(listener, onEnd)));
    } catch (error) {
      // A subscription that comes up after its caller gave up would listen for nobody: close it then.
      void work?.then((late) => late.close()).catch(() => undefined);
      throw error;
    }
  }

  /** A compensating call whose own outcome does not matter. */
  private afterwards(operation: string, call: () => Promise<unknown>): void {
    void this.bound(operation, call).catch(() => undefined);
  }

  private async bound<T>(operation: string, call: () => Promise<T>): Promise<T> {
    let work: Promise<T>;
    try {
      work = call();
    } catch (error) {
      throw asLockError(operation, error);
    }
    try {
      return await withTimeout(
        work,
        this.timeoutMs,
        () => new LockStoreError(`${this.kind} lock store: ${operation} did not answer within ${this.timeoutMs}ms`),
      );
    } catch (error) {
      throw asLockError(operation, error);
    }
  }
}

function asLockError(operation: string, error: unknown): LockStoreError {
  if (error instanceof LockStoreError) return error;
  return new LockStoreError(`lock store ${operation} failed: ${describeError(error)}`, { cause: error });
}
