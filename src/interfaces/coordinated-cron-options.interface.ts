import { type Type } from '@nestjs/common';
import { type CronContextValue } from './cron-context-value.interface.js';
import { type LockStore } from './lock-store.interface.js';
import { type PostgresConnection } from './postgres-connection.interface.js';
import { type RedisConnection } from './redis-connection.interface.js';
import { type TenantSettingsProvider } from './tenant-settings-provider.interface.js';

/** What a run does when the lock store errors or does not answer within `lockTimeout`. */
export type LockFailurePolicy = 'skip' | 'run';

/**
 * Options of `CoordinatedCronModule.forRoot` / `forRootAsync`. Every field is optional.
 */
export interface CoordinatedCronModuleOptions {
  /** Every key the library writes in the lock store starts with it. Default: `'coordinated-cron'`. */
  keyPrefix?: string;
  /** `false` disables every random delay (tests, demos). Default: `true`. */
  jitter?: boolean;
  /**
   * What a run does when the lock store errors, times out or its client is closed: `'skip'` reports the run
   * `skipped`/`lock-error`; `'run'` runs it anyway, without duplicate suppression. Default: `'skip'`.
   */
  lockFailure?: LockFailurePolicy;
  /** Bound in milliseconds on every lock-store call, hung sockets included. Default: `2000`. */
  lockTimeout?: number;
  /**
   * Milliseconds a running lease lives without renewal; the holder renews it every third of that. After a crash,
   * the job cannot start anywhere until it expires. Default: `30000`.
   */
  leaseTtl?: number;
  /** Milliseconds that shutdown waits for running work before aborting it. Default: `10000`. */
  shutdownTimeout?: number;
  /** Names this process in reports, logs and lock values. Default: `` `${hostname}:${pid}` ``. */
  instanceId?: string;
  /**
   * The Redis that holds the locks, handed over explicitly: a node-redis v5 client (`createClient`,
   * `createCluster`, `createSentinel`), a `@keyv/redis` adapter, or a Keyv instance around one. The app owns the
   * connection and closes it. Default: the `@keyv/redis` store of the app's `CACHE_MANAGER`, when there is one.
   */
  redis?: RedisConnection;
  /**
   * The PostgreSQL that holds the locks: a node-postgres (`pg` 8) `Pool`, or `{ pool, schema?, migrate? }` (schema
   * default `'coordinated_cron'`; `migrate` default `true`: the tables are created or upgraded on first use). The app
   * owns the pool and ends it; the library holds at most two of its connections at a time. Give `redis` or
   * `postgres`, not both. Default: none.
   */
  postgres?: PostgresConnection;
  /**
   * Where occurrences are claimed, for a store of your own; wins over `redis` and `postgres`. Default: the Redis
   * client of the app's `CACHE_MANAGER` when its store is `@keyv/redis`; otherwise an in-process store (duplicate
   * suppression within this process only).
   */
  lockStore?: LockStore;
  /** Error-reporter hook (Sentry etc.), called for every job, tenant and lock failure. Default: none. */
  onError?: (error: unknown, context: CronContextValue) => void;
  /** Bounded concurrency of `@PerTenant()` fan-out; a positive integer. Default: `5`. */
  concurrency?: number;
  /**
   * Provider class that lists tenants and says which are enabled per job; instantiated by Nest DI (with
   * `forRootAsync`, its dependencies come from `imports`). Required when any job is `@PerTenant()`. Default: none.
   */
  tenantSettings?: Type<TenantSettingsProvider>;
  /** Per-tenant time limit, milliseconds or a duration string (`'30s'`). Default: none. */
  tenantTimeout?: number | string;
  /**
   * How many recent run reports each job keeps in the lock store (fleet-wide, newest first), for
   * `CoordinatedCronRunner.describe`. Duplicate skips are not kept. `0` keeps none. Default: `50`.
   */
  historySize?: number;
  /** With an OpenTelemetry SDK registered, also open a child span per tenant of `@PerTenant()` runs. Default: `false`. */
  traceTenants?: boolean;
  /**
   * `false`: this instance fires no ticks and runs nothing by itself (no catch-up, no take-over of a crashed run), but
   * knows the jobs, so `CoordinatedCronRunner` and the admin page steer the fleet from it (a control process, a
   * CLI). Default: `true`.
   */
  scheduling?: boolean;
}

/** Options of `@PerTenant()`; each overrides the module option of the same name for that job. */
export interface PerTenantOptions {
  /** Bounded concurrency for this job. Default: the module's `concurrency`. */
  concurrency?: number;
  /** Per-tenant time limit for this job. Default: the module's `tenantTimeout`. */
  tenantTimeout?: number | string;
  /**
   * Read the job's cron in each tenant's own time zone: `listTenants` may answer `{ id, timeZone }` entries, the job
   * fires at every instant its cron is due in some zone, and each instant runs the tenants whose clock is due. A
   * tenant without a zone uses the window's `timeZone`, else the process's. Default: `false`.
   */
  localTime?: boolean;
}
