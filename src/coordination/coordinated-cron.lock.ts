import { Inject, Injectable } from '@nestjs/common';
import { COORDINATED_CRON_RESOLVED_OPTIONS } from '../common/constants.js';
import type { ResolvedCoordinatedCronOptions } from '../options/module-options.js';
import { LockStoreProvider } from '../store/lock-store.provider.js';
import { claimKey, leaseKey, pendingKey } from './lock-keys.js';
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

  /** True when this instance won the occurrence. Rejects with `LockStoreError`. */
  claim(jobName: string, occurrence: Date, token: string, ttlMs: number): Promise<boolean> {
    return this.stores.store.acquire(claimKey(this.options.keyPrefix, jobName, occurrence), token, ttlMs);
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
}
