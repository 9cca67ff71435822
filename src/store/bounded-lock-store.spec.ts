import { jest } from '@jest/globals';
import { BoundedLockStore } from './bounded-lock-store.js';
import { type LockStore, LockStoreError } from '../index.js';

type Operation = Exclude<keyof LockStore, 'kind' | 'shared'>;

const tick = new Date('2026-01-01T00:00:00Z');
const claimRequest = {
  job: 'job',
  occurrence: tick,
  token: 'my-token',
  runId: 'run-1',
  owner: 'me',
  ttls: { claimUntil: tick, claimMinMs: 1_000, leaseMs: 3_000, ledgerMs: 60_000 },
};
const takeOverRequest = {
  job: 'job',
  occurrence: tick,
  token: 'my-token',
  runId: 'run-1',
  owner: 'me',
  ttls: claimRequest.ttls,
};

/** An inner store whose every method is a jest mock, answering whatever the test says. */
function innerStore(overrides: Partial<Record<Operation, jest.Mock>> = {}) {
  const store = {
    kind: 'fake',
    shared: true,
    claim: jest.fn(async () => ({ kind: 'won', serverTimeMs: 1, scheduleVersion: 0, fencingToken: 7 })),
    abandon: jest.fn(async () => undefined),
    takeOver: jest.fn(async () => ({ kind: 'gone', serverTimeMs: 1 })),
    renewLease: jest.fn(async () => ({ kind: 'renewed' })),
    releaseLease: jest.fn(async () => undefined),
    finish: jest.fn(async () => ({ consecutiveFailures: 0, paused: false })),
    readLedger: jest.fn(async () => ({ serverTimeMs: 1 })),
    readLease: jest.fn(async () => undefined),
    ping: jest.fn(async () => ({ serverTimeMs: 1 })),
    addProgress: jest.fn(async () => undefined),
    readProgress: jest.fn(async () => ['t-1']),
    readPending: jest.fn(async () => ['t-1']),
    writePending: jest.fn(async () => undefined),
    pause: jest.fn(async () => undefined),
    unpause: jest.fn(async () => undefined),
    readPause: jest.fn(async () => undefined),
    appendHistory: jest.fn(async () => undefined),
    readHistory: jest.fn(async () => []),
    writeRunStatus: jest.fn(async () => undefined),
    readRunStatus: jest.fn(async () => undefined),
    pauseTenant: jest.fn(async () => undefined),
    unpauseTenant: jest.fn(async () => undefined),
    readTenantPauses: jest.fn(async () => ({ pauses: [], total: 0 })),
    writeSchedule: jest.fn(async () => ({ version: 1 })),
    readSchedule: jest.fn(async () => ({ version: 0 })),
    subscribe: jest.fn(async () => ({ close: async () => undefined })),
    addRetries: jest.fn(async () => undefined),
    readRetries: jest.fn(async () => []),
    writeFailedTenants: jest.fn(async () => undefined),
    readFailedTenants: jest.fn(async () => undefined),
    ...overrides,
  };
  return store as typeof store & LockStore;
}

const never = () => new Promise<never>(() => undefined);

const report = {
  jobName: 'job',
  runId: 'r',
  occurrence: tick.toISOString(),
  instanceId: 'me',
  outcome: 'completed' as const,
  startedAt: tick.toISOString(),
  finishedAt: tick.toISOString(),
  attempt: 1,
  fencingToken: 1,
};
const status = { runId: 'r', instanceId: 'me', startedAt: tick.toISOString() };

/** Every method of the port, called once. */
const calls: Array<[Operation, (store: LockStore) => Promise<unknown>]> = [
  ['claim', (s) => s.claim(claimRequest)],
  ['abandon', (s) => s.abandon({ job: 'job', occurrence: tick, token: 'my-token', runId: 'run-1' })],
  ['takeOver', (s) => s.takeOver(takeOverRequest)],
  ['renewLease', (s) => s.renewLease({ job: 'job', token: 'tok', ttlMs: 1_000 })],
  ['releaseLease', (s) => s.releaseLease({ job: 'job', token: 'tok' })],
  ['finish', (s) => s.finish({ job: 'job', occurrence: tick, runId: 'r', token: 'tok' })],
  ['readLedger', (s) => s.readLedger('job')],
  ['readLease', (s) => s.readLease('job')],
  ['ping', (s) => s.ping()],
  ['addProgress', (s) => s.addProgress('job', tick, ['a'], 1_000)],
  ['readProgress', (s) => s.readProgress('job', tick)],
  ['readPending', (s) => s.readPending('job')],
  ['writePending', (s) => s.writePending('job', ['a'], 1_000)],
  ['pause', (s) => s.pause('job', { since: tick.toISOString(), by: 'me' })],
  ['unpause', (s) => s.unpause('job')],
  ['readPause', (s) => s.readPause('job')],
  ['appendHistory', (s) => s.appendHistory('job', report, 5, 1_000)],
  ['readHistory', (s) => s.readHistory('job', 5)],
  ['writeRunStatus', (s) => s.writeRunStatus('job', status, 1_000)],
  ['readRunStatus', (s) => s.readRunStatus('job')],
  ['pauseTenant', (s) => s.pauseTenant('job', 't', { since: tick.toISOString(), by: 'me' })],
  ['unpauseTenant', (s) => s.unpauseTenant('job', 't')],
  ['readTenantPauses', (s) => s.readTenantPauses('job')],
  ['writeSchedule', (s) => s.writeSchedule('job', { cron: '* * * * *', by: 'me' })],
  ['readSchedule', (s) => s.readSchedule('job')],
  ['subscribe', (s) => s.subscribe(() => undefined)],
  ['addRetries', (s) => s.addRetries('job', tick, [{ tenantId: 'a', tries: 1 }], 1_000)],
  ['readRetries', (s) => s.readRetries('job', tick)],
  ['writeFailedTenants', (s) => s.writeFailedTenants('job', { occurrence: tick, tenantIds: ['a'], count: 1 }, 1_000)],
  ['readFailedTenants', (s) => s.readFailedTenants('job')],
];

