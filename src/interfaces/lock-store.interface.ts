/**
 * Where occurrences are claimed and running leases are held. Every method may reject; the library bounds each call
 * by `lockTimeout` and treats a rejection or a timeout as a lock error. Implementations must be atomic per call:
 * two concurrent `acquire` calls for one key never both resolve `true`.
 */
export interface LockStore {
  /** Sets `key` to `token` for `ttlMs` only when `key` is absent. Resolves whether this call set it. */
  acquire(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Resets the expiry of `key` to `ttlMs` only while it still holds `token`. Resolves whether it did. */
  extend(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Deletes `key` only while it still holds `token`. Resolves whether it did. */
  release(key: string, token: string): Promise<boolean>;
  /** Members of the set stored at `key` (empty when absent). */
  readSet(key: string): Promise<string[]>;
  /** Replaces the set stored at `key` with `members`; an empty list deletes it. */
  writeSet(key: string, members: readonly string[]): Promise<void>;
  /** A short name for logs, e.g. `'redis'` or `'memory'`. */
  readonly kind: string;
  /** True when duplicate suppression holds across processes. */
  readonly shared: boolean;
}
