import { createClient, createCluster } from '@redis/client';
import { type Pool } from 'pg';
import { PostgresLockStore, RedisLockStore, type LockStore, type RedisLockClient } from '../../src/index.js';
import { type LockStoreContractHarness } from '../../src/testing/index.js';
import { OwnRedisCluster } from '../e2e/harness/redis-cluster.js';
import { uniquePrefix } from './redis.js';
import { OwnRedisServer } from './redis-server.js';
import { OwnPostgresServer } from './postgres-server.js';

type Client = ReturnType<typeof createClient>;

/** Waits until every client answers again (after a restart of their server). */
async function untilReady(clients: Client[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (clients.every((client) => client.isReady)) return;
    if (Date.now() > deadline) throw new Error('the Redis clients did not reconnect within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The Redis store on a server of the test's own, kept in memory only (as the tests run Redis): two connections, so a
 * "peer" is another process's view, and a restart loses everything the server held.
 */
export function redisStandaloneHarness(): LockStoreContractHarness {
  let server: OwnRedisServer;
  let clients: Client[] = [];
  const prefixes = new WeakMap<LockStore, string>();
  const storeOn = (client: Client, keyPrefix: string) => {
    const store = new RedisLockStore(() => client as unknown as RedisLockClient, { keyPrefix });
    prefixes.set(store, keyPrefix);
    return store;
  };
  return {
    async setUp() {
      server = await OwnRedisServer.start();
      clients = [createClient({ url: server.url }), createClient({ url: server.url })];
      for (const client of clients) {
        client.on('error', () => undefined);
        await client.connect();
      }
    },
    create: () => storeOn(clients[0], uniquePrefix('contract')),
    peer: (store) => storeOn(clients[1], prefixes.get(store) as string),
    async restart() {
      await server.crash();
      server = await OwnRedisServer.start(server.port);
      await untilReady(clients);
    },
    async tearDown() {
      for (const client of clients) client.destroy();
      server?.kill();
    },
  };
}

/** The Redis store on a three-master Cluster of the test's own: every script must stay inside the job's slot. */
export function redisClusterHarness(): LockStoreContractHarness {
  let cluster: OwnRedisCluster;
  type Cluster = ReturnType<typeof createCluster>;
  let clients: Cluster[] = [];
  const prefixes = new WeakMap<LockStore, string>();
  const storeOn = (client: Cluster, keyPrefix: string) => {
    const store = new RedisLockStore(() => client as unknown as RedisLockClient, { keyPrefix });
    prefixes.set(store, keyPrefix);
    return store;
  };
  return {
    async setUp() {
      cluster = await OwnRedisCluster.start();
      for (let i = 0; i < 2; i++) {
        const client: Cluster = createCluster({ rootNodes: cluster.urls.map((url) => ({ url })) });
        client.on('error', () => undefined);
        await client.connect();
        clients.push(client);
      }
    },
    create: () => storeOn(clients[0], uniquePrefix('contract')),
    peer: (store) => storeOn(clients[1], prefixes.get(store) as string),
    async tearDown() {
      for (const client of clients) client.destroy();
      clients = [];
      cluster?.stop();
    },
  };
}

/** Polls `probe` until it resolves, for at most 20 s (a server coming back after a restart). */
async function untilAnswers(what: string, probe: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await probe();
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`${what} did not answer within 20 s: ${String(error)}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * The PostgreSQL store on a server of the test's own, through two pools made as an app makes them (a "peer" is
 * another process's view). `restart` stops the server as `pg_ctl stop -m immediate` does (a crash: no checkpoint)
 * and starts it again on the same port: what was committed survives, as it would on a real database.
 */
export function postgresHarness(): LockStoreContractHarness {
  let server: OwnPostgresServer;
  let pools: Pool[] = [];
  const prefixes = new WeakMap<LockStore, string>();
  const storeOn = (pool: Pool, keyPrefix: string) => {
    const store = new PostgresLockStore(pool, { keyPrefix, timeoutMs: 10_000 });
    prefixes.set(store, keyPrefix);
    return store;
  };
  return {
    async setUp() {
      server = await OwnPostgresServer.start();
      pools = [server.pool(), server.pool()];
    },
    create: () => storeOn(pools[0], uniquePrefix('contract')),
    peer: (store) => storeOn(pools[1], prefixes.get(store) as string),
    async restart() {
      await server.restart('immediate');
      for (const [i, pool] of pools.entries()) await untilAnswers(`pool ${i}`, () => pool.query('SELECT 1'));
    },
    async tearDown() {
      await Promise.all(pools.map((pool) => pool.end()));
      pools = [];
      await server?.dispose();
    },
  };
}
