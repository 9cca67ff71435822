/** @jest-environment ./test/support/real-process-environment.cjs */
import KeyvRedis from '@keyv/redis';
import { LockStoreError, type RedisLockClient, RedisLockStore } from '../../src/index.js';
import { claimKey, pendingKey } from '../support/internals.js';
import { connectRedis, uniquePrefix } from '../support/redis.js';
import { OwnRedisServer } from '../support/redis-server.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';
import { waitFor, within } from '../support/wait.js';

/** How a call settled within `ms`: an answer, an error, or nothing yet (a call that waits for Redis to come back). */
const settledWithin = <T>(ms: number, call: Promise<T>) =>
  within(
    ms,
    call.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
  );

const tick = new Date('2026-01-01T00:00:00Z');
/** A claim of `job` at the fixed tick, with a token of its own. */
const claimOf = (job: string) => ({
  job,
  occurrence: tick,
  token: `${job}-token`,
  runId: `${job}-run`,
  owner: 'test',
  ttls: { claimUntil: tick, claimMinMs: 60_000, leaseMs: 60_000, ledgerMs: 60_000 },
});

// What every store must decide is the contract suite's (lock-store-contract.spec.ts); this file covers what is the
// Redis store's own: a client that is closed or reconnecting.
describe('RedisLockStore against a real Redis', () => {
  failOnUnhandledRejections();

  it('a closed client is a LockStoreError at once, and writes nothing', async () => {
    const prefix = uniquePrefix('redis-closed');
    const closed = await connectRedis();
    await closed.close();
    const store = new RedisLockStore(() => closed as unknown as RedisLockClient, { keyPrefix: prefix });
    const check = await connectRedis();
    try {
      const outcome = await settledWithin(1_000, store.claim(claimOf('closed')));
      expect(outcome).toEqual({ error: expect.any(LockStoreError) });
      expect((outcome as { error: Error }).error.message).toBe('the Redis client is closed');
      expect(await check.exists(claimKey(prefix, 'closed', tick))).toBe(0);
    } finally {
      await check.close();
    }
  });

  it('Redis killed: the reconnecting client fails each call at once instead of queueing it; back on its port, calls work', async () => {
    const server = await OwnRedisServer.start();
    const adapter = new KeyvRedis(server.url);
    // The way the library finds the client behind @keyv/redis: lazily connected, reconnecting by default.
    const store = new RedisLockStore(() => adapter.getClient() as unknown as Promise<RedisLockClient>, {
      keyPrefix: 'p',
    });
    let back: OwnRedisServer | undefined;
    try {
      expect(await store.claim(claimOf('before-crash'))).toMatchObject({ kind: 'won' });
      const client = adapter.client as unknown as { isOpen: boolean; isReady: boolean };
      await server.crash();
      await waitFor('the client to notice the crash', () => client.isOpen && !client.isReady, {
        timeoutMs: 5_000,
        intervalMs: 10,
      });

      // Each call made only when it is awaited, so that none rejects with nobody listening yet.
      const calls: Array<() => Promise<unknown>> = [
        () => store.claim(claimOf('during-outage')),
        () => store.renewLease({ job: 'before-crash', token: 'before-crash-token', ttlMs: 60_000 }),
        () => store.releaseLease({ job: 'before-crash', token: 'before-crash-token' }),
        () => store.readPending('pending'),
        () => store.writePending('pending', ['t-1'], 60_000),
      ];
      for (const call of calls) {
        const outcome = await settledWithin(1_000, call());
        expect(outcome).toEqual({ error: expect.any(LockStoreError) });
        expect((outcome as { error: Error }).error.message).toBe('the Redis client is not ready (reconnecting)');
      }

      back = await OwnRedisServer.start(server.port);
      await waitFor('the client to reconnect', () => client.isReady, { timeoutMs: 15_000, intervalMs: 50 });
      // A claim refused during the outage must not have been queued and run now: nobody would act on it.
      const check = await connectRedis(back.url);
      try {
        expect(await check.exists(claimKey('p', 'during-outage', tick))).toBe(0);
        expect(await check.exists(pendingKey('p', 'pending'))).toBe(0);
      } finally {
        await check.close();
      }
      expect(await store.claim(claimOf('after-outage'))).toMatchObject({ kind: 'won' });
    } finally {
      // Forced: a graceful close would wait for commands queued to a Redis that may never come back.
      await adapter.disconnect(true).catch(() => undefined);
      server.kill();
      back?.kill();
    }
  });
});
