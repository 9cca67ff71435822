import { type LockStore } from '../interfaces/index.js';
import { MemoryLockStore } from './memory-lock.store.js';
import { type RedisLockClient, RedisLockStore } from './redis-lock.store.js';

/** A Keyv adapter that exposes a node-redis client, as `@keyv/redis` does. Matched by shape, not by class, so a
 * second copy of the package in node_modules is still recognised. */
interface RedisAdapterLike {
  getClient(): Promise<RedisLockClient>;
  client: RedisLockClient;
}

export interface ResolvedLockStore {
  store: LockStore;
  /** The cache manager whose Redis client the store uses; its disconnect must wait for the drain. */
  cacheManager?: object;
}

/**
 * Picks the lock store: the explicit option; else the Redis client behind the app's `CACHE_MANAGER` (cache-manager
 * 7 keeps Keyv instances in `stores`, each with its adapter in `store`); else an in-process store.
 */
export function resolveLockStore(explicit: LockStore | undefined, cacheManager: unknown): ResolvedLockStore {
  if (explicit) return { store: explicit };
  const adapter = findRedisAdapter(cacheManager);
  if (adapter) {
    return { store: new RedisLockStore(() => adapter.getClient()), cacheManager: cacheManager as object };
  }
  return { store: new MemoryLockStore() };
}

function findRedisAdapter(cacheManager: unknown): RedisAdapterLike | undefined {
  const stores = (cacheManager as { stores?: unknown } | null | undefined)?.stores;
  if (!Array.isArray(stores)) return undefined;
  for (const keyv of stores) {
    const adapter = (keyv as { store?: unknown; opts?: { store?: unknown } } | null)?.store;
    if (isRedisAdapter(adapter)) return adapter;
  }
  return undefined;
}

function isRedisAdapter(candidate: unknown): candidate is RedisAdapterLike {
  const adapter = candidate as Partial<RedisAdapterLike> | null | undefined;
  const client = adapter?.client as Partial<RedisLockClient> | undefined;
  return (
    typeof adapter?.getClient === 'function' &&
    typeof client?.set === 'function' &&
    typeof client?.eval === 'function' &&
    typeof client?.multi === 'function'
  );
}
