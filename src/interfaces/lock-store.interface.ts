/** What a claim found: this caller won the occurrence, someone already holds it, or the job is paused. */
export type ClaimResult = { kind: 'won' } | { kind: 'duplicate' } | { kind: 'paused' };

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

  // --- Fleet control: pause, history, run progress. ---

  /**
   * Claims `key` like `acquire`, in one atomic step with a look at `pausedKey`: when that key exists (and
   * `pausedKey` is given), answers `paused` and sets nothing. Pass `undefined` to ignore pauses.
   */
  claim(key: string, token: string, ttlMs: number, pausedKey: string | undefined): Promise<ClaimResult>;
  /** The string at `key`, or `undefined` when absent. */
  readValue(key: string): Promise<string | undefined>;
  /** Sets `key` to `value`, expiring after `ttlMs` when given (else it lives until deleted). */
  writeValue(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Deletes `key`; absent is fine. */
  deleteKey(key: string): Promise<void>;
  /** Puts `entry` at the head of the list at `key` and trims it to `maxLength` entries. */
  pushCapped(key: string, entry: string, maxLength: number): Promise<void>;
  /** The first `count` entries of the list at `key` (newest first). */
  readList(key: string, count: number): Promise<string[]>;
  /** Sets `fields` on the hash at `key` and its expiry to `ttlMs`: one store command. */
  writeHash(key: string, fields: Record<string, string>, ttlMs: number): Promise<void>;
  /** All fields of the hash at `key` (empty when absent). */
  readHash(key: string): Promise<Record<string, string>>;
  /** A short name for logs, e.g. `'redis'` or `'memory'`. */
  readonly kind: string;
  /** True when duplicate suppression holds across processes. */
  readonly shared: boolean;
}
