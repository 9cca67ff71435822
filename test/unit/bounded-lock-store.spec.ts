import { jest } from '@jest/globals';
import { BoundedLockStore } from '../support/internals.js';
import { type LockStore, LockStoreError } from '../../src/index.js';

type Operation = 'acquire' | 'extend' | 'release' | 'readSet' | 'writeSet';

/** An inner store whose every method is a jest mock, answering whatever the test says. */
function innerStore(overrides: Partial<Record<Operation, jest.Mock>> = {}) {
  const store = {
    kind: 'fake',
    shared: true,
    acquire: jest.fn(async () => true),
    extend: jest.fn(async () => true),
    release: jest.fn(async () => true),
    readSet: jest.fn(async () => ['t-1']),
    writeSet: jest.fn(async () => undefined),
    ...overrides,
  };
  return store as typeof store & LockStore;
}

const never = () => new Promise<never>(() => undefined);

const calls: Array<[Operation, (store: LockStore) => Promise<unknown>]> = [
  ['acquire', (s) => s.acquire('k', 'tok', 1_000)],
  ['extend', (s) => s.extend('k', 'tok', 1_000)],
  ['release', (s) => s.release('k', 'tok')],
  ['readSet', (s) => s.readSet('k')],
  ['writeSet', (s) => s.writeSet('k', ['a'])],
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
    const inner = innerStore({ acquire: jest.fn(async () => false) });
    const store = new BoundedLockStore(inner, 1_000);
    expect(store.kind).toBe('fake');
    expect(store.shared).toBe(true);
    await expect(store.acquire('k', 'tok', 5)).resolves.toBe(false);
    await expect(store.readSet('k')).resolves.toEqual(['t-1']);
    await expect(store.extend('k', 'tok', 5)).resolves.toBe(true);
    expect(inner.acquire).toHaveBeenCalledWith('k', 'tok', 5);
    expect(inner.extend).toHaveBeenCalledWith('k', 'tok', 5);
    // A lost race is an answer, not a failure: nothing to compensate.
    expect(inner.release).not.toHaveBeenCalled();
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

    it('sends a compensating release for the same key and token after an acquire times out', async () => {
      const inner = innerStore({ acquire: jest.fn(never) });
      const store = new BoundedLockStore(inner, 500);
      const outcome = observe(store.acquire('claim-key', 'my-token', 60_000));
      await jest.advanceTimersByTimeAsync(499);
      expect(inner.release).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(1);
      expect(outcome.error).toBeInstanceOf(LockStoreError);
      expect(inner.release).toHaveBeenCalledTimes(1);
      expect(inner.release).toHaveBeenCalledWith('claim-key', 'my-token');
    });

    it('does not turn a late success into a win once the bound has fired', async () => {
      let answer!: (won: boolean) => void;
      const inner = innerStore({ acquire: jest.fn(() => new Promise<boolean>((resolve) => (answer = resolve))) });
      const store = new BoundedLockStore(inner, 100);
      const outcome = observe(store.acquire('k', 'tok', 1_000));
      await jest.advanceTimersByTimeAsync(100);
      answer(true);
      await jest.advanceTimersByTimeAsync(0);
      expect(outcome.error).toBeInstanceOf(LockStoreError);
      expect(outcome.value).toBeUndefined();
    });
  });

  it('bounds a hung call on the real clock too (the timer must not depend on other work)', async () => {
    const store = new BoundedLockStore(innerStore({ readSet: jest.fn(never) }), 50);
    const started = Date.now();
    await expect(store.readSet('k')).rejects.toBeInstanceOf(LockStoreError);
    // Generous: only proves the call did not hang; the exact bound is checked on the virtual clock above.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  describe('an inner rejection', () => {
    it.each(calls)('%s becomes a LockStoreError that keeps the cause', async (operation, call) => {
      const cause = new Error('READONLY You cannot write against a read only replica');
      const store = new BoundedLockStore(innerStore({ [operation]: jest.fn(async () => Promise.reject(cause)) }), 1_000);
      const error = await call(store).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LockStoreError);
      expect((error as LockStoreError).message).toBe(`lock store ${operation} failed: Error: ${cause.message}`);
      expect((error as LockStoreError).cause).toBe(cause);
    });

    it('describes a non-Error rejection', async () => {
      const store = new BoundedLockStore(innerStore({ extend: jest.fn(() => Promise.reject('socket closed')) }), 1_000);
      await expect(store.extend('k', 'tok', 1)).rejects.toThrow('lock store extend failed: socket closed');
    });

    it('passes a LockStoreError through unchanged', async () => {
      const original = new LockStoreError('the Redis client is closed');
      const store = new BoundedLockStore(innerStore({ release: jest.fn(() => Promise.reject(original)) }), 1_000);
      await expect(store.release('k', 'tok')).rejects.toBe(original);
    });

    it('sends a compensating release after an acquire rejects', async () => {
      const inner = innerStore({ acquire: jest.fn(() => Promise.reject(new Error('ECONNRESET'))) });
      await expect(new BoundedLockStore(inner, 1_000).acquire('k', 'tok', 1)).rejects.toBeInstanceOf(LockStoreError);
      expect(inner.release).toHaveBeenCalledWith('k', 'tok');
    });

    it('ignores a failing compensating release', async () => {
      const unhandled = jest.fn();
      process.on('unhandledRejection', unhandled);
      try {
        const inner = innerStore({
          acquire: jest.fn(() => Promise.reject(new Error('ECONNRESET'))),
          release: jest.fn(() => Promise.reject(new Error('still down'))),
        });
        await expect(new BoundedLockStore(inner, 1_000).acquire('k', 'tok', 1)).rejects.toThrow('ECONNRESET');
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

    it('acquire still rejects with a LockStoreError when the compensating release throws synchronously too', async () => {
      // A store wrapper that checks its connection synchronously throws from every method alike.
      const inner = innerStore({ acquire: throwing('client gone'), release: throwing('client gone') });
      const error = await new BoundedLockStore(inner, 1_000).acquire('k', 'tok', 1).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LockStoreError);
      expect((error as Error).message).toBe('lock store acquire failed: TypeError: client gone');
    });
  });
});
