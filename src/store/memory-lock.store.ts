import { type ClaimResult, type LockStore } from '../interfaces/index.js';

interface Entry {
  token: string;
  expiresAt: number;
}

/**
 * In-process lock store. Each method checks and sets synchronously before its first `await`, so two callers in
 * one process can never both win; across processes it suppresses nothing.
 */
export class MemoryLockStore implements LockStore {
  readonly kind = 'memory';
  readonly shared = false;
  private readonly locks = new Map<string, Entry>();
  private readonly sets = new Map<string, Set<string>>();
  // Fleet control: plain values (pause records) reuse `locks` with the value as token; lists and hashes below.
  private readonly lists = new Map<string, string[]>();
  private readonly hashes = new Map<string, { fields: Record<string, string>; expiresAt: number }>();

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

  async claim(key: string, token: string, ttlMs: number, pausedKey: string | undefined): Promise<ClaimResult> {
    if (pausedKey !== undefined && this.live(pausedKey)) return { kind: 'paused' };
    return (await this.acquire(key, token, ttlMs)) ? { kind: 'won' } : { kind: 'duplicate' };
  }

  async readValue(key: string): Promise<string | undefined> {
    return this.live(key)?.token;
  }

  async writeValue(key: string, value: string, ttlMs?: number): Promise<void> {
    this.locks.set(key, { token: value, expiresAt: ttlMs === undefined ? Infinity : this.now() + ttlMs });
  }

  async deleteKey(key: string): Promise<void> {
    this.locks.delete(key);
    this.lists.delete(key);
    this.hashes.delete(key);
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
    this.hashes.set(key, { fields: { ...current, ...fields }, expiresAt: this.now() + ttlMs });
  }

  async readHash(key: string): Promise<Record<string, string>> {
    const entry = this.hashes.get(key);
    if (!entry) return {};
    if (entry.expiresAt <= this.now()) {
      this.hashes.delete(key);
      return {};
    }
    return { ...entry.fields };
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
