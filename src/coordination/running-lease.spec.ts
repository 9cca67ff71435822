import { jest } from '@jest/globals';
import { type LockStore } from '../interfaces/index.js';
import { MemoryLockStore } from '../store/memory-lock.store.js';
import { RunningLease } from './running-lease.js';

/** A store whose `extend` answers what the test says, counting the calls. */
function scriptedStore(answer: () => Promise<boolean>): LockStore & { extends: number } {
  const store = new MemoryLockStore();
  const scripted = Object.assign(Object.create(store) as MemoryLockStore, { extends: 0 });
  scripted.extend = async () => {
    scripted.extends += 1;
    return answer();
  };
  return scripted;
}

describe('RunningLease', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('is taken only when nobody holds it, and released only by its own token', async () => {
    const store = new MemoryLockStore();
    const first = await RunningLease.take(store, 'k', 'a', 3000);
    expect(first).toBeDefined();
    await expect(RunningLease.take(store, 'k', 'b', 3000)).resolves.toBeUndefined();
    await expect(first!.release()).resolves.toBe(true);
    await expect(RunningLease.take(store, 'k', 'b', 3000)).resolves.toBeDefined();
  });

  it('renews every third of its TTL, so a live holder never lets it expire', async () => {
    const store = new MemoryLockStore();
    const lease = (await RunningLease.take(store, 'k', 'a', 3000))!;
    const lost = jest.fn();
    lease.keepAlive(lost);
    await jest.advanceTimersByTimeAsync(10_000);
    // Still held by "a": another holder cannot take it although 10 s passed with a 3 s TTL.
    await expect(store.acquire('k', 'b', 3000)).resolves.toBe(false);
    expect(lost).not.toHaveBeenCalled();
    await lease.release();
  });

  it('reports the loss once when the store says another holder has it', async () => {
    const store = scriptedStore(async () => false);
    const lease = (await RunningLease.take(store, 'k', 'a', 3000))!;
    const lost = jest.fn();
    lease.keepAlive(lost);
    await jest.advanceTimersByTimeAsync(1000);
    expect(lost).toHaveBeenCalledTimes(1);
    expect(lost).toHaveBeenCalledWith('another holder has it or it expired');
    await jest.advanceTimersByTimeAsync(10_000);
    // Renewal stopped with the loss: no more calls, no second report.
    expect(lost).toHaveBeenCalledTimes(1);
    expect(store.extends).toBe(1);
  });

  it('does not call a failed renewal a loss while the last good one still covers the lease', async () => {
    let failing = false;
    const store = scriptedStore(async () => {
      if (failing) throw new Error('socket closed');
      return true;
    });
    const lease = (await RunningLease.take(store, 'k', 'a', 3000))!;
    const lost = jest.fn();
    lease.keepAlive(lost);
    await jest.advanceTimersByTimeAsync(1000); // renewed at 1 s
    failing = true;
    await jest.advanceTimersByTimeAsync(1000); // fails at 2 s: still covered until 4 s
    expect(lost).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1000); // fails at 3 s: the next try (4 s) would be too late
    expect(lost).toHaveBeenCalledTimes(1);
    expect(lost.mock.calls[0][0]).toMatch(/^not renewed for 3000ms: Error: socket closed$/);
  });

  it('stops renewing once released', async () => {
    const store = scriptedStore(async () => true);
    const lease = (await RunningLease.take(store, 'k', 'a', 3000))!;
    lease.keepAlive(jest.fn());
    await jest.advanceTimersByTimeAsync(1000);
    expect(store.extends).toBe(1);
    await lease.release();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(store.extends).toBe(1);
  });
});
