import { ModuleOptionsError } from '../options/errors/module-options.error.js';
import { type RedisLockClient } from '../interfaces/index.js';
import { resolveLockStore } from './lock-store.resolver.js';
import { MemoryLockStore } from './memory-lock.store.js';
import { RedisLockStore } from './redis-lock.store.js';

const client = {
  isReady: true,
  set: async () => 'OK',
  eval: async () => 1,
  hGetAll: async () => ({}),
} as unknown as RedisLockClient;
const adapter = { client, getClient: async () => client };

describe('resolveLockStore', () => {
  it('prefers the lockStore option over everything', () => {
    const own = new MemoryLockStore();
    const resolved = resolveLockStore({ lockStore: own, redis: client }, { stores: [{ store: adapter }] });
    expect(resolved).toEqual({ source: 'option', store: own });
  });

  it.each([
    ['a node-redis client', client],
    ['a @keyv/redis adapter', adapter],
    ['a Keyv instance around one', { store: adapter }],
  ])('takes the redis option as %s', async (_, redis) => {
    const resolved = resolveLockStore({ redis }, undefined);
    expect(resolved.source).toBe('redis-option');
    expect(resolved.store).toBeInstanceOf(RedisLockStore);
    await expect(resolved.store.acquire('k', 't', 10)).resolves.toBe(true);
  });

  it('rejects a redis option of any other shape with a boot error that says what fits', () => {
    expect(() => resolveLockStore({ redis: { url: 'redis://x' } }, undefined)).toThrow(ModuleOptionsError);
    expect(() => resolveLockStore({ redis: { url: 'redis://x' } }, undefined)).toThrow(/node-redis client/);
  });

  it('finds the @keyv/redis store behind a cache-manager 7 CACHE_MANAGER, and says its disconnect matters', () => {
    const cacheManager = { stores: [{ store: { get() {} } }, { store: adapter }] };
    const resolved = resolveLockStore({}, cacheManager);
    expect(resolved.source).toBe('cache-manager');
    expect(resolved.source === 'cache-manager' && resolved.cacheManager).toBe(cacheManager);
  });

  it('falls back to an in-process store when nothing shared is there', () => {
    for (const cacheManager of [undefined, null, {}, { stores: [{ store: new Map() }] }]) {
      const resolved = resolveLockStore({}, cacheManager);
      expect(resolved.source).toBe('memory');
      expect(resolved.store.shared).toBe(false);
    }
  });
});
