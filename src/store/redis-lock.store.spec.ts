import { LockStoreError } from '../common/errors/index.js';
import { type RedisLockClient } from '../interfaces/index.js';
import { RedisLockStore } from './redis-lock.store.js';

/** Records what the store sends; answers what the test sets. Real Redis behaviour is covered by integration tests. */
function fakeClient(overrides: Partial<RedisLockClient> = {}) {
  const calls: Array<[string, ...unknown[]]> = [];
  const client: RedisLockClient = {
    isOpen: true,
    isReady: true,
    set: async (...args) => (calls.push(['set', ...args]), 'OK'),
    eval: async (...args) => (calls.push(['eval', ...args]), 1),
    get: async (key) => (calls.push(['get', key]), null),
    lRange: async (key) => (calls.push(['lRange', key]), []),
    hGetAll: async (key) => (calls.push(['hGetAll', key]), {}),
    sAdd: async (key, members) => (calls.push(['sAdd', key, members]), members.length),
    pExpire: async (key, ms) => (calls.push(['pExpire', key, ms]), 1),
    unlink: async (key) => (calls.push(['unlink', key]), 1),
    ...overrides,
  };
  return { client, calls };
}

describe('RedisLockStore', () => {
  it('claims with one SET NX PX, the TTL rounded up to a whole positive millisecond', async () => {
    const { client, calls } = fakeClient();
    const store = new RedisLockStore(() => client);
    await expect(store.acquire('k', 'tok', 1500.2)).resolves.toBe(true);
    expect(calls).toEqual([['set', 'k', 'tok', { NX: true, PX: 1501 }]]);
  });

  it('reports a lost claim when Redis answers anything but OK', async () => {
    const { client } = fakeClient({ set: async () => null });
    await expect(new RedisLockStore(() => client).acquire('k', 'tok', 10)).resolves.toBe(false);
  });

  it('extends and releases through compare-and-act scripts keyed on the holder token', async () => {
    const { client, calls } = fakeClient();
    const store = new RedisLockStore(() => client);
    await expect(store.extend('k', 'tok', 300)).resolves.toBe(true);
    await expect(store.release('k', 'tok')).resolves.toBe(true);
    const [extend, release] = calls;
    expect(extend[0]).toBe('eval');
    expect(extend[1]).toMatch(/redis\.call\('get', KEYS\[1\]\) == ARGV\[1\].*pexpire/);
    expect(extend[2]).toEqual({ keys: ['k'], arguments: ['tok', '300'] });
    expect(release[1]).toMatch(/redis\.call\('get', KEYS\[1\]\) == ARGV\[1\].*del/);
    expect(release[2]).toEqual({ keys: ['k'], arguments: ['tok'] });
  });

  it('answers false when the script did nothing (another holder, or expired)', async () => {
    const { client } = fakeClient({ eval: async () => 0 });
    const store = new RedisLockStore(() => client);
    await expect(store.extend('k', 'tok', 300)).resolves.toBe(false);
    await expect(store.release('k', 'tok')).resolves.toBe(false);
  });

  it('writes a set in SADDs of at most 1,000 members after unlinking the old one, then sets its expiry', async () => {
    const { client, calls } = fakeClient();
    const store = new RedisLockStore(() => client);
    const members = Array.from({ length: 2_001 }, (_, i) => `t-${i}`);
    await store.writeSet('s', members);
    expect(calls.map(([name, , arg]) => [name, Array.isArray(arg) ? arg.length : arg])).toEqual([
      ['unlink', undefined],
      ['sAdd', 1000],
      ['sAdd', 1000],
      ['sAdd', 1],
      ['pExpire', 7 * 24 * 60 * 60 * 1000],
    ]);
    expect(calls.flatMap(([name, , arg]) => (name === 'sAdd' ? (arg as string[]) : []))).toEqual(members);

    calls.length = 0;
    await store.writeSet('s', []);
    expect(calls).toEqual([['unlink', 's']]);
    calls.length = 0;
    await store.addProgress('p', ['a'], 1000.5);
    expect(calls).toEqual([
      ['sAdd', 'p', ['a']],
      ['pExpire', 'p', 1001],
    ]);
    calls.length = 0;
    await store.addProgress('p', [], 1000);
    expect(calls).toEqual([]);
  });

  it('reads a set page by page until the cursor comes back to 0', async () => {
    const pages: Array<[string, string[]]> = [
      ['17', ['a', 'b']],
      ['0', ['c']],
    ];
    const { client, calls } = fakeClient({ eval: async (...args) => (calls.push(['eval', ...args]), pages.shift()) });
    await expect(new RedisLockStore(() => client).readSet('s')).resolves.toEqual(['a', 'b', 'c']);
    expect(calls.map(([, , options]) => (options as { arguments: string[] }).arguments[0])).toEqual(['0', '17']);
  });

  it('fails at once, never queues, when the client is closed or reconnecting', async () => {
    const closed = fakeClient({ isOpen: false, isReady: false });
    await expect(new RedisLockStore(() => closed.client).acquire('k', 't', 10)).rejects.toThrow(LockStoreError);
    expect(closed.calls).toEqual([]);
    const reconnecting = fakeClient({ isOpen: true, isReady: false });
    await expect(new RedisLockStore(() => reconnecting.client).acquire('k', 't', 10)).rejects.toThrow(
      /not ready \(reconnecting\)/,
    );
    expect(reconnecting.calls).toEqual([]);
  });

  it('shares one connect between concurrent first calls', async () => {
    const { client } = fakeClient();
    let connects = 0;
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const store = new RedisLockStore(async () => {
      connects += 1;
      await opened;
      return client;
    });
    const claims = [store.acquire('a', 't', 10), store.acquire('b', 't', 10), store.acquire('c', 't', 10)];
    open();
    await expect(Promise.all(claims)).resolves.toEqual([true, true, true]);
    expect(connects).toBe(1);
  });
});