/** Records how a promise settled without awaiting it, so a test can look at it between clock steps. */
function observe(promise: Promise<unknown>) {
  const state: { settled: boolean; error?: unknown; value?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

describe('BoundedLockStore', () => {
  it('passes answers through and keeps the inner kind', async () => {
    const duplicate = { kind: 'duplicate', serverTimeMs: 1, scheduleVersion: 0 };
    const inner = innerStore({ claim: jest.fn(async () => duplicate) });
    const store = new BoundedLockStore(inner, 1_000);
    expect(store.kind).toBe('fake');
    expect(store.shared).toBe(true);
    await expect(store.claim(claimRequest)).resolves.toEqual(duplicate);
    await expect(store.readPending('job')).resolves.toEqual(['t-1']);
    await expect(store.renewLease({ job: 'job', token: 'tok', ttlMs: 5 })).resolves.toEqual({ kind: 'renewed' });
    expect(inner.claim).toHaveBeenCalledWith(claimRequest);
    expect(inner.renewLease).toHaveBeenCalledWith({ job: 'job', token: 'tok', ttlMs: 5 });
    // A lost race is an answer, not a failure: nothing to compensate.
    expect(inner.abandon).not.toHaveBeenCalled();
  });

  it('has a bounded call for every method of the port', () => {
    const methods = Object.getOwnPropertyNames(BoundedLockStore.prototype).filter(
      (name) => name !== 'constructor' && !['afterwards', 'bound'].includes(name),
    );
    expect(methods.sort()).toEqual(calls.map(([operation]) => operation).sort());
  });

  describe('a call that never answers', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it.each(calls)('%s rejects with LockStoreError exactly at the bound', async (operation, call) => {
      const store = new BoundedLockStore(innerStore({ [operation]: jest.fn(never) }), 2_000);
      const outcome = observe(call(store));
      await jest.advanceTimersByTimeAsync(1_999);
      expect(outcome.settled).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      expect(outcome.settled).toBe(true);
      expect(outcome.error).toBeInstanceOf(LockStoreError);
      expect((outcome.error as Error).message).toBe(`fake lock store: ${operation} did not answer within 2000ms`);
    });

    it('abandons the same claim (occurrence, token, run) after a claim times out', async () => {
      const inner = innerStore({ claim: jest.fn(never) });
      const store = new BoundedLockStore(inner, 500);
      const outcome = observe(store.claim(claimRequest));
      await jest.advanceTimersByTimeAsync(499);
      expect(inner.abandon).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(1);
      expect(outcome.error).toBeInstanceOf(LockStoreError);
      expect(inner.abandon).toHaveBeenCalledTimes(1);
      expect(inner.abandon).toHaveBeenCalledWith({ job: 'job', occurrence: tick, token: 'my-token', runId: 'run-1' });
    });

    it('closes a subscription that comes up after the bound fired', async () => {
      let subscribed!: (subscription: { close(): Promise<void> }) => void;
      const close = jest.fn(async () => undefined);
      const inner = innerStore({ subscribe: jest.fn(() => new Promise((resolve) => (subscribed = resolve))) });
      const outcome = observe(new BoundedLockStore(inner, 500).subscribe(() => undefined));
      await jest.advanceTimersByTimeAsync(500);
      expect(outcome.error).toBeInstanceOf(LockStoreError);
      subscribed({ close });
      await jest.advanceTimersByTimeAsync(0);
      expect(close).toHaveBeenCalledTimes(1);
    });

    it('releases the lease a take-over may still take after it timed out', async () => {
      const inner = innerStore({ takeOver: jest.fn(never) });
      const outcome = observe(new BoundedLockStore(inner, 500).takeOver(takeOverRequest));
      await jest.advanceTimersByTimeAsync(500);
      expect(outcome.error).toBeInstanceOf(LockStoreError);
      expect(inner.releaseLease).toHaveBeenCalledWith({ job: 'job', token: 'my-token' });
    });

    it('does not turn a late success into a win once the bound has fired', async () => {
      let answer!: (won: unknown) => void;
      const inner = innerStore({ claim: jest.fn(() => new Promise((resolve) => (answer = resolve))) });
      const store = new BoundedLockStore(inner, 100);
      const outcome = observe(store.claim(claimRequest));
      await jest.advanceTimersByTimeAsync(100);
      answer({ kind: 'won', serverTimeMs: 1, fencingToken: 1 });
      await jest.advanceTimersByTimeAsync(0);
      expect(outcome.error).toBeInstanceOf(LockStoreError);
      expect(outcome.value).toBeUndefined();
    });
  });

  it('bounds a hung call on the real clock too (the timer must not depend on other work)', async () => {
    const store = new BoundedLockStore(innerStore({ readPending: jest.fn(never) }), 50);
    const started = Date.now();
    await expect(store.readPending('k')).rejects.toBeInstanceOf(LockStoreError);
    // Generous: only proves the call did not hang; the exact bound is checked on the virtual clock above.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  describe('an inner rejection', () => {
    it.each(calls)('%s becomes a LockStoreError that keeps the cause', async (operation, call) => {
      const cause = new Error('READONLY You cannot write against a read only replica');
      const store = new BoundedLockStore(
        innerStore({ [operation]: jest.fn(async () => Promise.reject(cause)) }),
        1_000,
      );
      const error = await call(store).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LockStoreError);
      expect((error as LockStoreError).message).toBe(`lock store ${operation} failed: Error: ${cause.message}`);
      expect((error as LockStoreError).cause).toBe(cause);
    });

    it('describes a non-Error rejection', async () => {
      const store = new BoundedLockStore(
        innerStore({ renewLease: jest.fn(() => Promise.reject('socket closed')) }),
        1_000,
      );
      await expect(store.renewLease({ job: 'k', token: 'tok', ttlMs: 1 })).rejects.toThrow(
        'lock store renewLease failed: socket closed',
      );
    });

    it('passes a LockStoreError through unchanged', async () => {
      const original = new LockStoreError('the Redis client is closed');
      const store = new BoundedLockStore(innerStore({ releaseLease: jest.fn(() => Promise.reject(original)) }), 1_000);
      await expect(store.releaseLease({ job: 'k', token: 'tok' })).rejects.toBe(original);
    });

    it('abandons the claim after a claim rejects', async () => {
      const inner = innerStore({ claim: jest.fn(() => Promise.reject(new Error('ECONNRESET'))) });
      await expect(new BoundedLockStore(inner, 1_000).claim(claimRequest)).rejects.toBeInstanceOf(LockStoreError);
      expect(inner.abandon).toHaveBeenCalledWith({ job: 'job', occurrence: tick, token: 'my-token', runId: 'run-1' });
    });

    it('ignores a failing abandon', async () => {
      const unhandled = jest.fn();
      process.on('unhandledRejection', unhandled);
      try {
        const inner = innerStore({
          claim: jest.fn(() => Promise.reject(new Error('ECONNRESET'))),
          abandon: jest.fn(() => Promise.reject(new Error('still down'))),
        });
        await expect(new BoundedLockStore(inner, 1_000).claim(claimRequest)).rejects.toThrow('ECONNRESET');
        await new Promise((resolve) => setImmediate(resolve));
        expect(unhandled).not.toHaveBeenCalled();
      } finally {
        process.off('unhandledRejection', unhandled);
      }
    });
  });

  describe('an inner method that throws synchronously', () => {
    const throwing = (message: string) =>
      jest.fn(() => {
        throw new TypeError(message);
      });

    it.each(calls)('%s rejects (never throws) with a LockStoreError', async (operation, call) => {
      const store = new BoundedLockStore(innerStore({ [operation]: throwing('client gone') }), 1_000);
      let pending!: Promise<unknown>;
      expect(() => (pending = call(store))).not.toThrow();
      const error = await pending.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LockStoreError);
      expect((error as Error).message).toBe(`lock store ${operation} failed: TypeError: client gone`);
    });

    it('a claim still rejects with a LockStoreError when the abandon throws synchronously too', async () => {
      // A store wrapper that checks its connection synchronously throws from every method alike.
      const inner = innerStore({ claim: throwing('client gone'), abandon: throwing('client gone') });
      const error = await new BoundedLockStore(inner, 1_000).claim(claimRequest).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LockStoreError);
      expect((error as Error).message).toBe('lock store claim failed: TypeError: client gone');
    });
  });
});
