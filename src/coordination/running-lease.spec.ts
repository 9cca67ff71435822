import { jest } from '@jest/globals';
import { type ClaimRequest, type LeaseRenewal, type LockStore } from '../interfaces/index.js';
import { MemoryLockStore } from '../store/memory/memory-lock.store.js';
import { RunningLease } from './running-lease.js';

/** A store whose `renewLease` answers what the test says, counting the calls. */
function scriptedStore(answer: () => Promise<LeaseRenewal>): LockStore & { extends: number } {
  const store = new MemoryLockStore();
  const scripted = Object.assign(Object.create(store) as MemoryLockStore, { extends: 0 });
  scripted.renewLease = async () => {
    scripted.extends += 1;
    return answer();
  };
  return scripted;
}

let claims = 0;
const claim = (token: string): ClaimRequest => ({
  job: 'k',
  // A new occurrence each time, due by the (fake) clock that starts at 0.
  occurrence: new Date(-1000 * ++claims),
  token,
  runId: token,
  owner: token,
  ttls: { claimUntil: new Date(0), claimMinMs: 1000, leaseMs: 3000, ledgerMs: 60_000 },
});

/** Takes the job's lease the way a run does (inside a claim), or `undefined` when another run holds it. */
async function take(store: LockStore, token: string): Promise<RunningLease | undefined> {
  const claimed = await store.claim(claim(token));
  return claimed.kind === 'won' ? new RunningLease(store, 'k', token, 3000) : undefined;
}

describe('RunningLease', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('is released only by its own token', async () => {
    const store = new MemoryLockStore();
    const first = await take(store, 'a');
    expect(first).toBeDefined();
    await expect(take(store, 'b')).resolves.toBeUndefined();
    await new RunningLease(store, 'k', 'b', 3000).release();
    await expect(take(store, 'b')).resolves.toBeUndefined();
    await first!.release();
    await expect(take(store, 'b')).resolves.toBeDefined();
  });

  it('renews every third of its TTL, so a live holder never lets it expire', async () => {
    const store = new MemoryLockStore();
    const lease = (await take(store, 'a'))!;
    const lost = jest.fn();
    lease.keepAlive({ lost });
    await jest.advanceTimersByTimeAsync(10_000);
    // Still held by "a": another holder cannot take it although 10 s passed with a 3 s TTL.
    await expect(take(store, 'b')).resolves.toBeUndefined();
    expect(lost).not.toHaveBeenCalled();
    await lease.release();
  });

  it('reports the loss once when the store says another holder has it', async () => {
    const store = scriptedStore(async () => ({ kind: 'lost' }));
    const lease = (await take(store, 'a'))!;
    const lost = jest.fn();
    lease.keepAlive({ lost });
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
      return { kind: 'renewed' };
    });
    const lease = (await take(store, 'a'))!;
    const lost = jest.fn();
    lease.keepAlive({ lost });
    await jest.advanceTimersByTimeAsync(1000); // renewed at 1 s
    failing = true;
    await jest.advanceTimersByTimeAsync(1000); // fails at 2 s: still covered until 4 s
    expect(lost).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1000); // fails at 3 s: the next try (4 s) would be too late
    expect(lost).toHaveBeenCalledTimes(1);
    expect(lost.mock.calls[0][0]).toMatch(/^not renewed for 3000ms: Error: socket closed$/);
  });

  it('tells the run once when another occurrence asked to replace it, and keeps renewing', async () => {
    const by = new Date(-500);
    const store = scriptedStore(async () => ({ kind: 'cancelled', by }));
    const lease = (await take(store, 'a'))!;
    const lost = jest.fn();
    const cancelled = jest.fn();
    lease.keepAlive({ lost, cancelled });
    await jest.advanceTimersByTimeAsync(3_000);
    expect(cancelled).toHaveBeenCalledTimes(1);
    expect(cancelled).toHaveBeenCalledWith(by);
    expect(lost).not.toHaveBeenCalled();
    // The run winds down under a lease that is still renewed.
    expect(store.extends).toBe(3);
    await lease.release();
  });

  it('renews nothing and loses nothing for a run that holds no job-wide lease', async () => {
    const store = scriptedStore(async () => ({ kind: 'lost' }));
    const lease = new RunningLease(store, 'k', 'a', 3000, false);
    const lost = jest.fn();
    lease.keepAlive({ lost });
    await jest.advanceTimersByTimeAsync(10_000);
    expect(store.extends).toBe(0);
    expect(lost).not.toHaveBeenCalled();
  });

  it('stops renewing once released', async () => {
    const store = scriptedStore(async () => ({ kind: 'renewed' }));
    const lease = (await take(store, 'a'))!;
    lease.keepAlive({ lost: jest.fn() });
    await jest.advanceTimersByTimeAsync(1000);
    expect(store.extends).toBe(1);
    await lease.release();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(store.extends).toBe(1);
  });
});
