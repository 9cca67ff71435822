import { type KeyvRedisAdapterLike, type LockStore, type RedisLockClient } from '../interfaces/index.js';
import { ModuleOptionsError } from '../options/errors/module-options.error.js';
import { type ResolvedPostgresOptions } from '../options/module-options.js';
import { MemoryLockStore } from './memory/memory-lock.store.js';
import { PostgresLockStore } from './postgres/postgres-lock.store.js';
import { RedisLockStore } from './redis/redis-lock.store.js';

/** Where the lock store came from, for the boot log line and the disconnect ordering. */
export type ResolvedLockStore =
  | { source: 'option'; store: LockStore }
  | { source: 'redis-option'; store: LockStore }
  /** Its schema is checked (or created) at boot: `PostgresLockStore.prepare()`. */
  | { source: 'postgres-option'; store: PostgresLockStore }
  /** The Redis behind the app's `CACHE_MANAGER`; that cache manager's disconnect must wait for the drain. */
  | { source: 'cache-manager'; store: LockStore; cacheManager: object }
  | { source: 'memory'; store: LockStore };

/**
 * Picks the lock store, most explicit first: the `lockStore` option; the `redis` option (a node-redis client, a
 * `@keyv/redis` adapter, or a Keyv instance around one); the `postgres` option (a node-postgres pool); the
 * `@keyv/redis` store behind the app's `CACHE_MANAGER` (cache-manager 7 keeps Keyv instances in `stores`); else an
 * in-process store. Clients are matched by shape, not class, so a second copy of a package in node_modules is still
 * recognised.
 */
export function resolveLockStore(
  explicit: {
    lockStore?: LockStore;
    redis?: unknown;
    postgres?: ResolvedPostgresOptions;
    keyPrefix: string;
    lockTimeout?: number;
  },
  cacheManager: unknown,
): ResolvedLockStore {
  const { keyPrefix } = explicit;
  if (explicit.lockStore) return { source: 'option', store: explicit.lockStore };
  if (explicit.redis !== undefined) {
    const getClient = redisClientGetter(explicit.redis);
    if (!getClient) {
      throw ModuleOptionsError.invalid(
        'redis',
        '[object]',
        'a node-redis client, a @keyv/redis adapter or a Keyv around one',
      );
    }
    return { source: 'redis-option', store: new RedisLockStore(getClient, { keyPrefix }) };
  }
  if (explicit.postgres) {
    const { pool, schema, migrate } = explicit.postgres;
    return {
      source: 'postgres-option',
      store: new PostgresLockStore(pool, { keyPrefix, schema, migrate, timeoutMs: explicit.lockTimeout }),
    };
  }
  const adapter = adapterBehindCacheManager(cacheManager);
  if (adapter) {
    return {
      source: 'cache-manager',
      store: new RedisLockStore(() => adapter.getClient(), { keyPrefix }),
      cacheManager: cacheManager as object,
    };
  }
  return { source: 'memory', store: new MemoryLockStore() };
}

/** How to reach the node-redis client of `value`, or `undefined` when it is none of the accepted shapes. */
export function redisClientGetter(value: unknown): (() => Promise<RedisLockClient> | RedisLockClient) | undefined {
  if (isRedisClient(value)) return () => value;
  if (isRedisAdapter(value)) return () => value.getClient();
  const wrapped = (value as { store?: unknown } | null | undefined)?.store;
  if (isRedisAdapter(wrapped)) return () => wrapped.getClient();
  return undefined;
}

function adapterBehindCacheManager(cacheManager: unknown): KeyvRedisAdapterLike | undefined {
  const stores = (cacheManager as { stores?: unknown } | null | undefined)?.stores;
  if (!Array.isArray(stores)) return undefined;
  for (const keyv of stores) {
    const adapter = (keyv as { store?: unknown } | null)?.store;
    if (isRedisAdapter(adapter)) return adapter;
  }
  return undefined;
}

function isRedisClient(candidate: unknown): candidate is RedisLockClient {
  const client = candidate as Partial<RedisLockClient> | null | undefined;
  return (
    typeof client?.evalSha === 'function' && typeof client.eval === 'function' && typeof client.sAdd === 'function'
  );
}

function isRedisAdapter(candidate: unknown): candidate is KeyvRedisAdapterLike {
  const adapter = candidate as Partial<KeyvRedisAdapterLike> | null | undefined;
  return typeof adapter?.getClient === 'function' && isRedisClient(adapter.client);
}
