import { MemoryLockStore } from '../index.js';

/** A clock the test moves by hand, so expiry is exact rather than raced against real time. */
function manualClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('MemoryLockStore', () => {
  it('describes itself as per-process', () => {
    const store = new MemoryLockStore();
    expect(store.kind).toBe('memory');
    expect(store.shared).toBe(false);
  });

  describe('acquire (set if absent)', () => {
    it('lets exactly one of many concurrent callers win a key', async () => {
      const store = new MemoryLockStore();
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.acquire('k', `token-${i}`, 10_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(results[0]).toBe(true);
    });

    it('refuses a held key even to its own holder', async () => {
      const store = new MemoryLockStore();
      await expect(store.acquire('k', 'a', 10_000)).resolves.toBe(true);
      await expect(store.acquire('k', 'a', 10_000)).resolves.toBe(false);
    });

    it('keeps keys independent', async () => {
      const store = new MemoryLockStore();
      await expect(store.acquire('k1', 'a', 10_000)).resolves.toBe(true);
      await expect(store.acquire('k2', 'b', 10_000)).resolves.toBe(true);
    });

    it('frees a key once its ttl has passed, and not a millisecond before', async () => {
      const clock = manualClock();
      const store = new MemoryLockStore(clock.now);
      await store.acquire('k', 'a', 500);
      clock.advance(499);
      await expect(store.acquire('k', 'b', 500)).resolves.toBe(false);
      clock.advance(1);
      await expect(store.acquire('k', 'b', 500)).resolves.toBe(true);
      // The new holder is 'b': 'a' can no longer touch the key.
      await expect(store.release('k', 'a')).resolves.toBe(false);
      await expect(store.release('k', 'b')).resolves.toBe(true);
    });
  });

  describe('extend', () => {
    it('renews the expiry only for the holder of the token', async () => {
      const clock = manualClock();
      const store = new MemoryLockStore(clock.now);
      await store.acquire('k', 'a', 500);
      clock.advance(400);
      await expect(store.extend('k', 'intruder', 500)).resolves.toBe(false);
      await expect(store.extend('k', 'a', 500)).resolves.toBe(true);
      // Without the renewal the key would have expired at +500; now it lives until +900.
      clock.advance(499);
      await expect(store.acquire('k', 'b', 500)).resolves.toBe(false);
      clock.advance(1);
      await expect(store.acquire('k', 'b', 500)).resolves.toBe(true);
    });

    it('cannot revive an expired key or create a missing one', async () => {
      const clock = manualClock();
      const store = new MemoryLockStore(clock.now);
      await expect(store.extend('missing', 'a', 500)).resolves.toBe(false);
      await store.acquire('k', 'a', 100);
      clock.advance(100);
      await expect(store.extend('k', 'a', 500)).resolves.toBe(false);
      await expect(store.acquire('k', 'b', 100)).resolves.toBe(true);
    });
  });

  describe('release (compare and delete)', () => {
    it('deletes only with the own token', async () => {
      const store = new MemoryLockStore();
      await store.acquire('k', 'a', 10_000);
      await expect(store.release('k', 'b')).resolves.toBe(false);
      await expect(store.acquire('k', 'b', 10_000)).resolves.toBe(false);
      await expect(store.release('k', 'a')).resolves.toBe(true);
      await expect(store.acquire('k', 'b', 10_000)).resolves.toBe(true);
    });

    it('reports false for a key that is gone', async () => {
      const clock = manualClock();
      const store = new MemoryLockStore(clock.now);
      await expect(store.release('never', 'a')).resolves.toBe(false);
      await store.acquire('k', 'a', 100);
      await expect(store.release('k', 'a')).resolves.toBe(true);
      await expect(store.release('k', 'a')).resolves.toBe(false);
      await store.acquire('k2', 'a', 100);
      clock.advance(100);
      await expect(store.release('k2', 'a')).resolves.toBe(false);
    });
  });

  describe('sets', () => {
    it('reads an absent set as empty', async () => {
      await expect(new MemoryLockStore().readSet('pending')).resolves.toEqual([]);
    });

    it('replaces the whole set on write and drops duplicates', async () => {
      const store = new MemoryLockStore();
      await store.writeSet('pending', ['t-1', 't-2', 't-2']);
      expect((await store.readSet('pending')).sort()).toEqual(['t-1', 't-2']);
      await store.writeSet('pending', ['t-3']);
      await expect(store.readSet('pending')).resolves.toEqual(['t-3']);
    });

    it('deletes the set when written empty', async () => {
      const store = new MemoryLockStore();
      await store.writeSet('pending', ['t-1']);
      await store.writeSet('pending', []);
      await expect(store.readSet('pending')).resolves.toEqual([]);
    });

    it('hands out copies, so a caller cannot change the stored set', async () => {
      const store = new MemoryLockStore();
      const members = ['t-1'];
      await store.writeSet('pending', members);
      members.push('t-2');
      const read = await store.readSet('pending');
      read.push('t-3');
      await expect(store.readSet('pending')).resolves.toEqual(['t-1']);
    });

    it('keeps sets apart from locks and from each other', async () => {
      const store = new MemoryLockStore();
      await store.writeSet('a', ['x']);
      await store.writeSet('b', ['y']);
      await expect(store.acquire('a', 'token', 1_000)).resolves.toBe(true);
      await expect(store.readSet('a')).resolves.toEqual(['x']);
      await expect(store.readSet('b')).resolves.toEqual(['y']);
    });
  });
});
