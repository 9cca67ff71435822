import { LockStoreError } from '../common/errors/index.js';
import {
  type ClaimKeys,
  type ClaimRequest,
  type ClaimResult,
  type LedgerLockStore,
  type LedgerRecord,
  type RedisLockClient,
  type ResumeRequest,
  type ResumeResult,
} from '../interfaces/index.js';

// Compare-and-act scripts: a holder may only touch a key that still carries its own token.
const EXTEND_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

// --- Fleet control scripts: each is one command, so a status update or a history entry costs one round trip.
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
export class RedisLockStore implements LedgerLockStore {
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

  /** Read in SSCAN pages of about `SET_CHUNK` members, so that no reply carries a million of them. */
  async readSet(key: string): Promise<string[]> {
    const client = await this.client();
    const members: string[] = [];
    let cursor = '0';
    do {
      const page = (await client.eval(SCAN_SCRIPT, {
        keys: [key],
        arguments: [cursor, String(SET_CHUNK)],
      })) as [unknown, unknown[]];
      cursor = String(page[0]);
      for (const member of page[1]) members.push(String(member));
    } while (cursor !== '0');
    return members;
  }

  async writeSet(key: string, members: readonly string[]): Promise<void> {
    await this.addMembers(key, members, SET_TTL_MS, true);
  }

  // --- fleet control: pause record, history, run status ---------------------------------------------------------------

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

