import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { COORDINATED_CRON_RESOLVED_OPTIONS, LOGGER_CONTEXT } from '../coordinated-cron.constants.js';
import * as messages from '../coordinated-cron.messages.js';
import type { ResolvedCoordinatedCronOptions } from '../coordinated-cron.options.js';
import { ShutdownCoordinator } from '../execution/shutdown.coordinator.js';
import { type LockStore } from '../interfaces/index.js';
import { BoundedLockStore } from './bounded-lock-store.js';
import { claimKey, leaseKey, pendingKey } from './lock-keys.js';
import { resolveLockStore } from './lock-store.resolver.js';
import { RunningLease } from './running-lease.js';

/**
 * Decides who runs: claims occurrences, holds running leases and keeps the pending-tenant sets, all through one
 * time-bounded store. Knows nothing about tenants or handlers.
 */
@Injectable()
export class CoordinatedCronLock implements OnModuleInit {
  private readonly logger = new Logger(LOGGER_CONTEXT);
  private store!: LockStore;

  constructor(
    @Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions,
    private readonly moduleRef: ModuleRef,
    private readonly shutdown: ShutdownCoordinator,
    @Optional() @Inject(CACHE_MANAGER) private readonly cacheManager?: unknown,
  ) {}

  onModuleInit(): void {
    const resolved = resolveLockStore(this.options.lockStore, this.cacheManager ?? this.findCacheManager());
    this.store = new BoundedLockStore(resolved.store, this.options.lockTimeout);
    if (resolved.cacheManager) this.deferDisconnectUntilDrained(resolved.cacheManager);
    if (this.store.shared) this.logger.log(messages.lockStoreChosen(this.store.kind));
    else this.logger.warn(messages.perProcessLockWarning());
  }

  /** True when this instance won the occurrence. Rejects with `LockStoreError`. */
  claim(jobName: string, occurrence: Date, token: string, ttlMs: number): Promise<boolean> {
    return this.store.acquire(claimKey(this.options.keyPrefix, jobName, occurrence), token, ttlMs);
  }

  /** The job's running lease, or `undefined` when a run is in progress somewhere. Rejects with `LockStoreError`. */
  takeLease(jobName: string, token: string): Promise<RunningLease | undefined> {
    return RunningLease.take(this.store, leaseKey(this.options.keyPrefix, jobName), token, this.options.leaseTtl);
  }

  readPending(jobName: string): Promise<string[]> {
    return this.store.readSet(pendingKey(this.options.keyPrefix, jobName));
  }

  writePending(jobName: string, tenantIds: readonly string[]): Promise<void> {
    return this.store.writeSet(pendingKey(this.options.keyPrefix, jobName), tenantIds);
  }

  /** A CacheModule that is not global is invisible to injection here; look it up across the app instead. */
  private findCacheManager(): unknown {
    try {
      return this.moduleRef.get(CACHE_MANAGER, { strict: false });
    } catch {
      return undefined;
    }
  }

  /**
   * @nestjs/cache-manager disconnects its stores in its own onModuleDestroy, which may run before ours. The drain
   * still needs the connection (pending tenants, lease release), so the disconnect first waits for the drain.
   */
  private deferDisconnectUntilDrained(cacheManager: object): void {
    const target = cacheManager as { onModuleDestroy?: () => unknown };
    const disconnect = target.onModuleDestroy;
    if (typeof disconnect !== 'function') return;
    const shutdown = this.shutdown;
    target.onModuleDestroy = async function drainThenDisconnect(this: unknown) {
      await shutdown.begin();
      return disconnect.call(this);
    };
  }
}
