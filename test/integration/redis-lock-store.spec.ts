/** @jest-environment ./test/support/real-process-environment.cjs */
import KeyvRedis from '@keyv/redis';
import { LockStoreError, type RedisLockClient, RedisLockStore } from '../../src/index.js';
import { connectRedis, deleteKeys, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { OwnRedisServer } from '../support/redis-server.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';
import { waitFor } from '../e2e/harness/wait.js';

/** How a call settled within `ms`: an answer, an error, or nothing yet (a call that waits for Redis to come back). */
async function within<T>(ms: number, call: Promise<T>): Promise<{ value: T } | { error: unknown } | 'no answer'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'no answer'>((resolve) => (timer = setTimeout(() => resolve('no answer'), ms)));
  try {
    return await Promise.race([
      call.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe('RedisLockStore against a real Redis', () => {
  failOnUnhandledRejections();

  it("extend and release compare tokens: another holder's token neither extends nor deletes the key", async () => {
    const prefix = uniquePrefix('redis-store');
    const client = await connectRedis();
    const store = new RedisLockStore(() => client as unknown as RedisLockClient);
    const key = `${prefix}:lease`;
    try {
      expect(await store.acquire(key, 'holder-a', 60_000)).toBe(true);
      expect(await store.acquire(key, 'holder-b', 60_000)).toBe(false);

      expect(await store.extend(key, 'holder-b', 500)).toBe(false);
      // Still a's, still on a's 60 s: b's extend did not shorten (or lengthen) it.
      expect(await client.get(key)).toBe('holder-a');
      expect(await client.pTTL(key)).toBeGreaterThan(30_000);

      expect(await store.release(key, 'holder-b')).toBe(false);
      expect(await client.get(key)).toBe('holder-a');

      expect(await store.extend(key, 'holder-a', 5_000)).toBe(true);
      expect(await client.pTTL(key)).toBeLessThanOrEqual(5_000);
      expect(await store.release(key, 'holder-a')).toBe(true);
      expect(await client.exists(key)).toBe(0);
      // Gone is gone: neither token can extend or release it now.
      expect(await store.extend(key, 'holder-a', 5_000)).toBe(false);
      expect(await store.release(key, 'holder-a')).toBe(false);
      expect(await client.exists(key)).toBe(0);
    } finally {
      await client.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });

  it('large sets go in and out in slices, and a replace leaves exactly the new members', async () => {
    const prefix = uniquePrefix('redis-store');
    const client = await connectRedis();
    const store = new RedisLockStore(() => client as unknown as RedisLockClient);
    const key = `${prefix}:{job}:pending`;
    const members = Array.from({ length: 2_500 }, (_, i) => `tenant-${i}`);
    try {
      await store.writeSet(key, members);
      expect(await client.sCard(key)).toBe(2_500);
      expect((await store.readSet(key)).sort()).toEqual([...members].sort());
      expect(await client.pTTL(key)).toBeGreaterThan(24 * 60 * 60 * 1000);

      await store.writeSet(key, ['tenant-1', 'other']);
      expect((await store.readSet(key)).sort()).toEqual(['other', 'tenant-1']);
      await store.writeSet(key, []);
      expect(await client.exists(key)).toBe(0);

      await store.addProgress(key, members.slice(0, 1_500), 60_000);
      await store.addProgress(key, members.slice(1_000), 60_000);
      expect((await store.readProgress(key)).length).toBe(2_500);
      expect(await client.pTTL(key)).toBeLessThanOrEqual(60_000);
    } finally {
      await client.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });

  it('a closed client is a LockStoreError at once, and writes nothing', async () => {
    const prefix = uniquePrefix('redis-closed');
    const closed = await connectRedis();
    await closed.close();
    const store = new RedisLockStore(() => closed as unknown as RedisLockClient);
    const check = await connectRedis();
    try {
      const outcome = await within(1_000, store.acquire(`${prefix}:claim`, 'token', 60_000));
      expect(outcome).toEqual({ error: expect.any(LockStoreError) });
      expect((outcome as { error: Error }).error.message).toBe('the Redis client is closed');
      expect(await check.exists(`${prefix}:claim`)).toBe(0);
    } finally {
      await check.close();
    }
  });

  it('Redis killed: the reconnecting client fails each call at once instead of queueing it; back on its port, calls work', async () => {
    const server = await OwnRedisServer.start();
    const adapter = new KeyvRedis(server.url);
    // The way the library finds the client behind @keyv/redis: lazily connected, reconnecting by default.
    const store = new RedisLockStore(() => adapter.getClient() as unknown as Promise<RedisLockClient>);
    let back: OwnRedisServer | undefined;
    try {
      expect(await store.acquire('before-crash', 'token', 60_000)).toBe(true);
      const client = adapter.client as unknown as { isOpen: boolean; isReady: boolean };
      await server.crash();
      await waitFor('the client to notice the crash', () => client.isOpen && !client.isReady, {
        timeoutMs: 5_000,
        intervalMs: 10,
      });

      // Each call made only when it is awaited, so that none rejects with nobody listening yet.
      const calls: Array<() => Promise<unknown>> = [
        () => store.acquire('during-outage', 'token', 60_000),
        () => store.extend('before-crash', 'token', 60_000),
        () => store.release('before-crash', 'token'),
        () => store.readSet('pending'),
        () => store.writeSet('pending', ['t-1']),
      ];
      for (const call of calls) {
        const outcome = await within(1_000, call());
        expect(outcome).toEqual({ error: expect.any(LockStoreError) });
        expect((outcome as { error: Error }).error.message).toBe('the Redis client is not ready (reconnecting)');
      }

      back = await OwnRedisServer.start(server.port);
      await waitFor('the client to reconnect', () => client.isReady, { timeoutMs: 15_000, intervalMs: 50 });
      // A claim refused during the outage must not have been queued and run now: nobody would act on it.
      const check = await connectRedis(back.url);
      try {
        expect(await check.exists('during-outage')).toBe(0);
        expect(await check.exists('pending')).toBe(0);
      } finally {
        await check.close();
      }
      expect(await store.acquire('after-outage', 'token', 60_000)).toBe(true);
    } finally {
      // Forced: a graceful close would wait for commands queued to a Redis that may never come back.
      await adapter.disconnect(true).catch(() => undefined);
      server.kill();
      back?.kill();
    }
  });
});
