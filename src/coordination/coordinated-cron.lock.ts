import { Inject, Injectable } from '@nestjs/common';
import { COORDINATED_CRON_RESOLVED_OPTIONS } from '../common/constants.js';
import type { ResolvedCoordinatedCronOptions } from '../options/module-options.js';
import { LockStoreProvider } from '../store/lock-store.provider.js';
import { claimKey, historyKey, leaseKey, pausedKey, pendingKey, progressKey } from './lock-keys.js';
import { type ClaimResult } from '../interfaces/index.js';
import { RunningLease } from './running-lease.js';

/**
 * Decides who runs: claims occurrences, holds running leases and keeps the pending-tenant sets, all through one
 * time-bounded store. Knows nothing about tenants, handlers or which store answers.
 */
@Injectable()
export class CoordinatedCronLock {
  constructor(
    @Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions,
    private readonly stores: LockStoreProvider,
  ) {}

  /**
   * Claims the occurrence; a paused job answers `paused` in the same atomic step unless `ignorePause` (an operator's
   * explicit trigger or backfill). Rejects with `LockStoreError`.
   */
  claim(
    jobName: string,
    occurrence: Date,
    token: string,
    ttlMs: number,
    opts: { ignorePause?: boolean } = {},
  ): Promise<ClaimResult> {
    const prefix = this.options.keyPrefix;
    const paused = opts.ignorePause ? undefined : pausedKey(prefix, jobName);
    return this.stores.store.claim(claimKey(prefix, jobName, occurrence), token, ttlMs, paused);
  }

  /** The job's running lease, or `undefined` when a run is in progress somewhere. Rejects with `LockStoreError`. */
  takeLease(jobName: string, token: string): Promise<RunningLease | undefined> {
    const key = leaseKey(this.options.keyPrefix, jobName);
    return RunningLease.take(this.stores.store, key, token, this.options.leaseTtl);
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
  writeProgress(jobName: string, fields: Record<string, string>): Promise<void> {
    return this.stores.store.writeHash(progressKey(this.options.keyPrefix, jobName), fields, this.options.leaseTtl);
  }

  readProgress(jobName: string): Promise<Record<string, string>> {
    return this.stores.store.readHash(progressKey(this.options.keyPrefix, jobName));
  }

  /** The token of the running lease (`${instanceId}:${runId}`), or `undefined` when no run holds it. */
  readLeaseHolder(jobName: string): Promise<string | undefined> {
    return this.stores.store.readValue(leaseKey(this.options.keyPrefix, jobName));
  }
}
