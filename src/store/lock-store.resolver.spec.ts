import { ModuleOptionsError } from '../options/errors/module-options.error.js';
import { type RedisLockClient } from '../interfaces/index.js';
import { resolveLockStore } from './lock-store.resolver.js';
import { MemoryLockStore } from './memory/memory-lock.store.js';
import { PostgresLockStore } from './postgres/postgres-lock.store.js';
import { RedisLockStore } from './redis/redis-lock.store.js';

const client = {
  isReady: true,
  eval: async () => 1,
  evalSha: async () => ['won', 1, 0, 7],
  sAdd: async () => 1,
} as unknown as RedisLockClient;
const keyPrefix = 'app';
const claim = {
  job: 'job',
  occurrence: new Date(0),
  token: 't',
  runId: 'r',
  owner: 'o',
  ttls: { claimUntil: new Date(0), claimMinMs: 1, leaseMs: 1, ledgerMs: 1 },
};
const adapter = { client, getClient: async () => client };

describe('resolveLockStore', () => {
  it('prefers the lockStore option over everything', () => {
    const own = new MemoryLockStore();
    const resolved = resolveLockStore({ lockStore: own, redis: client, keyPrefix }, { stores: [{ store: adapter }] });
    expect(resolved).toEqual({ source: 'option', store: own });
  });

  it.each([
    ['a node-redis client', client],
    ['a @keyv/redis adapter', adapter],
    ['a Keyv instance around one', { store: adapter }],
  ])('takes the redis option as %s', async (_, redis) => {
    const resolved = resolveLockStore({ redis, keyPrefix }, undefined);
    expect(resolved.source).toBe('redis-option');
    expect(resolved.store).toBeInstanceOf(RedisLockStore);
    await expect(resolved.store.claim(claim)).resolves.toMatchObject({ kind: 'won', fencingToken: 7 });
  });

  it('takes the postgres option after redis and before the cache manager, with the key prefix and the schema', () => {
    const pool = { connect: async () => ({}), on: () => undefined } as never;
    const postgres = { pool, schema: 'jobs', migrate: false };
    const resolved = resolveLockStore({ postgres, keyPrefix }, { stores: [{ store: adapter }] });
    expect(resolved.source).toBe('postgres-option');
    expect(resolved.store).toBeInstanceOf(PostgresLockStore);
    expect(resolved.store.kind).toBe('postgres');
    expect(resolveLockStore({ postgres, redis: client, keyPrefix }, undefined).source).toBe('redis-option');
    expect(resolveLockStore({ postgres, lockStore: new MemoryLockStore(), keyPrefix }, undefined).source).toBe(
      'option',
    );
  });

  it('rejects a redis option of any other shape with a boot error that says what fits', () => {
    expect(() => resolveLockStore({ redis: { url: 'redis://x' }, keyPrefix }, undefined)).toThrow(ModuleOptionsError);
    expect(() => resolveLockStore({ redis: { url: 'redis://x' }, keyPrefix }, undefined)).toThrow(/node-redis client/);
  });

  it('finds the @keyv/redis store behind a cache-manager 7 CACHE_MANAGER, and says its disconnect matters', () => {
    const cacheManager = { stores: [{ store: { get() {} } }, { store: adapter }] };
    const resolved = resolveLockStore({ keyPrefix }, cacheManager);
    expect(resolved.source).toBe('cache-manager');
    expect(resolved.source === 'cache-manager' && resolved.cacheManager).toBe(cacheManager);
  });

  it('falls back to an in-process store when nothing shared is there', () => {
    for (const cacheManager of [undefined, null, {}, { stores: [{ store: new Map() }] }]) {
      const resolved = resolveLockStore({ keyPrefix }, cacheManager);
      expect(resolved.source).toBe('memory');
      expect(resolved.store.shared).toBe(false);
    }
  });
});
