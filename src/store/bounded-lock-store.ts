import { LockStoreError } from '../common/errors/index.js';
import { type ClaimResult, type LockStore } from '../interfaces/index.js';
import { describeError } from '../common/describe-error.js';
import { withTimeout } from '../common/with-timeout.js';

/**
 * Wraps any lock store so that every call settles within `timeoutMs` and every failure is a `LockStoreError`.
 * Cache clients may swallow errors or hang on a dead socket; a bound that fires is a lock error, never a success.
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

  // --- Fleet control: pause, history, run progress. ---

  async claim(key: string, token: string, ttlMs: number, pausedKey: string | undefined): Promise<ClaimResult> {
    try {
      return await this.bound('claim', () => this.inner.claim(key, token, ttlMs, pausedKey));
    } catch (error) {
      // As for acquire: a claim that timed out may still land; release it so nobody is left holding it.
      void this.bound('release', () => this.inner.release(key, token)).catch(() => undefined);
      throw error;
    }
  }

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
