import {
  type ClaimKeys,
  type ClaimRequest,
  type ClaimResult,
  type LedgerLockStore,
  type LedgerRecord,
  type ResumeRequest,
  type ResumeResult,
} from '../interfaces/index.js';
import { ledgerFromFields } from './redis-lock.store.js';

interface Entry {
  token: string;
  expiresAt: number;
}

/**
 * In-process lock store. Each method checks and sets synchronously before its first `await`, so two callers in
 * one process can never both win; across processes it suppresses nothing.
 */
export class MemoryLockStore implements LedgerLockStore {
  readonly kind = 'memory';
  readonly shared = false;
  private readonly locks = new Map<string, Entry>();
  private readonly sets = new Map<string, Set<string>>();
  // Fleet control: plain values (pause records) reuse `locks` with the value as token; lists and hashes below.
  private readonly lists = new Map<string, string[]>();
  private readonly statusHashes = new Map<string, { fields: Record<string, string>; expiresAt: number }>();
  private readonly hashes = new Map<string, Map<string, string>>();
  private readonly counters = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  async acquire(key: string, token: string, ttlMs: number): Promise<boolean> {
    const held = this.live(key);
    if (held) return false;
    this.locks.set(key, { token, expiresAt: this.now() + ttlMs });
    return true;
  }

  async extend(key: string, token: string, ttlMs: number): Promise<boolean> {
    const held = this.live(key);
    if (!held || held.token !== token) return false;
    held.expiresAt = this.now() + ttlMs;
    return true;
  }

  async release(key: string, token: string): Promise<boolean> {
    const held = this.live(key);
    if (!held || held.token !== token) return false;
    this.locks.delete(key);
    return true;
  }

  async readSet(key: string): Promise<string[]> {
    return [...(this.sets.get(key) ?? [])];
  }

  async writeSet(key: string, members: readonly string[]): Promise<void> {
    if (members.length === 0) this.sets.delete(key);
    else this.sets.set(key, new Set(members));
  }

  // --- Fleet control: pause, history, run progress. ---

  async readValue(key: string): Promise<string | undefined> {
    return this.live(key)?.token;
  }

  async writeValue(key: string, value: string, ttlMs?: number): Promise<void> {
    this.locks.set(key, { token: value, expiresAt: ttlMs === undefined ? Infinity : this.now() + ttlMs });
  }

  async deleteKey(key: string): Promise<void> {
    this.locks.delete(key);
    this.lists.delete(key);
    this.statusHashes.delete(key);
    this.sets.delete(key);
  }

  async pushCapped(key: string, entry: string, maxLength: number): Promise<void> {
    const list = [entry, ...(this.lists.get(key) ?? [])].slice(0, Math.max(1, Math.floor(maxLength)));
    this.lists.set(key, list);
  }

  async readList(key: string, count: number): Promise<string[]> {
    return (this.lists.get(key) ?? []).slice(0, Math.max(0, count));
  }

  async writeHash(key: string, fields: Record<string, string>, ttlMs: number): Promise<void> {
    const current = await this.readHash(key);
    this.statusHashes.set(key, { fields: { ...current, ...fields }, expiresAt: this.now() + ttlMs });
  }

  async readHash(key: string): Promise<Record<string, string>> {
    const entry = this.statusHashes.get(key);
    if (!entry) return {};
    if (entry.expiresAt <= this.now()) {
      this.statusHashes.delete(key);
      return {};
    }
    return { ...entry.fields };
  }

