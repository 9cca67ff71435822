import { Injectable, type OnModuleInit } from '@nestjs/common';
import { LockStoreProvider } from '../store/lock-store.provider.js';
import { ShutdownCoordinator } from './shutdown.coordinator.js';

/**
 * The one place the library reaches into another module's lifecycle. When the lock store is the Redis client of
 * the app's `CACHE_MANAGER`, `@nestjs/cache-manager` disconnects it in its own `onModuleDestroy`, which Nest may
 * run before ours (NestJS 11 and 12 order these hooks differently, and module registration order matters too).
 * The drain still needs the connection to record unprocessed tenants and release leases, so the disconnect is made
 * to begin the drain and wait for it first. A store handed in explicitly is the app's to close: nothing is wrapped.
 */
@Injectable()
export class DrainBeforeCacheDisconnect implements OnModuleInit {
  constructor(
    private readonly stores: LockStoreProvider,
    private readonly shutdown: ShutdownCoordinator,
  ) {}

  onModuleInit(): void {
    const cacheManager = this.stores.sharedCacheManager as { onModuleDestroy?: () => unknown } | undefined;
    const disconnect = cacheManager?.onModuleDestroy;
    if (!cacheManager || typeof disconnect !== 'function') return;
    const shutdown = this.shutdown;
    cacheManager.onModuleDestroy = async function drainThenDisconnect(this: unknown) {
      await shutdown.begin();
      return disconnect.call(this);
    };
  }
}
