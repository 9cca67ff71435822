import { LockStoreError } from '../../common/errors/index.js';
import { type RedisLockClient } from '../../interfaces/index.js';
import { RedisLockStore } from './redis-lock.store.js';
import { CLAIM, REPLACE_SET_START, SCAN_SET } from './redis-scripts.js';

/**
 * Records what the store sends; answers what the test sets. What Redis decides is the contract suite's to check
 * (test/integration/lock-store-contract.spec.ts); this spec covers how the store talks to its client.
 */
function fakeClient(overrides: Partial<RedisLockClient> = {}) {
  const calls: Array<[string, ...unknown[]]> = [];
  const client: RedisLockClient = {
    isOpen: true,
    isReady: true,
    eval: async (...args) => (calls.push(['eval', ...args]), 1),
    evalSha: async (...args) => (calls.push(['evalSha', ...args]), 1),
    get: async (key) => (calls.push(['get', key]), null),
    lRange: async (key) => (calls.push(['lRange', key]), []),
    sAdd: async (key, members) => (calls.push(['sAdd', key, members]), members.length),
    hSet: async (key, fields) => (calls.push(['hSet', key, fields]), fields.length / 2),
    pExpire: async (key, ms) => (calls.push(['pExpire', key, ms]), 1),
    ...overrides,
  };
  return { client, calls };
}

const tick = new Date('2026-01-01T00:00:00Z');
const claimRequest = {
  job: 'job',
  occurrence: tick,
  token: 'tok',
  runId: 'run',
  owner: 'me',
  ttls: { claimUntil: tick, claimMinMs: 1000.2, leaseMs: 3000, ledgerMs: 60_000 },
};

describe('RedisLockStore', () => {
  it('sends each script by its SHA1, with the job hash tag on every key', async () => {
    const { client, calls } = fakeClient({
      evalSha: async (...args) => (calls.push(['evalSha', ...args]), ['won', 5, 3, 42]),
    });
    const store = new RedisLockStore(() => client, { keyPrefix: 'app' });
    await expect(store.claim(claimRequest)).resolves.toEqual({
      kind: 'won',
      serverTimeMs: 5,
      scheduleVersion: 3,
      fencingToken: 42,
    });
    expect(calls).toHaveLength(1);
    const [name, sha, options] = calls[0] as [string, string, { keys: string[]; arguments: string[] }];
    expect(name).toBe('evalSha');
    expect(sha).toBe(CLAIM.sha);
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    for (const key of options.keys) expect(key.startsWith('app:{job}:')).toBe(true);
    // Durations are whole positive milliseconds.
    expect(options.arguments).toContain('1001');
  });

  it('sends the full script once when Redis does not know it (NOSCRIPT), and only then', async () => {
    let known = false;
    const { client, calls } = fakeClient({
      evalSha: async (...args) => {
        calls.push(['evalSha', ...args]);
        if (!known) throw new Error('NOSCRIPT No matching script. Please use EVAL.');
        return ['duplicate', 5, 0, -1];
      },
      eval: async (...args) => {
        calls.push(['eval', ...args]);
        known = true;
        return ['duplicate', 5, 0, -1];
      },
    });
    const store = new RedisLockStore(() => client);
    await expect(store.claim(claimRequest)).resolves.toEqual({
      kind: 'duplicate',
      serverTimeMs: 5,
      scheduleVersion: 0,
    });
    await expect(store.claim(claimRequest)).resolves.toEqual({
      kind: 'duplicate',
      serverTimeMs: 5,
      scheduleVersion: 0,
    });
    expect(calls.map(([name]) => name)).toEqual(['evalSha', 'eval', 'evalSha']);
    expect(calls[1][1]).toBe(CLAIM.body);
  });

  it('passes any other script error on', async () => {
    const { client, calls } = fakeClient({
      evalSha: async () => Promise.reject(new Error('READONLY You cannot write against a read only replica')),
    });
    await expect(new RedisLockStore(() => client).claim(claimRequest)).rejects.toThrow(/READONLY/);
    expect(calls).toEqual([]);
  });

  it('rejects a reply it does not understand', async () => {
    const { client } = fakeClient({ evalSha: async () => ['what?', 1] });
    await expect(new RedisLockStore(() => client).claim(claimRequest)).rejects.toThrow(LockStoreError);
  });

  it('writes pending tenants in SADDs of at most 1,000 members after unlinking the old set, then sets its expiry', async () => {
    const { client, calls } = fakeClient();
    const store = new RedisLockStore(() => client, { keyPrefix: 'p' });
    const members = Array.from({ length: 2_001 }, (_, i) => `t-${i}`);
    await store.writePending('job', members, 5000);
    expect(
      calls.map(([name, key, arg]) => [name, name === 'evalSha' ? key : Array.isArray(arg) ? arg.length : arg]),
    ).toEqual([
      ['evalSha', REPLACE_SET_START.sha],
      ['sAdd', 1000],
      ['sAdd', 1000],
      ['sAdd', 1],
      ['pExpire', 5000],
    ]);
    expect(calls.flatMap(([name, , arg]) => (name === 'sAdd' ? (arg as string[]) : []))).toEqual(members);

    calls.length = 0;
    await store.writePending('job', [], 5000);
    expect(calls.map(([name]) => name)).toEqual(['evalSha']);
    calls.length = 0;
    await store.addProgress('job', tick, ['a'], 1000.5);
    expect(calls).toEqual([
      ['sAdd', 'p:{job}:progress:2026-01-01T00:00:00.000Z', ['a']],
      ['pExpire', 'p:{job}:progress:2026-01-01T00:00:00.000Z', 1001],
    ]);
    calls.length = 0;
    await store.addProgress('job', tick, [], 1000);
    expect(calls).toEqual([]);
  });

  it('reads a set page by page until the cursor comes back to 0', async () => {
    const pages: Array<[string, string[]]> = [
      ['17', ['a', 'b']],
      ['0', ['c']],
    ];
    const { client, calls } = fakeClient({
      evalSha: async (...args) => (calls.push(['evalSha', ...args]), pages.shift()),
    });
    await expect(new RedisLockStore(() => client).readPending('job')).resolves.toEqual(['a', 'b', 'c']);
    expect(calls.map(([, sha]) => sha)).toEqual([SCAN_SET.sha, SCAN_SET.sha]);
    expect(calls.map(([, , options]) => (options as { arguments: string[] }).arguments[0])).toEqual(['0', '17']);
  });

  it('fails at once, never queues, when the client is closed or reconnecting', async () => {
    const closed = fakeClient({ isOpen: false, isReady: false });
    await expect(new RedisLockStore(() => closed.client).claim(claimRequest)).rejects.toThrow(LockStoreError);
    expect(closed.calls).toEqual([]);
    const reconnecting = fakeClient({ isOpen: true, isReady: false });
    await expect(new RedisLockStore(() => reconnecting.client).claim(claimRequest)).rejects.toThrow(
      /not ready \(reconnecting\)/,
    );
    expect(reconnecting.calls).toEqual([]);
  });

  it('shares one connect between concurrent first calls', async () => {
    const { client } = fakeClient({ evalSha: async () => ['paused', 1, 0] });
    let connects = 0;
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const store = new RedisLockStore(async () => {
      connects += 1;
      await opened;
      return client;
    });
    const claims = [store.claim(claimRequest), store.claim(claimRequest), store.claim(claimRequest)];
    open();
    await expect(Promise.all(claims)).resolves.toHaveLength(3);
    expect(connects).toBe(1);
  });
});