  // --- run ledger, fencing and crash resume -----------------------------------------------------------------------

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const client = await this.client();
    const reply = (await client.eval(CLAIM_SCRIPT, {
      keys: keyList(request.keys),
      arguments: [
        request.token,
        ms(request.claimTtlMs),
        ms(request.leaseTtlMs),
        ms(request.ledgerTtlMs),
        request.ignorePause ? '1' : '0',
        request.runId,
        request.owner,
        request.occurrence,
        String(request.occurrenceMs),
        String(FENCE_TTL_MS),
      ],
    })) as unknown[];
    const kind = String(reply[0]);
    const serverTimeMs = Number(reply[1]);
    switch (kind) {
      case 'won':
        return { kind, serverTimeMs, fencingToken: Number(reply[2]) };
      case 'duplicate': {
        const left = Number(reply[2]);
        return left >= 0 ? { kind, serverTimeMs, runningLeaseMs: left } : { kind, serverTimeMs };
      }
      case 'overlap':
      case 'paused':
        return { kind, serverTimeMs };
      default:
        throw new LockStoreError(`unexpected claim reply ${JSON.stringify(reply)}`);
    }
  }

  async resume(request: ResumeRequest): Promise<ResumeResult> {
    const client = await this.client();
    const reply = (await client.eval(RESUME_SCRIPT, {
      keys: keyList(request.keys),
      arguments: [
        request.token,
        ms(request.leaseTtlMs),
        ms(request.ledgerTtlMs),
        request.runId,
        request.owner,
        request.occurrence,
        String(FENCE_TTL_MS),
      ],
    })) as unknown[];
    const kind = String(reply[0]);
    const serverTimeMs = Number(reply[1]);
    switch (kind) {
      case 'won':
        return {
          kind,
          serverTimeMs,
          fencingToken: Number(reply[2]),
          attempt: Number(reply[3]),
          resumedFrom: String(reply[4]),
        };
      case 'held':
        return { kind, serverTimeMs, leaseMs: Number(reply[2]) };
      case 'gone':
      case 'paused':
        return { kind, serverTimeMs };
      default:
        throw new LockStoreError(`unexpected resume reply ${JSON.stringify(reply)}`);
    }
  }

  async finish(keys: ClaimKeys, runId: string, token: string): Promise<void> {
    const client = await this.client();
    await client.eval(FINISH_SCRIPT, { keys: keyList(keys), arguments: [runId, token] });
  }

  async readLedger(key: string): Promise<LedgerRecord | undefined> {
    const client = await this.client();
    const flat = (await client.eval(READ_HASH_SCRIPT, { keys: [key], arguments: [] })) as unknown[];
    const fields = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2) fields.set(String(flat[i]), String(flat[i + 1]));
    return ledgerFromFields(fields);
  }

  addProgress(key: string, members: readonly string[], ttlMs: number): Promise<void> {
    return this.addMembers(key, members, ttlMs, false);
  }

  readProgress(key: string): Promise<string[]> {
    return this.readSet(key);
  }

  /**
   * Adds `members` to the set at `key` (emptied first when `replace`) in plain SADDs of at most `SET_CHUNK` members,
   * one after another: a million ids never travel in one command, no command holds the server for long, and other
   * clients are served between them. Not atomic; the sets written this way (pending tenants, progress) only ever
   * lose what a reader will run again.
   */
  private async addMembers(key: string, members: readonly string[], ttlMs: number, replace: boolean): Promise<void> {
    if (members.length === 0 && !replace) return;
    const client = await this.client();
    // UNLINK frees a large old set off Redis's main thread.
    if (replace) await client.unlink(key);
    for (let offset = 0; offset < members.length; offset += SET_CHUNK) {
      await client.sAdd(key, members.slice(offset, offset + SET_CHUNK));
    }
    if (members.length > 0) await client.pExpire(key, Math.max(1, Math.ceil(ttlMs)));
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

// --- run ledger, fencing and crash resume -------------------------------------------------------------------------

/** The fencing counter must outlive every ledger; it restarts only after a job has been unused for over a year. */
const FENCE_TTL_MS = 400 * 24 * 60 * 60 * 1000;
/**
 * Members per set command, and the SSCAN page size (COUNT is a hint): a tenth of the 10,000 members one command may
 * carry, so that each command takes Redis about a millisecond and a PING from another client never waits long.
 */
const SET_CHUNK = 1_000;

const ms = (value: number) => String(Math.max(1, Math.ceil(value)));
const keyList = (keys: ClaimKeys) => [keys.paused, keys.occurrence, keys.lease, keys.fence, keys.ledger, keys.progress];

// The store's own clock, in ms: returned by every claim so that clock skew is measured with no extra round trip.
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// KEYS: paused, occurrence, lease, fence, ledger, progress.
// ARGV: token, claimTtl, leaseTtl, ledgerTtl, ignorePause, runId, owner, occurrence, occurrenceMs, fenceTtl.
// A duplicate reports how long the lease has left only when the ledger says this very occurrence is running, so a
// loser knows whether there is a run to watch for a crash. The ledger only moves forward: a backfill of an older
// occurrence is claimed and fenced but leaves the record of the newest alone.
const CLAIM_SCRIPT = `${NOW}
if ARGV[5] ~= '1' and redis.call('EXISTS', KEYS[1]) == 1 then return {'paused', now} end
-- One read of the ledger serves both branches: occurrence, state, occurrenceMs.
local ledger = redis.call('HMGET', KEYS[5], 'occurrence', 'state', 'occurrenceMs')
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local left = -1
  if ledger[1] == ARGV[8] and ledger[2] == 'running' then
    left = redis.call('PTTL', KEYS[3])
    if left < 0 then left = 0 end
  end
  return {'duplicate', now, left}
end
if not redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[3]) then return {'overlap', now} end
local fence = redis.call('INCR', KEYS[4])
redis.call('PEXPIRE', KEYS[4], ARGV[10])
local newest = tonumber(ledger[3] or '-1')
if tonumber(ARGV[9]) >= newest then
  if ledger[1] ~= ARGV[8] then redis.call('UNLINK', KEYS[6]) end
  redis.call('HSET', KEYS[5], 'occurrence', ARGV[8], 'occurrenceMs', ARGV[9], 'runId', ARGV[6], 'owner', ARGV[7],
    'state', 'running', 'startedAtMs', now, 'attempt', 1, 'fencingToken', fence)
  redis.call('PEXPIRE', KEYS[5], ARGV[4])
end
return {'won', now, fence}`;

// KEYS as above. ARGV: token, leaseTtl, ledgerTtl, runId, owner, occurrence, fenceTtl.
// Taking the lease inside the same call as the ledger check is what makes exactly one survivor resume.
const RESUME_SCRIPT = `${NOW}
if redis.call('EXISTS', KEYS[1]) == 1 then return {'paused', now} end
if redis.call('HGET', KEYS[5], 'occurrence') ~= ARGV[6] or redis.call('HGET', KEYS[5], 'state') ~= 'running' then
  return {'gone', now}
end
local left = redis.call('PTTL', KEYS[3])
if left == -1 then return {'held', now, tonumber(ARGV[2])} end
if left > 0 then return {'held', now, left} end
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])
local fence = redis.call('INCR', KEYS[4])
redis.call('PEXPIRE', KEYS[4], ARGV[7])
local attempt = tonumber(redis.call('HGET', KEYS[5], 'attempt') or '1') + 1
local from = redis.call('HGET', KEYS[5], 'runId')
redis.call('HSET', KEYS[5], 'runId', ARGV[4], 'owner', ARGV[5], 'attempt', attempt, 'fencingToken', fence,
  'resumedAtMs', now)
redis.call('PEXPIRE', KEYS[5], ARGV[3])
if redis.call('EXISTS', KEYS[6]) == 1 then redis.call('PEXPIRE', KEYS[6], ARGV[3]) end
return {'won', now, fence, attempt, from}`;

// KEYS as above. ARGV: runId, token. A run whose ledger entry was taken over (it lost its lease and was resumed)
// must neither mark the newer attempt done nor release its lease. The progress set of a large run can hold a million
// ids; UNLINK frees it off Redis's main thread, where DEL would hold every other client for hundreds of ms.
const FINISH_SCRIPT = `${NOW}
if redis.call('HGET', KEYS[5], 'runId') == ARGV[1] then
  redis.call('HSET', KEYS[5], 'state', 'done', 'finishedAtMs', now)
  redis.call('UNLINK', KEYS[6])
end
if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
return 1`;

const READ_HASH_SCRIPT = `return redis.call('HGETALL', KEYS[1])`;
const SCAN_SCRIPT = `return redis.call('SSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])`;

/** Shared with the in-memory store: a ledger hash as a record, or `undefined` when it is absent or unreadable. */
export function ledgerFromFields(fields: ReadonlyMap<string, string>): LedgerRecord | undefined {
  const occurrence = fields.get('occurrence');
  const runId = fields.get('runId');
  if (occurrence === undefined || runId === undefined) return undefined;
  return {
    occurrence,
    runId,
    owner: fields.get('owner') ?? '',
    state: fields.get('state') === 'running' ? 'running' : 'done',
    startedAtMs: Number(fields.get('startedAtMs') ?? 0),
    attempt: Number(fields.get('attempt') ?? 1),
    fencingToken: Number(fields.get('fencingToken') ?? 0),
  };
}
