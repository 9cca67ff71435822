import { LockStoreError } from '../../common/errors/index.js';
import {
  type AbandonRequest,
  type ClaimRequest,
  type ClaimResult,
  type FailedTenants,
  type FinishRequest,
  type FinishResult,
  type LeaseRenewal,
  type JobPause,
  type JobRunReport,
  type LeaseRecord,
  type LeaseRequest,
  type LedgerRead,
  type LedgerRecord,
  type LockStore,
  type RedisLockClient,
  type RunStatus,
  type ScheduleOverride,
  type ScheduleState,
  type StoreSignal,
  type StoreSubscription,
  type TakeOverRequest,
  type TakeOverResult,
  type TenantPause,
  type TenantTries,
} from '../../interfaces/index.js';
import { parseJson } from '../../common/parse-json.js';
import { RedisKeys } from './redis-keys.js';
import {
  ABANDON,
  CLAIM,
  FINISH,
  HASH_DELETE,
  READ_FAILED,
  SCAN_HASH,
  UNPAUSE,
  WRITE_FAILED,
  PAUSE_TENANT,
  READ_SCHEDULE,
  READ_TENANT_PAUSES,
  WRITE_SCHEDULE,
  PING,
  PUSH_CAPPED,
  READ_LEASE,
  READ_LEDGER,
  REPLACE_SET_START,
  RELEASE_LEASE,
  RENEW_LEASE,
  SCAN_SET,
  TAKE_OVER,
  WRITE_VALUE,
  type RedisScript,
} from './redis-scripts.js';

/** Options of {@link RedisLockStore}. */
export interface RedisLockStoreOptions {
  /** Every key starts with it: apps with different prefixes share nothing. Default: `'coordinated-cron'`. */
  keyPrefix?: string;
}

/**
 * Members per set command, and the SSCAN page size (COUNT is a hint): a tenth of the 10,000 members one call may
 * carry, so that each command takes Redis about a millisecond and a PING from another client never waits long.
 */
const SET_CHUNK = 1_000;

const ms = (value: number) => String(Math.max(1, Math.ceil(value)));

/** Occurrences whose failed tenants a job keeps, newest first. */
const FAILED_OCCURRENCES_KEPT = 100;
/** How long the ledger lives after a completed run is counted in it: as long as a claim keeps it at the least. */
const LEDGER_FLOOR_MS = 400 * 24 * 60 * 60 * 1000;

/**
 * The lock store on Redis (standalone, Sentinel or Cluster): each decision is one Lua script on the job's keys, sent
 * with `EVALSHA` (the full script only when Redis answers `NOSCRIPT`). `getClient` may connect lazily (as
 * `KeyvRedis.getClient()` does); a client that is not ready fails the call at once instead of queueing it, so a dead
 * Redis is reported as a lock error, never as a free lock.
 */
export class RedisLockStore implements LockStore {
  readonly kind = 'redis';
  readonly shared = true;
  private readonly keys: RedisKeys;
  private connecting?: Promise<RedisLockClient>;
  private connected?: RedisLockClient;

  constructor(
    private readonly getClient: () => Promise<RedisLockClient> | RedisLockClient,
    options: RedisLockStoreOptions = {},
  ) {
    this.keys = new RedisKeys(options.keyPrefix ?? 'coordinated-cron');
  }

