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

  // --- Fleet control: pause record, history, run status. ---

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

// --- run ledger, fencing and crash resume -------------------------------------------------------------------------

/** The keys of one claim; every one of them shares the job's hash tag. */
export interface ClaimKeys {
  /** Present while the job is paused. */
  paused: string;
  /** The occurrence's claim (`SET NX`): who won it. */
  occurrence: string;
  /** The job's running lease. */
  lease: string;
  /** The job's fencing counter. */
  fence: string;
  /** The job's run ledger. */
  ledger: string;
  /** Tenants the ledger's occurrence has finished. */
  progress: string;
}

export interface ClaimRequest {
  keys: ClaimKeys;
  /** Written to the occurrence key and the lease. */
  token: string;
  runId: string;
  owner: string;
  /** The occurrence, ISO 8601; with `occurrenceMs` the same instant. */
  occurrence: string;
  occurrenceMs: number;
  claimTtlMs: number;
  leaseTtlMs: number;
  /** How long the ledger outlives its last write. */
  ledgerTtlMs: number;
  /** `trigger()` and backfills run a paused job anyway. */
  ignorePause?: boolean;
}

/**
 * How one claim ended. `won`: the occurrence and the lease are this caller's; `overlap`: the occurrence is this
 * caller's but another run of the job still holds the lease; `duplicate`: another caller claimed the occurrence;
 * `paused`: nothing was claimed. `serverTimeMs` is the store's clock when it answered.
 */
export type ClaimResult =
  | { kind: 'won'; fencingToken: number; serverTimeMs: number }
  | {
      kind: 'duplicate';
      serverTimeMs: number;
      /** Milliseconds the lease has left, when a run of this occurrence is in progress (the ledger says so). */
      runningLeaseMs?: number;
    }
  | { kind: 'overlap'; serverTimeMs: number }
  | { kind: 'paused'; serverTimeMs?: number };

/** Takes over an occurrence whose holder stopped renewing its lease while the ledger still says it runs. */
export interface ResumeRequest {
  keys: ClaimKeys;
  token: string;
  runId: string;
  owner: string;
  /** The occurrence expected in the ledger; a ledger that moved on means there is nothing to resume. */
  occurrence: string;
  leaseTtlMs: number;
  ledgerTtlMs: number;
}

export type ResumeResult =
  | { kind: 'won'; fencingToken: number; serverTimeMs: number; attempt: number; resumedFrom: string }
  /** The lease is still held: look again after `leaseMs`. */
  | { kind: 'held'; leaseMs: number; serverTimeMs: number }
  /** The run finished, someone else resumed it, or the ledger moved on. */
  | { kind: 'gone'; serverTimeMs: number }
  | { kind: 'paused'; serverTimeMs?: number };

/** The ledger's record of the newest occurrence a job claimed. */
export interface LedgerRecord {
  occurrence: string;
  runId: string;
  owner: string;
  state: 'running' | 'done';
  startedAtMs: number;
  attempt: number;
  fencingToken: number;
}

/**
 * The store side of the run ledger. Kept apart from {@link LockStore} so that stores written before it still
 * type-check; the built-in stores implement both.
 */
export interface LedgerLockStore extends LockStore {
  /** One atomic call: pause check, occurrence claim, lease, fencing token and ledger. */
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /** One atomic call: takes over a crashed run of `request.occurrence` when its lease is gone. */
  resume(request: ResumeRequest): Promise<ResumeResult>;
  /** Marks the run done in the ledger (when it is still the ledger's run) and releases the lease, in one call. */
  finish(keys: ClaimKeys, runId: string, token: string): Promise<void>;
  readLedger(key: string): Promise<LedgerRecord | undefined>;
  /** Adds `members` (at most 10,000) to the progress set at `key`. */
  addProgress(key: string, members: readonly string[], ttlMs: number): Promise<void>;
  /** Members of the progress set, read in pages of at most 10,000. */
  readProgress(key: string): Promise<string[]>;
}

export function isLedgerLockStore(store: LockStore): store is LedgerLockStore {
  const candidate = store as Partial<LedgerLockStore>;
  return typeof candidate.claim === 'function' && typeof candidate.resume === 'function';
}
