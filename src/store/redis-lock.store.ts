import { LockStoreError } from '../common/errors/index.js';
import { type LockStore, type RedisLockClient } from '../interfaces/index.js';

// Compare-and-act scripts: a holder may only touch a key that still carries its own token.
const EXTEND_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** Pending sets outlive any deploy, but not forever: a job removed from the code must not leave keys behind. */
const SET_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Lock store on Redis: one `SET key token NX PX ttl` per claim, compare-and-delete on release.
 * `getClient` may connect lazily (as `KeyvRedis.getClient()` does); a client that is not ready fails the call at
 * once instead of queueing it, so a dead Redis is reported as a lock error, never as a free lock.
 */
export class RedisLockStore implements LockStore {
  readonly kind = 'redis';
  readonly shared = true;
  private connecting?: Promise<RedisLockClient>;
  private connected?: RedisLockClient;

  constructor(private readonly getClient: () => Promise<RedisLockClient> | RedisLockClient) {}

  async acquire(key: string, token: string, ttlMs: number): Promise<boolean> {
    const client = await this.client();
    return (await client.set(key, token, { NX: true, PX: Math.max(1, Math.ceil(ttlMs)) })) === 'OK';
  }

  async extend(key: string, token: string, ttlMs: number): Promise<boolean> {
    const client = await this.client();
    const result = await client.eval(EXTEND_SCRIPT, {
      keys: [key],
      arguments: [token, String(Math.max(1, Math.ceil(ttlMs)))],
    });
    return Number(result) === 1;
  }

  async release(key: string, token: string): Promise<boolean> {
    const client = await this.client();
    return Number(await client.eval(RELEASE_SCRIPT, { keys: [key], arguments: [token] })) === 1;
  }

  async readSet(key: string): Promise<string[]> {
    const client = await this.client();
    return client.sMembers(key);
  }

  async writeSet(key: string, members: readonly string[]): Promise<void> {
    const client = await this.client();
    const transaction = client.multi();
    transaction.del(key);
    if (members.length > 0) {
      transaction.sAdd(key, [...members]);
      transaction.pExpire(key, SET_TTL_MS);
    }
    await transaction.exec();
  }

  private async client(): Promise<RedisLockClient> {
    if (this.connected?.isReady) return this.connected;
    // Concurrent first calls share one connect: the client reports "open but not ready" while it handshakes, and
    // those callers must wait for it rather than take it for a reconnect.
    this.connecting ??= Promise.resolve(this.getClient()).finally(() => (this.connecting = undefined));
    const client = await this.connecting;
    this.connected = client;
    if (client.isOpen === false) throw new LockStoreError('the Redis client is closed');
    // A reconnecting client would queue the command and run it whenever Redis returns: a claim nobody waits for.
    if (client.isReady === false) throw new LockStoreError('the Redis client is not ready (reconnecting)');
    return client;
  }
}
