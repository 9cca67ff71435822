import { Inject, Injectable } from '@nestjs/common';
import { COORDINATED_CRON_RESOLVED_OPTIONS } from '../common/constants.js';
import type { ResolvedCoordinatedCronOptions } from '../options/module-options.js';
import { LockStoreProvider } from '../store/lock-store.provider.js';
import { type ClaimResult, type LedgerRecord, type ResumeResult } from '../interfaces/index.js';
import {
  historyKey,
  leaseKey,
  ledgerKey,
  occurrenceKeys,
  pausedKey,
  pendingKey,
  progressKey,
  runStatusKey,
} from './lock-keys.js';
import { RunningLease } from './running-lease.js';

/** What a claim asks for, beside the job and occurrence. */
export interface ClaimOptions {
  token: string;
  runId: string;
  claimTtlMs: number;
  ledgerTtlMs: number;
  ignorePause?: boolean;
}

/** A won claim, with the lease it came with. */
export type Claim =
  | { kind: 'won'; fencingToken: number; serverTimeMs?: number; lease: RunningLease }
  | Exclude<ClaimResult, { kind: 'won' }>;

export type Resume =
  | {
      kind: 'won';
      fencingToken: number;
      serverTimeMs: number;
      attempt: number;
      resumedFrom: string;
      lease: RunningLease;
    }
  | Exclude<ResumeResult, { kind: 'won' }>;

/**
 * Decides who runs: claims occurrences (with the pause check, the running lease, the fencing token and the ledger
 * entry in one atomic call), resumes crashed runs, keeps pending and progress sets, all through one time-bounded
 * store. Knows nothing about tenants, handlers or which store answers.
 */
@Injectable()
export class CoordinatedCronLock {
  constructor(
    @Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions,
    private readonly stores: LockStoreProvider,
  ) {}

  /**
   * Claims `occurrence` of `jobName` and, when won, the job's running lease. Rejects with `LockStoreError`.
   * A custom store without a ledger gets the two-step claim it always had (fencing token 0, no pause check).
   */
  async claim(jobName: string, occurrence: Date, options: ClaimOptions): Promise<Claim> {
    const store = this.stores.store;
    const keys = occurrenceKeys(this.options.keyPrefix, jobName, occurrence);
    const leaseTtlMs = this.options.leaseTtl;
    if (!store.keepsLedger) {
      if (!(await store.acquire(keys.occurrence, options.token, options.claimTtlMs)))
        return { kind: 'duplicate', serverTimeMs: Date.now() };
      const lease = await RunningLease.take(store, keys.lease, options.token, leaseTtlMs);
      return lease ? { kind: 'won', fencingToken: 0, lease } : { kind: 'overlap', serverTimeMs: Date.now() };
    }
    const result = await store.claim({
      keys,
      token: options.token,
      runId: options.runId,
      owner: this.options.instanceId,
      occurrence: occurrence.toISOString(),
      occurrenceMs: occurrence.getTime(),
      claimTtlMs: options.claimTtlMs,
      leaseTtlMs,
      ledgerTtlMs: options.ledgerTtlMs,
      ignorePause: options.ignorePause,
    });
    if (result.kind !== 'won') return result;
    return { ...result, lease: RunningLease.held(store, keys.lease, options.token, leaseTtlMs) };
  }

  /** Takes over the crashed run of `occurrence`, if there still is one and its lease is gone. */
  async resume(jobName: string, occurrence: Date, options: Omit<ClaimOptions, 'claimTtlMs'>): Promise<Resume> {
    const store = this.stores.store;
    const keys = occurrenceKeys(this.options.keyPrefix, jobName, occurrence);
    const result = await store.resume({
      keys,
      token: options.token,
      runId: options.runId,
      owner: this.options.instanceId,
      occurrence: occurrence.toISOString(),
      leaseTtlMs: this.options.leaseTtl,
      ledgerTtlMs: options.ledgerTtlMs,
    });
    if (result.kind !== 'won') return result;
    return { ...result, lease: RunningLease.held(store, keys.lease, options.token, this.options.leaseTtl) };
  }

  /** Marks the run done in the ledger and releases its lease; without a ledger, just releases the lease. */
  async finish(jobName: string, occurrence: Date, runId: string, lease: RunningLease): Promise<void> {
    const store = this.stores.store;
    if (!store.keepsLedger) {
      await lease.release();
      return;
    }
    lease.stop();
    await store.finish(occurrenceKeys(this.options.keyPrefix, jobName, occurrence), runId, lease.token);
  }

  /** The job's ledger record; `undefined` when it has none or the store keeps no ledger. */
  async readLedger(jobName: string): Promise<LedgerRecord | undefined> {
    const store = this.stores.store;
    return store.keepsLedger ? store.readLedger(ledgerKey(this.options.keyPrefix, jobName)) : undefined;
  }

  get keepsLedger(): boolean {
    return this.stores.store.keepsLedger;
  }

  addProgress(jobName: string, tenantIds: readonly string[], ttlMs: number): Promise<void> {
    return this.stores.store.addProgress(progressKey(this.options.keyPrefix, jobName), tenantIds, ttlMs);
  }

  readProgress(jobName: string): Promise<string[]> {
    return this.stores.store.readProgress(progressKey(this.options.keyPrefix, jobName));
  }

  readPending(jobName: string): Promise<string[]> {
    return this.stores.store.readSet(pendingKey(this.options.keyPrefix, jobName));
  }

  writePending(jobName: string, tenantIds: readonly string[]): Promise<void> {
    return this.stores.store.writeSet(pendingKey(this.options.keyPrefix, jobName), tenantIds);
  }

  // --- Fleet control: pause record, run history, run progress, who holds the lease. ---

  /** The stored pause record (JSON), or `undefined` when the job is not paused. */
  readPause(jobName: string): Promise<string | undefined> {
    return this.stores.store.readValue(pausedKey(this.options.keyPrefix, jobName));
  }

  /** Stores the pause record; with `ttlMs` it disappears by itself then, which is the automatic resume. */
  writePause(jobName: string, record: string, ttlMs?: number): Promise<void> {
    return this.stores.store.writeValue(pausedKey(this.options.keyPrefix, jobName), record, ttlMs);
  }

  deletePause(jobName: string): Promise<void> {
    return this.stores.store.deleteKey(pausedKey(this.options.keyPrefix, jobName));
  }

  appendHistory(jobName: string, report: string): Promise<void> {
    return this.stores.store.pushCapped(historyKey(this.options.keyPrefix, jobName), report, this.options.historySize);
  }

  readHistory(jobName: string): Promise<string[]> {
    return this.stores.store.readList(historyKey(this.options.keyPrefix, jobName), this.options.historySize);
  }

  /** One store command; the record outlives a crashed writer by one lease TTL at most. */
  writeRunStatus(jobName: string, fields: Record<string, string>): Promise<void> {
    return this.stores.store.writeHash(runStatusKey(this.options.keyPrefix, jobName), fields, this.options.leaseTtl);
  }

  readRunStatus(jobName: string): Promise<Record<string, string>> {
    return this.stores.store.readHash(runStatusKey(this.options.keyPrefix, jobName));
  }

  /** The token of the running lease (`${instanceId}:${runId}`), or `undefined` when no run holds it. */
  readLeaseHolder(jobName: string): Promise<string | undefined> {
    return this.stores.store.readValue(leaseKey(this.options.keyPrefix, jobName));
  }
}
