import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { COORDINATED_CRON_RESOLVED_OPTIONS, LOGGER_CONTEXT } from '../common/constants.js';
import { describeError } from '../common/describe-error.js';
import type { ResolvedCoordinatedCronOptions } from '../options/module-options.js';
import { BoundedLockStore } from './bounded-lock-store.js';
import { resolveLockStore, type ResolvedLockStore } from './lock-store.resolver.js';
import { PostgresSchemaError } from './postgres/postgres-schema.error.js';

/** The boot's wait for the PostgreSQL schema: creating it may wait for another instance that is creating it. */
const PREPARE_AT_BOOT_MIN_MS = 5_000;

/**
 * The one lock store of the module, chosen once (at boot, or on first use) and wrapped so that every call is bounded
 * by `lockTimeout`. Logs the choice, and warns when duplicate suppression is per-process only. A PostgreSQL store's
 * schema is checked (or created) at boot, so that a missing one fails the boot rather than every run.
 */
@Injectable()
export class LockStoreProvider implements OnModuleInit {
  private readonly logger = new Logger(LOGGER_CONTEXT);
  private resolved?: { bounded: BoundedLockStore; origin: ResolvedLockStore };

  constructor(
    @Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions,
    private readonly moduleRef: ModuleRef,
    @Optional() @Inject(CACHE_MANAGER) private readonly cacheManager?: unknown,
  ) {}

  async onModuleInit(): Promise<void> {
    const { origin } = this.resolve();
    if (origin.source !== 'postgres-option') return;
    try {
      await origin.store.prepare(Math.max(this.options.lockTimeout, PREPARE_AT_BOOT_MIN_MS));
    } catch (error) {
      if (error instanceof PostgresSchemaError) throw error;
      // An unreachable database is an outage, not a mistake: runs skip as lock errors, and the first call that
      // reaches it prepares the schema.
      this.logger.warn(
        `PostgreSQL did not answer at boot (${describeError(error)}); the schema is checked on the first call that ` +
          'reaches it. Runs meanwhile are skipped as lock errors.',
      );
    }
  }

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
        'no shared lock store: duplicate suppression is per-process only. Pass the redis or postgres option (or ' +
          'register CacheModule with a @keyv/redis store) when several instances run.',
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
