import { describe, expect, it } from '@jest/globals';
import { LockStoreError, type LockStore, MemoryLockStore } from '../index.js';
import { BoundedLockStore } from './bounded-lock-store.js';

function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('MemoryLockStore: fleet control', () => {
  it('claim answers paused while the pause key lives, and sets nothing', async () => {
    const clock = manualClock();
    const store = new MemoryLockStore(clock.now);
    await store.writeValue('p', '{"by":"a"}', 500);
    await expect(store.claim('c', 't', 10_000, 'p')).resolves.toEqual({ kind: 'paused' });
    await expect(store.claim('c', 't', 10_000, undefined)).resolves.toEqual({ kind: 'won' });
    await expect(store.claim('c', 't2', 10_000, undefined)).resolves.toEqual({ kind: 'duplicate' });
    clock.advance(500);
    await expect(store.readValue('p')).resolves.toBeUndefined();
    await expect(store.claim('c2', 't', 10_000, 'p')).resolves.toEqual({ kind: 'won' });
  });

  it('keeps a value without ttl until it is deleted', async () => {
    const clock = manualClock();
    const store = new MemoryLockStore(clock.now);
    await store.writeValue('p', 'x');
    clock.advance(10 ** 9);
    await expect(store.readValue('p')).resolves.toBe('x');
    await store.deleteKey('p');
    await expect(store.readValue('p')).resolves.toBeUndefined();
  });

  it('caps a list, newest first', async () => {
    const store = new MemoryLockStore();
    for (const entry of ['1', '2', '3', '4']) await store.pushCapped('h', entry, 3);
    await expect(store.readList('h', 10)).resolves.toEqual(['4', '3', '2']);
    await expect(store.readList('h', 2)).resolves.toEqual(['4', '3']);
    await expect(store.readList('h', 0)).resolves.toEqual([]);
  });

  it('merges hash fields and expires the hash', async () => {
    const clock = manualClock();
    const store = new MemoryLockStore(clock.now);
    await store.writeHash('g', { a: '1', b: '2' }, 100);
    await store.writeHash('g', { b: '3' }, 100);
    await expect(store.readHash('g')).resolves.toEqual({ a: '1', b: '3' });
    clock.advance(100);
    await expect(store.readHash('g')).resolves.toEqual({});
  });
});

describe('BoundedLockStore: fleet control', () => {
  it('bounds the claim by the timeout and queues a release behind it', async () => {
    const released: string[] = [];
    const inner = Object.assign(new MemoryLockStore(), {
      claim: () => new Promise<never>(() => undefined),
      release: async (key: string) => {
        released.push(key);
        return true;
      },
    }) as LockStore;
    const store = new BoundedLockStore(inner, 20);
    await expect(store.claim('c', 't', 1000, 'p')).rejects.toBeInstanceOf(LockStoreError);
    expect(released).toEqual(['c']);
  });

  it('turns a failing history write into a LockStoreError', async () => {
    const inner = Object.assign(new MemoryLockStore(), {
      pushCapped: () => Promise.reject(new Error('READONLY')),
    }) as LockStore;
    await expect(new BoundedLockStore(inner, 100).pushCapped('h', 'x', 3)).rejects.toThrow(
      /pushCapped failed: .*READONLY/,
    );
  });
});