  // --- occurrences, the running lease and the ledger -----------------------------------------------------------------

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const { job, occurrence, ttls } = request;
    const k = this.keys;
    const reply = (await this.run(
      CLAIM,
      [
        k.paused(job),
        k.occurrence(job, occurrence),
        k.lease(job),
        k.fence(job),
        k.ledger(job),
        k.schedule(job),
        k.queued(job),
        k.cancel(job),
      ],
      [
        request.token,
        request.runId,
        request.owner,
        occurrence.toISOString(),
        String(occurrence.getTime()),
        String(ttls.claimUntil.getTime()),
        ms(ttls.claimMinMs),
        ms(ttls.leaseMs),
        ms(ttls.ledgerMs),
        String(request.lateAt?.getTime() ?? -1),
        request.ignorePause ? '1' : '0',
        String(request.scheduleVersion ?? -1),
        request.catchup ? '1' : '0',
        request.overlap ?? 'skip',
        request.queued ? '1' : '0',
        request.retry ? '1' : '0',
      ],
    )) as unknown[];
    const kind = String(reply[0]);
    const clock = { serverTimeMs: Number(reply[1]), scheduleVersion: Number(reply[2]) };
    switch (kind) {
      case 'won':
        return { kind, ...clock, fencingToken: Number(reply[3]) };
      case 'duplicate': {
        const left = Number(reply[3]);
        return left >= 0 ? { kind, ...clock, runningLeaseMs: left } : { kind, ...clock };
      }
      case 'early':
        return { kind, ...clock, dueInMs: Number(reply[3]) };
      case 'overlap':
        return { kind, ...clock, leaseMs: Number(reply[3]) };
      case 'queued':
        return { kind, ...clock, leaseMs: Number(reply[3]), cancelling: Number(reply[4]) === 1 };
      case 'paused':
      case 'late':
      case 'rescheduled':
        return { kind, ...clock };
      default:
        throw new LockStoreError(`unexpected claim reply ${JSON.stringify(reply)}`);
    }
  }

  async abandon(request: AbandonRequest): Promise<void> {
    const { job } = request;
    await this.run(
      ABANDON,
      [this.keys.occurrence(job, request.occurrence), this.keys.lease(job), this.keys.ledger(job)],
      [request.token, request.runId],
    );
  }

  async takeOver(request: TakeOverRequest): Promise<TakeOverResult> {
    const { job, occurrence } = request;
    const k = this.keys;
    const reply = (await this.run(
      TAKE_OVER,
      [
        k.paused(job),
        k.lease(job),
        k.fence(job),
        k.ledger(job),
        k.progress(job, occurrence),
        k.retries(job, occurrence),
      ],
      [
        request.token,
        request.runId,
        request.owner,
        occurrence.toISOString(),
        ms(request.ttls.leaseMs),
        ms(request.ttls.ledgerMs),
      ],
    )) as unknown[];
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
        throw new LockStoreError(`unexpected takeOver reply ${JSON.stringify(reply)}`);
    }
  }

  async renewLease(request: LeaseRequest): Promise<LeaseRenewal> {
    const { job } = request;
    const reply = await this.run(
      RENEW_LEASE,
      [this.keys.lease(job), this.keys.cancel(job)],
      [request.token, ms(request.ttlMs)],
    );
    if (Array.isArray(reply)) return { kind: 'cancelled', by: new Date(Number(reply[1])) };
    return Number(reply) === 1 ? { kind: 'renewed' } : { kind: 'lost' };
  }

  async releaseLease(request: Omit<LeaseRequest, 'ttlMs'>): Promise<void> {
    await this.run(RELEASE_LEASE, [this.keys.lease(request.job)], [request.token]);
  }

  async finish(request: FinishRequest): Promise<FinishResult> {
    const { job, occurrence } = request;
    const k = this.keys;
    const [next, failures, paused] = (await this.run(
      FINISH,
      [
        k.lease(job),
        k.ledger(job),
        k.progress(job, occurrence),
        k.retries(job, occurrence),
        k.queued(job),
        k.cancel(job),
        k.paused(job),
      ],
      [
        request.runId,
        request.token,
        request.outcome ?? '',
        occurrence.toISOString(),
        String(request.pauseAfter?.failures ?? 0),
        request.pauseAfter ? JSON.stringify(request.pauseAfter.record) : '',
        ms(LEDGER_FLOOR_MS),
      ],
    )) as [unknown, unknown, unknown];
    const result: FinishResult = { consecutiveFailures: Number(failures), paused: Number(paused) === 1 };
    if (next) result.next = new Date(String(next));
    return result;
  }

  async readLedger(job: string): Promise<LedgerRead> {
    const [now, flat] = (await this.run(READ_LEDGER, [this.keys.ledger(job)], [])) as [unknown, unknown[]];
    const fields = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2) fields.set(String(flat[i]), String(flat[i + 1]));
    const ledger = ledgerFromFields(fields);
    return ledger ? { ledger, serverTimeMs: Number(now) } : { serverTimeMs: Number(now) };
  }

  async readLease(job: string): Promise<LeaseRecord | undefined> {
    const [token, left] = (await this.run(READ_LEASE, [this.keys.lease(job)], [])) as [unknown, unknown];
    if (token === null || token === undefined) return undefined;
    const ttl = Number(left);
    return { token: String(token), expiresInMs: ttl < 0 ? Number.POSITIVE_INFINITY : ttl };
  }

  async ping(): Promise<{ serverTimeMs: number }> {
    return { serverTimeMs: Number(await this.run(PING, [], [])) };
  }

  // --- tenants ----------------------------------------------------------------------------------------------------------

  addProgress(job: string, occurrence: Date, tenantIds: readonly string[], ttlMs: number): Promise<void> {
    return this.addMembers(this.keys.progress(job, occurrence), tenantIds, ttlMs);
  }

  readProgress(job: string, occurrence: Date): Promise<string[]> {
    return this.readSet(this.keys.progress(job, occurrence));
  }

  readPending(job: string): Promise<string[]> {
    return this.readSet(this.keys.pending(job));
  }

  async addRetries(job: string, occurrence: Date, retries: readonly TenantTries[], ttlMs: number): Promise<void> {
    if (retries.length === 0) return;
    const client = await this.client();
    const key = this.keys.retries(job, occurrence);
    for (let offset = 0; offset < retries.length; offset += SET_CHUNK) {
      const fields = retries
        .slice(offset, offset + SET_CHUNK)
        .flatMap(({ tenantId, tries }) => [tenantId, String(tries)]);
      await client.hSet(key, fields);
    }
    await client.pExpire(key, Math.max(1, Math.ceil(ttlMs)));
  }

  async readRetries(job: string, occurrence: Date): Promise<TenantTries[]> {
    const key = this.keys.retries(job, occurrence);
    const retries: TenantTries[] = [];
    let cursor = '0';
    do {
      const page = (await this.run(SCAN_HASH, [key], [cursor, String(SET_CHUNK)])) as [unknown, unknown[]];
      cursor = String(page[0]);
      const flat = page[1];
      for (let i = 0; i + 1 < flat.length; i += 2)
        retries.push({ tenantId: String(flat[i]), tries: Number(flat[i + 1]) });
    } while (cursor !== '0');
    return retries;
  }

  async writeFailedTenants(job: string, failed: FailedTenants, ttlMs: number): Promise<void> {
    const record = failed.count > 0 ? JSON.stringify({ tenantIds: failed.tenantIds, count: failed.count }) : '';
    await this.run(
      WRITE_FAILED,
      [this.keys.failed(job)],
      [String(failed.occurrence.getTime()), record, ms(ttlMs), String(FAILED_OCCURRENCES_KEPT)],
    );
  }

  async readFailedTenants(job: string, occurrence?: Date): Promise<FailedTenants | undefined> {
    const wanted = occurrence ? String(occurrence.getTime()) : '';
    const reply = (await this.run(READ_FAILED, [this.keys.failed(job)], [wanted])) as unknown[];
    if (reply.length < 2 || reply[1] === null || reply[1] === undefined) return undefined;
    const record = parseJson<{ tenantIds: string[]; count: number }>(String(reply[1]));
    return record && { occurrence: new Date(Number(reply[0])), tenantIds: record.tenantIds, count: record.count };
  }

  async writePending(job: string, tenantIds: readonly string[], ttlMs: number): Promise<void> {
    const key = this.keys.pending(job);
    await this.run(REPLACE_SET_START, [key], []);
    await this.addMembers(key, tenantIds, ttlMs);
  }

  // --- fleet control ----------------------------------------------------------------------------------------------------

  async pause(job: string, record: JobPause): Promise<void> {
    const until = record.until === undefined ? 0 : Date.parse(record.until);
    await this.run(WRITE_VALUE, [this.keys.paused(job)], [JSON.stringify(record), String(until), '0']);
  }

  async unpause(job: string): Promise<void> {
    await this.run(UNPAUSE, [this.keys.paused(job), this.keys.ledger(job)], []);
  }

  async readPause(job: string): Promise<JobPause | undefined> {
    const client = await this.client();
    const value = await client.get(this.keys.paused(job));
    return value === null ? undefined : parseJson<JobPause>(value);
  }

  async appendHistory(job: string, report: JobRunReport, max: number, ttlMs: number): Promise<void> {
    await this.run(
      PUSH_CAPPED,
      [this.keys.history(job)],
      [JSON.stringify(report), String(Math.max(1, Math.floor(max))), ms(ttlMs)],
    );
  }

  async readHistory(job: string, count: number): Promise<JobRunReport[]> {
    if (count <= 0) return [];
    const client = await this.client();
    const entries = await client.lRange(this.keys.history(job), 0, count - 1);
    return entries.flatMap((entry) => parseJson<JobRunReport>(entry) ?? []);
  }

  async writeRunStatus(job: string, status: RunStatus, ttlMs: number): Promise<void> {
    await this.run(WRITE_VALUE, [this.keys.runStatus(job)], [JSON.stringify(status), '0', ms(ttlMs)]);
  }

  async readRunStatus(job: string): Promise<RunStatus | undefined> {
    const client = await this.client();
    const value = await client.get(this.keys.runStatus(job));
    return value === null ? undefined : parseJson<RunStatus>(value);
  }

  // --- tenants paused one by one -------------------------------------------------------------------------------------

  async pauseTenant(job: string, tenantId: string, record: JobPause): Promise<void> {
    const until = record.until === undefined ? '' : String(Date.parse(record.until));
    await this.run(PAUSE_TENANT, [this.keys.tenantPauses(job)], [tenantId, until, JSON.stringify(record)]);
  }

  async unpauseTenant(job: string, tenantId: string): Promise<void> {
    await this.run(HASH_DELETE, [this.keys.tenantPauses(job)], [tenantId]);
  }

  async readTenantPauses(job: string, limit?: number): Promise<{ pauses: TenantPause[]; total: number }> {
    const [total, flat] = (await this.run(
      READ_TENANT_PAUSES,
      [this.keys.tenantPauses(job)],
      [String(limit === undefined ? -1 : Math.max(0, Math.floor(limit)))],
    )) as [unknown, unknown[]];
    const pauses: TenantPause[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const record = parseJson<JobPause>(String(flat[i + 1]));
      if (record) pauses.push({ tenantId: String(flat[i]), ...record });
    }
    return { pauses, total: Number(total) };
  }

  // --- schedules changed at runtime --------------------------------------------------------------------------------------

  async writeSchedule(job: string, override: ScheduleOverride | null): Promise<ScheduleState> {
    const [version, changedAt] = (await this.run(
      WRITE_SCHEDULE,
      [this.keys.schedule(job)],
      [override === null ? '' : JSON.stringify(override), this.keys.signals, job],
    )) as [unknown, unknown];
    const state: ScheduleState = { version: Number(version), changedAt: new Date(Number(changedAt)) };
    if (override !== null) state.override = override;
    return state;
  }

  async readSchedule(job: string): Promise<ScheduleState> {
    const [version, changedAt, override] = (await this.run(READ_SCHEDULE, [this.keys.schedule(job)], [])) as Array<
      string | null
    >;
    const state: ScheduleState = { version: Number(version ?? 0) };
    if (changedAt !== null) state.changedAt = new Date(Number(changedAt));
    const parsed = override === null ? undefined : parseJson<ScheduleOverride>(override);
    if (parsed) state.override = parsed;
    return state;
  }

  /**
   * Subscribes to this prefix's signal channel on a connection of its own: a duplicate of a standalone or Cluster
   * client (closed by `close()`), or the pub/sub connection a Sentinel client keeps. It sends nothing while it waits.
   */
  async subscribe(listener: (signal: StoreSignal) => void): Promise<StoreSubscription> {
    const client = await this.client();
    const channel = this.keys.signals;
    const onMessage = (message: string) => {
      const signal = parseJson<{ job?: unknown; version?: unknown }>(message);
      if (typeof signal?.job === 'string' && typeof signal.version === 'number') {
        listener({ kind: 'schedule', job: signal.job, version: signal.version });
      }
    };
    if (typeof client.duplicate === 'function') {
      const subscriber = client.duplicate();
      // Its errors surface as failed calls of its own (resubscribed on reconnect); none may go unhandled.
      subscriber.on?.('error', () => undefined);
      await subscriber.connect();
      await subscriber.subscribe(channel, onMessage);
      return { close: async () => void subscriber.destroy() };
    }
    if (typeof client.subscribe === 'function') {
      await client.subscribe(channel, onMessage);
      return { close: async () => void (await client.unsubscribe?.(channel)) };
    }
    throw new LockStoreError('this Redis client can neither subscribe nor be duplicated to subscribe');
  }

  // --- plumbing ---------------------------------------------------------------------------------------------------------

  /** Read in SSCAN pages of about `SET_CHUNK` members, so that no reply carries a million of them. */
  private async readSet(key: string): Promise<string[]> {
    const members: string[] = [];
    let cursor = '0';
    do {
      const page = (await this.run(SCAN_SET, [key], [cursor, String(SET_CHUNK)])) as [unknown, unknown[]];
      cursor = String(page[0]);
      for (const member of page[1]) members.push(String(member));
    } while (cursor !== '0');
    return members;
  }

  /**
   * Adds `members` to the set at `key` in plain SADDs of at most `SET_CHUNK` members, one after another: a million
   * ids never travel in one command, no command holds the server for long, and other clients are served between
   * them. Not atomic; the sets written this way (pending tenants, progress) only ever lose what a reader will run
   * again.
   */
  private async addMembers(key: string, members: readonly string[], ttlMs: number): Promise<void> {
    if (members.length === 0) return;
    const client = await this.client();
    for (let offset = 0; offset < members.length; offset += SET_CHUNK) {
      await client.sAdd(key, members.slice(offset, offset + SET_CHUNK));
    }
    await client.pExpire(key, Math.max(1, Math.ceil(ttlMs)));
  }

  /** `EVALSHA`, and the full script once when this Redis does not know it yet (a restart, a new node). */
  private async run(script: RedisScript, keys: string[], args: string[]): Promise<unknown> {
    const client = await this.client();
    const options = { keys, arguments: args };
    try {
      return await client.evalSha(script.sha, options);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return client.eval(script.body, options);
    }
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

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/** A ledger hash as a record, or `undefined` when it is absent or unreadable. */
function ledgerFromFields(fields: ReadonlyMap<string, string>): LedgerRecord | undefined {
  const occurrence = fields.get('occurrence');
  const runId = fields.get('runId');
  if (occurrence === undefined || runId === undefined) return undefined;
  const ledger: LedgerRecord = {
    occurrence: new Date(occurrence),
    runId,
    owner: fields.get('owner') ?? '',
    state: fields.get('state') === 'running' ? 'running' : 'done',
    startedAt: new Date(Number(fields.get('startedAtMs') ?? 0)),
    attempt: Number(fields.get('attempt') ?? 1),
    fencingToken: Number(fields.get('fencingToken') ?? 0),
    consecutiveFailures: Number(fields.get('consecutiveFailures') ?? 0),
  };
  const lastCompleted = fields.get('lastCompletedOccurrence');
  if (lastCompleted !== undefined) {
    ledger.lastCompleted = {
      occurrence: new Date(lastCompleted),
      finishedAt: new Date(Number(fields.get('lastCompletedAtMs') ?? 0)),
    };
  }
  return ledger;
}
