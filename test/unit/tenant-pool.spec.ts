import { jest } from '@jest/globals';
import { runPool } from '../support/internals.js';

/** A promise the test settles by hand, so ordering is decided by the test and never by a clock. */
interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every queued continuation run; the pool only reacts through promise callbacks. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** Work whose completion each test controls item by item. */
function manualWork<T>() {
  const started: T[] = [];
  const gates = new Map<T, Deferred>();
  let inFlight = 0;
  let maxInFlight = 0;
  const work = async (item: T) => {
    started.push(item);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const gate = deferred();
    gates.set(item, gate);
    try {
      await gate.promise;
    } finally {
      inFlight -= 1;
    }
  };
  return {
    work,
    started,
    finish: (item: T) => gates.get(item)!.resolve(),
    fail: (item: T, error: unknown) => gates.get(item)!.reject(error),
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
  };
}

describe('runPool', () => {
  it('starts exactly `concurrency` items at once and never more, however the items finish', async () => {
    const items = Array.from({ length: 25 }, (_, i) => i);
    const pool = manualWork<number>();
    const done = runPool(items, 4, () => true, pool.work);

    await flush();
    expect(pool.started).toEqual([0, 1, 2, 3]);

    // Finish in a scrambled order; after each step the pool must refill to exactly 4 while items remain.
    const finished = new Set<number>();
    for (let step = 0; pool.started.length < items.length; step++) {
      const running = pool.started.filter((item) => !finished.has(item));
      const victim = running[(step * 7) % running.length];
      finished.add(victim);
      pool.finish(victim);
      await flush();
      expect(pool.inFlight).toBe(4);
    }
    for (const item of items) pool.finish(item);
    await expect(done).resolves.toBe(25);
    expect(pool.maxInFlight).toBe(4);
    expect([...pool.started].sort((a, b) => a - b)).toEqual(items);
  });

  it('fills a freed slot at once while a slow item keeps its own slot (a pool, not batches)', async () => {
    const pool = manualWork<string>();
    const done = runPool(['slow', 'a', 'b', 'c', 'd'], 2, () => true, pool.work);
    await flush();
    expect(pool.started).toEqual(['slow', 'a']);

    // With fixed batches, 'b' would wait for 'slow'. Here each finish of a fast item starts the next one.
    pool.finish('a');
    await flush();
    expect(pool.started).toEqual(['slow', 'a', 'b']);
    pool.finish('b');
    await flush();
    pool.finish('c');
    await flush();
    expect(pool.started).toEqual(['slow', 'a', 'b', 'c', 'd']);

    let settled = false;
    void done.then(() => (settled = true));
    pool.finish('d');
    await flush();
    expect(settled).toBe(false);
    pool.finish('slow');
    await expect(done).resolves.toBe(5);
  });

  describe('with uneven durations on a virtual clock', () => {
    beforeEach(() => jest.useFakeTimers({ now: 0 }));
    afterEach(() => jest.useRealTimers());

    it('finishes at the pool bound, not the batch bound', async () => {
      // Concurrency 2. Batches of two would take max(100,10) + max(10,100) + max(10,10) = 210.
      // A pool runs 100 on one lane while the other does 10+10+100 → both lanes end at 120.
      const durations = [100, 10, 10, 100, 10, 10];
      const finishedAt: number[] = [];
      const done = runPool(durations, 2, () => true, async (ms) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        finishedAt.push(Date.now());
      });
      await jest.advanceTimersByTimeAsync(1_000);
      await expect(done).resolves.toBe(6);
      expect(Math.max(...finishedAt)).toBe(120);
    });
  });

  it('stops dispatching once canStart says no and returns how many started', async () => {
    const pool = manualWork<number>();
    let open = true;
    const items = Array.from({ length: 10 }, (_, i) => i);
    const done = runPool(items, 3, () => open, pool.work);
    await flush();
    pool.finish(0);
    await flush();
    expect(pool.started).toEqual([0, 1, 2, 3]);

    open = false;
    // Running items still finish; none of them may pull a new item.
    pool.finish(1);
    pool.finish(2);
    pool.finish(3);
    await expect(done).resolves.toBe(4);
    expect(pool.started).toEqual([0, 1, 2, 3]);
    expect(items.slice(4)).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('asks canStart before the very first start', async () => {
    const work = jest.fn(async () => undefined);
    await expect(runPool([1, 2, 3], 2, () => false, work)).resolves.toBe(0);
    expect(work).not.toHaveBeenCalled();
  });

  it('keeps going when a worker rejects or throws synchronously', async () => {
    const pool = manualWork<string>();
    const throwing = (item: string) => {
      if (item === 'sync') throw new Error('sync throw');
      return pool.work(item);
    };
    const done = runPool(['x', 'sync', 'y', 'z'], 1, () => true, throwing as (item: string) => Promise<void>);
    await flush();
    expect(pool.started).toEqual(['x']);
    pool.fail('x', new Error('rejected'));
    await flush();
    // 'sync' threw before returning a promise; the lane must still move on to 'y'.
    expect(pool.started).toEqual(['x', 'y']);
    pool.finish('y');
    await flush();
    pool.finish('z');
    await expect(done).resolves.toBe(4);
    expect(pool.started).toEqual(['x', 'y', 'z']);
  });

  it('handles fewer items than slots and an empty list', async () => {
    const seen: number[] = [];
    await expect(runPool([7, 8], 10, () => true, async (n) => void seen.push(n))).resolves.toBe(2);
    expect(seen).toEqual([7, 8]);
    await expect(runPool([], 3, () => true, async () => undefined)).resolves.toBe(0);
  });

  it('starts items in list order, so whatever leads the list goes first', async () => {
    const pool = manualWork<string>();
    const done = runPool(['p1', 'p2', 'r1', 'r2', 'r3'], 2, () => true, pool.work);
    await flush();
    pool.finish('p2');
    await flush();
    pool.finish('p1');
    await flush();
    pool.finish('r1');
    await flush();
    pool.finish('r2');
    pool.finish('r3');
    await done;
    expect(pool.started).toEqual(['p1', 'p2', 'r1', 'r2', 'r3']);
  });
});