  // --- run ledger, fencing and crash resume -----------------------------------------------------------------------
  // The same decisions as the Redis scripts, each taken synchronously so that it is atomic within the process.
  // Ledger and fence expiry are not modelled: a process-local store lives no longer than they would.

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const { keys } = request;
    const serverTimeMs = this.now();
    if (!request.ignorePause && this.live(keys.paused)) return { kind: 'paused', serverTimeMs };
    if (this.live(keys.occurrence)) {
      const ledger = this.hashes.get(keys.ledger);
      const running = ledger?.get('occurrence') === request.occurrence && ledger.get('state') === 'running';
      if (!running) return { kind: 'duplicate', serverTimeMs };
      const lease = this.live(keys.lease);
      return {
        kind: 'duplicate',
        serverTimeMs,
        runningLeaseMs: lease ? Math.max(0, lease.expiresAt - serverTimeMs) : 0,
      };
    }
    this.locks.set(keys.occurrence, { token: request.token, expiresAt: serverTimeMs + request.claimTtlMs });
    if (this.live(keys.lease)) return { kind: 'overlap', serverTimeMs };
    this.locks.set(keys.lease, { token: request.token, expiresAt: serverTimeMs + request.leaseTtlMs });
    const fencingToken = this.nextFence(keys.fence);
    const ledger = this.hashes.get(keys.ledger) ?? new Map<string, string>();
    if (request.occurrenceMs >= Number(ledger.get('occurrenceMs') ?? -1)) {
      if (ledger.get('occurrence') !== request.occurrence) this.sets.delete(keys.progress);
      ledger.set('occurrence', request.occurrence).set('occurrenceMs', String(request.occurrenceMs));
      ledger.set('runId', request.runId).set('owner', request.owner).set('state', 'running');
      ledger.set('startedAtMs', String(serverTimeMs)).set('attempt', '1').set('fencingToken', String(fencingToken));
      this.hashes.set(keys.ledger, ledger);
    }
    return { kind: 'won', fencingToken, serverTimeMs };
  }

  async resume(request: ResumeRequest): Promise<ResumeResult> {
    const { keys } = request;
    const serverTimeMs = this.now();
    if (this.live(keys.paused)) return { kind: 'paused', serverTimeMs };
    const ledger = this.hashes.get(keys.ledger);
    if (ledger?.get('occurrence') !== request.occurrence || ledger.get('state') !== 'running') {
      return { kind: 'gone', serverTimeMs };
    }
    const lease = this.live(keys.lease);
    if (lease) return { kind: 'held', serverTimeMs, leaseMs: Math.max(1, lease.expiresAt - serverTimeMs) };
    this.locks.set(keys.lease, { token: request.token, expiresAt: serverTimeMs + request.leaseTtlMs });
    const fencingToken = this.nextFence(keys.fence);
    const attempt = Number(ledger.get('attempt') ?? 1) + 1;
    const resumedFrom = ledger.get('runId') ?? '';
    ledger.set('runId', request.runId).set('owner', request.owner).set('attempt', String(attempt));
    ledger.set('fencingToken', String(fencingToken));
    return { kind: 'won', fencingToken, serverTimeMs, attempt, resumedFrom };
  }

  async finish(keys: ClaimKeys, runId: string, token: string): Promise<void> {
    const ledger = this.hashes.get(keys.ledger);
    if (ledger?.get('runId') === runId) {
      ledger.set('state', 'done');
      this.sets.delete(keys.progress);
    }
    if (this.live(keys.lease)?.token === token) this.locks.delete(keys.lease);
  }

  async readLedger(key: string): Promise<LedgerRecord | undefined> {
    const ledger = this.hashes.get(key);
    return ledger ? ledgerFromFields(ledger) : undefined;
  }

  async addProgress(key: string, members: readonly string[]): Promise<void> {
    const set = this.sets.get(key) ?? new Set<string>();
    for (const member of members) set.add(member);
    this.sets.set(key, set);
  }

  async readProgress(key: string): Promise<string[]> {
    return [...(this.sets.get(key) ?? [])];
  }

  private nextFence(key: string): number {
    const next = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, next);
    return next;
  }

  private live(key: string): Entry | undefined {
    const entry = this.locks.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.locks.delete(key);
      return undefined;
    }
    return entry;
  }
}
