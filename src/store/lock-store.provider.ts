import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { COORDINATED_CRON_RESOLVED_OPTIONS, LOGGER_CONTEXT } from '../common/constants.js';
import type { ResolvedCoordinatedCronOptions } from '../options/module-options.js';
import { BoundedLockStore } from './bounded-lock-store.js';
import { resolveLockStore, type ResolvedLockStore } from './lock-store.resolver.js';

/**
 * The one lock store of the module, chosen once (on first use) and wrapped so that every call is bounded by
 * `lockTimeout`. Logs the choice, and warns when duplicate suppression is per-process only.
 */
@Injectable()
export class LockStoreProvider {
  private readonly logger = new Logger(LOGGER_CONTEXT);
  private resolved?: { bounded: BoundedLockStore; origin: ResolvedLockStore };

  constructor(
    @Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions,
    private readonly moduleRef: ModuleRef,
    @Optional() @Inject(CACHE_MANAGER) private readonly cacheManager?: unknown,
  ) {}

  get store(): BoundedLockStore {
    return this.resolve().bounded;
  }

  /** The app's cache manager when the store uses its Redis client (its disconnect must wait for the drain). */
  get sharedCacheManager(): object | undefined {
    const origin = this.resolve().origin;
    return origin.source === 'cache-manager' ? origin.cacheManager : undefined;
  }

  private resolve(): { bounded: BoundedLockStore; origin: ResolvedLockStore } {
    if (this.resolved) return this.resolved;
    const origin = resolveLockStore(this.options, this.cacheManager ?? this.findCacheManager());
    const bounded = new BoundedLockStore(origin.store, this.options.lockTimeout);
    this.resolved = { bounded, origin };
    if (bounded.shared) this.logger.log(`lock store: ${bounded.kind} (${origin.source})`);
    else {
      this.logger.warn(
        'no shared lock store: duplicate suppression is per-process only. Pass the redis option (or register ' +
          'CacheModule with a @keyv/redis store) when several instances run.',
      );
    }
    return this.resolved;
  }

  /** A CacheModule that is not global is invisible to injection here; look it up across the app instead. */
  private findCacheManager(): unknown {
    try {
      return this.moduleRef.get(CACHE_MANAGER, { strict: false });
    } catch {
      return undefined;
    }
  }
}
