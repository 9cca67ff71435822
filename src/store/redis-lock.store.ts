import { LockStoreError } from '../common/errors/index.js';
import { type ClaimResult, type LockStore, type RedisLockClient } from '../interfaces/index.js';

// Compare-and-act scripts: a holder may only touch a key that still carries its own token.
const EXTEND_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

// --- Fleet control scripts. Each is one command, so a claim never sees a pause half-written and a progress update
// costs one round trip. The claim answers 'paused' before it sets anything: a paused occurrence stays unclaimed.
const CLAIM_SCRIPT = `if ARGV[3] == '1' and redis.call('exists', KEYS[2]) == 1 then return 'paused' end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 'won' end
return 'duplicate'`;
const WRITE_VALUE_SCRIPT = `if ARGV[2] == '' then return redis.call('set', KEYS[1], ARGV[1]) end
return redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])`;
const DELETE_SCRIPT = `return redis.call('del', KEYS[1])`;
const PUSH_CAPPED_SCRIPT = `redis.call('lpush', KEYS[1], ARGV[1])
redis.call('ltrim', KEYS[1], 0, tonumber(ARGV[2]) - 1)
return redis.call('pexpire', KEYS[1], ARGV[3])`;
const WRITE_HASH_SCRIPT = `redis.call('hset', KEYS[1], unpack(ARGV, 2))
return redis.call('pexpire', KEYS[1], ARGV[1])`;
/** A job that stops running keeps its history for a while, not forever. */
const HISTORY_TTL_MS = 30 * 24 * 60 * 60 * 1000;

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

  // --- Fleet control: pause, history, run progress. ---

  async claim(key: string, token: string, ttlMs: number, pausedKey: string | undefined): Promise<ClaimResult> {
    const client = await this.client();
    const result = await client.eval(CLAIM_SCRIPT, {
      // Without a pause key the script still needs a second key name; the claim key itself is never read as one.
      keys: [key, pausedKey ?? key],
      arguments: [token, String(Math.max(1, Math.ceil(ttlMs))), pausedKey === undefined ? '0' : '1'],
    });
    if (result === 'won' || result === 'duplicate' || result === 'paused') return { kind: result };
    throw new LockStoreError(`unexpected claim answer from Redis: ${JSON.stringify(result)}`);
  }

  async readValue(key: string): Promise<string | undefined> {
    const client = await this.client();
    return (await client.get(key)) ?? undefined;
  }

  async writeValue(key: string, value: string, ttlMs?: number): Promise<void> {
    const client = await this.client();
    const ttl = ttlMs === undefined ? '' : String(Math.max(1, Math.ceil(ttlMs)));
    await client.eval(WRITE_VALUE_SCRIPT, { keys: [key], arguments: [value, ttl] });
  }

  async deleteKey(key: string): Promise<void> {
    const client = await this.client();
    await client.eval(DELETE_SCRIPT, { keys: [key], arguments: [] });
  }

  async pushCapped(key: string, entry: string, maxLength: number): Promise<void> {
    const client = await this.client();
    await client.eval(PUSH_CAPPED_SCRIPT, {
      keys: [key],
      arguments: [entry, String(Math.max(1, Math.floor(maxLength))), String(HISTORY_TTL_MS)],
    });
  }

  async readList(key: string, count: number): Promise<string[]> {
    if (count <= 0) return [];
    const client = await this.client();
    return client.lRange(key, 0, count - 1);
  }

  async writeHash(key: string, fields: Record<string, string>, ttlMs: number): Promise<void> {
    const pairs = Object.entries(fields).flat();
    if (pairs.length === 0) return;
    const client = await this.client();
    await client.eval(WRITE_HASH_SCRIPT, {
      keys: [key],
      arguments: [String(Math.max(1, Math.ceil(ttlMs))), ...pairs],
    });
  }

  async readHash(key: string): Promise<Record<string, string>> {
    const client = await this.client();
    return { ...(await client.hGetAll(key)) };
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
