import { LockStoreError } from '../common/errors/index.js';
import {
  type ClaimKeys,
  type ClaimRequest,
  type ClaimResult,
  isLedgerLockStore,
  type LedgerLockStore,
  type LedgerRecord,
  type LockStore,
  type ResumeRequest,
  type ResumeResult,
} from '../interfaces/index.js';
import { describeError } from '../common/describe-error.js';
import { withTimeout } from '../common/with-timeout.js';

/**
 * Wraps any lock store so that every call settles within `timeoutMs` and every failure is a `LockStoreError`.
 * Cache clients may swallow errors or hang on a dead socket; a bound that fires is a lock error, never a success.
 */
export class BoundedLockStore implements LedgerLockStore {
  readonly kind: string;
  readonly shared: boolean;

  constructor(
    private readonly inner: LockStore,
    private readonly timeoutMs: number,
  ) {
    this.kind = inner.kind;
    this.shared = inner.shared;
  }

  async acquire(key: string, token: string, ttlMs: number): Promise<boolean> {
    try {
      return await this.bound('acquire', () => this.inner.acquire(key, token, ttlMs));
    } catch (error) {
      // The command may still reach the store later (a paused server, a queued socket). Queue a compare-and-delete
      // behind it so a claim nobody acts on does not linger; its own outcome does not matter.
      void this.bound('release', () => this.inner.release(key, token)).catch(() => undefined);
      throw error;
    }
  }

  extend(key: string, token: string, ttlMs: number): Promise<boolean> {
    return this.bound('extend', () => this.inner.extend(key, token, ttlMs));
  }

  release(key: string, token: string): Promise<boolean> {
    return this.bound('release', () => this.inner.release(key, token));
  }

  readSet(key: string): Promise<string[]> {
    return this.bound('readSet', () => this.inner.readSet(key));
  }

  writeSet(key: string, members: readonly string[]): Promise<void> {
    return this.bound('writeSet', () => this.inner.writeSet(key, members));
  }

  // --- run ledger, fencing and crash resume -----------------------------------------------------------------------

  /** Whether the wrapped store keeps a ledger; when it does not, the ledger methods below reject. */
  get keepsLedger(): boolean {
    return isLedgerLockStore(this.inner);
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    try {
      return await this.bound('claim', () => this.ledger().claim(request));
    } catch (error) {
      // As for acquire: a claim that lands after its caller gave up must not keep the occurrence or the lease.
      void this.bound('release', () => this.inner.release(request.keys.lease, request.token)).catch(() => undefined);
      void this.bound('release', () => this.inner.release(request.keys.occurrence, request.token)).catch(
        () => undefined,
      );
      throw error;
    }
  }

  // --- fleet control: pause record, history, run status ---------------------------------------------------------------

  readValue(key: string): Promise<string | undefined> {
    return this.bound('readValue', () => this.inner.readValue(key));
  }

  writeValue(key: string, value: string, ttlMs?: number): Promise<void> {
    return this.bound('writeValue', () => this.inner.writeValue(key, value, ttlMs));
  }

  deleteKey(key: string): Promise<void> {
    return this.bound('deleteKey', () => this.inner.deleteKey(key));
  }

  pushCapped(key: string, entry: string, maxLength: number): Promise<void> {
    return this.bound('pushCapped', () => this.inner.pushCapped(key, entry, maxLength));
  }

  readList(key: string, count: number): Promise<string[]> {
    return this.bound('readList', () => this.inner.readList(key, count));
  }

  writeHash(key: string, fields: Record<string, string>, ttlMs: number): Promise<void> {
    return this.bound('writeHash', () => this.inner.writeHash(key, fields, ttlMs));
  }

  readHash(key: string): Promise<Record<string, string>> {
    return this.bound('readHash', () => this.inner.readHash(key));
  }

  async resume(request: ResumeRequest): Promise<ResumeResult> {
    try {
      return await this.bound('resume', () => this.ledger().resume(request));
    } catch (error) {
      void this.bound('release', () => this.inner.release(request.keys.lease, request.token)).catch(() => undefined);
      throw error;
    }
  }

  finish(keys: ClaimKeys, runId: string, token: string): Promise<void> {
    return this.bound('finish', () => this.ledger().finish(keys, runId, token));
  }

  readLedger(key: string): Promise<LedgerRecord | undefined> {
    return this.bound('readLedger', () => this.ledger().readLedger(key));
  }

  addProgress(key: string, members: readonly string[], ttlMs: number): Promise<void> {
    return this.bound('addProgress', () => this.ledger().addProgress(key, members, ttlMs));
  }

  readProgress(key: string): Promise<string[]> {
    return this.bound('readProgress', () => this.ledger().readProgress(key));
  }

  private ledger(): LedgerLockStore {
    if (!isLedgerLockStore(this.inner)) throw new LockStoreError(`${this.kind} lock store keeps no run ledger`);
    return this.inner;
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
