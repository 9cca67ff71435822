import { type LockStore } from '../interfaces/index.js';

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

  private live(key: string): Entry | undefined {
    const entry = this.locks.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.locks.delete(key);
      return undefined;
    }
    return entry;
  }
}
