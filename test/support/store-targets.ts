import { afterAll, afterEach, beforeAll } from '@jest/globals';
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { type INestApplicationContext } from '@nestjs/common';
import { Pool } from 'pg';
import {
  type CoordinatedCronModuleOptions,
  type LockStore,
  PostgresLockStore,
  type RedisLockClient,
  RedisLockStore,
} from '../../src/index.js';
import { type TestAppOptions } from './app.js';
import { waitFor } from './wait.js';
import { connectRedis, deleteKeys, REDIS_URL } from './redis.js';
import { OwnRedisServer } from './redis-server.js';
import { OwnPostgresServer } from './postgres-server.js';

/** A server of the test's own, that it may pause, kill and start again where its clients reconnect. */
export interface OwnStoreServer {
  readonly url: string;
  /** SIGSTOP: connections stay open and nothing answers. */
  pause(): void;
  resume(): void;
  /** SIGKILL, and resolves once it is gone. */
  crash(): Promise<void>;
  /** Starts it again on the same port, after `crash`. */
  start(): Promise<void>;
}

/** What createTestApp needs to put an app's locks in a store. */
export type StoreAppOptions = Pick<TestAppOptions, 'cache'> & { options: CoordinatedCronModuleOptions };

/**
 * One kind of shared store the integration specs run on: `describe.each(STORE_TARGETS)` runs a spec on each. A
 * target makes the test app's options for a key prefix, a "probe" store on the same namespace (state is inspected
 * through the port, not raw keys), and servers of the test's own.
 */
export interface StoreTarget {
  readonly name: 'redis' | 'postgres';
  /** Registers the target's hooks in the calling describe block: its server, and closing what each test opened. */
  use(): void;
  /** An app on `prefix` (with `options` merged in), on the file's store or on `server`. */
  app(prefix: string, options?: CoordinatedCronModuleOptions, server?: OwnStoreServer): StoreAppOptions;
  /** An app whose store is a client aimed at `port`, where nothing listens. */
  deadApp(port: number, options?: CoordinatedCronModuleOptions): StoreAppOptions;
  /** A store on the namespace `prefix` of the file's store (or of `server`), as another instance would open it. */
  probe(prefix: string, server?: OwnStoreServer): Promise<LockStore>;
  /** A real store of this kind on `prefix`, for a test that wraps it and passes it as `lockStore`. */
  store(prefix: string): Promise<LockStore>;
  ownServer(): Promise<OwnStoreServer>;
  /** What a call's error says once the client has seen its server die. */
  readonly killedError: RegExp;
  /** Resolves once `app`'s store client has seen its server die (`crash`), so that calls fail as `killedError` says. */
  untilOutageNoticed(app: INestApplicationContext): Promise<void>;
}

/** Resolves after `ms` at most: closing a client of a server that stopped answering must not hang a test. */
const atMost = (ms: number, work: Promise<unknown>) =>
  Promise.race([work.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, ms).unref())]);

/** The shared Redis (REDIS_URL) through the app's CacheModule, as most apps find it; own servers on free ports. */
export const redisTarget: StoreTarget = (() => {
  const prefixes = new Set<string>();
  const clients: Array<{ close(): Promise<unknown> }> = [];
  const servers: OwnRedisServer[] = [];
  const target: StoreTarget = {
    name: 'redis',
    killedError: /not ready \(reconnecting\)/,
    async untilOutageNoticed(app) {
      const cache = app.get<{ stores: Array<{ store: { client: { isOpen: boolean; isReady: boolean } } }> }>(
        CACHE_MANAGER,
      );
      const client = cache.stores[0].store.client;
      await waitFor('the cache client to notice the crash', () => client.isOpen && !client.isReady, {
        timeoutMs: 5_000,
        intervalMs: 10,
      });
    },
    use() {
      afterEach(async () => {
        await Promise.all(clients.splice(0).map((client) => atMost(2_000, client.close())));
        for (const server of servers.splice(0)) server.kill();
        await Promise.all([...prefixes].map((prefix) => deleteKeys(REDIS_URL, prefix)));
        prefixes.clear();
      });
    },
    app(prefix, options = {}, server) {
      prefixes.add(prefix);
      return { cache: { redisUrl: server?.url ?? REDIS_URL }, options: { keyPrefix: prefix, ...options } };
    },
    deadApp(port, options = {}) {
      return { cache: { redisUrl: `redis://127.0.0.1:${port}` }, options };
    },
    async probe(prefix, server) {
      prefixes.add(prefix);
      const client = await connectRedis(server?.url ?? REDIS_URL);
      clients.push(client);
      return new RedisLockStore(() => client as unknown as RedisLockClient, { keyPrefix: prefix });
    },
    store(prefix) {
      return target.probe(prefix);
    },
    async ownServer() {
      let server = await OwnRedisServer.start();
      servers.push(server);
      const port = server.port;
      return {
        url: server.url,
        pause: () => server.pause(),
        resume: () => server.resume(),
        crash: () => server.crash(),
        async start() {
          server = await OwnRedisServer.start(port);
          servers.push(server);
        },
      };
    },
  };
  return target;
})();

/** A PostgreSQL of the file's own, through the `postgres` option and a pool made as users make one. */
export const postgresTarget: StoreTarget = (() => {
  let shared: OwnPostgresServer | undefined;
  const pools: Pool[] = [];
  const servers: OwnPostgresServer[] = [];
  const serverOf = (server?: OwnStoreServer) => {
    if (server) return server;
    if (!shared) throw new Error('postgresTarget.use() must run in the describe block first');
    return shared;
  };
  const poolOn = (url: string) => {
    const pool = new Pool({ connectionString: url });
    pools.push(pool);
    return pool;
  };
  const target: StoreTarget = {
    name: 'postgres',
    killedError: /ECONNREFUSED|Connection terminated|terminating connection/,
    // A pool opens a new connection per call once its idle ones are gone, and that one is refused at once.
    untilOutageNoticed: async () => undefined,
    use() {
      beforeAll(async () => {
        shared = await OwnPostgresServer.start();
      }, 60_000);
      afterEach(async () => {
        for (const server of servers) server.resume();
        await Promise.all(pools.splice(0).map((pool) => atMost(2_000, pool.end())));
        await Promise.all(servers.splice(0).map((server) => server.dispose()));
      });
      afterAll(async () => {
        await shared?.dispose();
        shared = undefined;
      });
    },
    app(prefix, options = {}, server) {
      return { cache: 'none', options: { keyPrefix: prefix, postgres: poolOn(serverOf(server).url), ...options } };
    },
    deadApp(port, options = {}) {
      return {
        cache: 'none',
        options: { postgres: poolOn(`postgres://postgres@127.0.0.1:${port}/postgres`), ...options },
      };
    },
    async probe(prefix, server) {
      return new PostgresLockStore(poolOn(serverOf(server).url), { keyPrefix: prefix });
    },
    store(prefix) {
      return target.probe(prefix);
    },
    async ownServer() {
      const server = await OwnPostgresServer.start();
      servers.push(server);
      return server;
    },
  };
  return target;
})();

/** Every shared store the store-dependent specs run on. */
export const STORE_TARGETS: readonly StoreTarget[] = [redisTarget, postgresTarget];
