import { describe, expect, it } from '@jest/globals';
import { LockStoreError, type LockStore, MemoryLockStore } from '../index.js';
import { BoundedLockStore } from './bounded-lock-store.js';

function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('MemoryLockStore: fleet control', () => {
  it('forgets a value written with a ttl once it has passed (the pause that resumes by itself)', async () => {
    const clock = manualClock();
    const store = new MemoryLockStore(clock.now);
    await store.writeValue('p', '{"by":"a"}', 500);
    clock.advance(499);
    await expect(store.readValue('p')).resolves.toBe('{"by":"a"}');
    clock.advance(1);
    await expect(store.readValue('p')).resolves.toBeUndefined();
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
  it('turns a failing history write into a LockStoreError', async () => {
    const inner = Object.assign(new MemoryLockStore(), {
      pushCapped: () => Promise.reject(new Error('READONLY')),
    }) as LockStore;
    const write = new BoundedLockStore(inner, 100).pushCapped('h', 'x', 3);
    await expect(write).rejects.toBeInstanceOf(LockStoreError);
    await expect(write).rejects.toThrow(/pushCapped failed: .*READONLY/);
  });
});
