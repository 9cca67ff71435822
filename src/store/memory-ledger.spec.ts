import { occurrenceKeys } from '../coordination/lock-keys.js';
import { MemoryLockStore } from '../index.js';

/** The in-process store takes the same decisions as the Redis scripts; a clock the test moves shows expiry. */
describe('MemoryLockStore: claim, resume and finish', () => {
  let now = 1_000_000;
  const store = new MemoryLockStore(() => now);
  const occurrence = new Date('2026-01-01T00:00:00Z');
  const keys = occurrenceKeys('p', 'job', occurrence);
  const claim = (token: string, extra: { ignorePause?: boolean } = {}) =>
    store.claim({
      keys,
      token,
      runId: token,
      owner: token,
      occurrence: occurrence.toISOString(),
      occurrenceMs: occurrence.getTime(),
      claimTtlMs: 60_000,
      leaseTtlMs: 3_000,
      ledgerTtlMs: 600_000,
      ...extra,
    });
  const resume = (token: string) =>
    store.resume({
      keys,
      token,
      runId: token,
      owner: token,
      occurrence: occurrence.toISOString(),
      leaseTtlMs: 3_000,
      ledgerTtlMs: 600_000,
    });

  it('one claim wins with a token; a later one is a duplicate that knows the run is live', async () => {
    expect(await claim('a')).toEqual({ kind: 'won', fencingToken: 1, serverTimeMs: now });
    expect(await claim('b')).toEqual({ kind: 'duplicate', serverTimeMs: now, runningLeaseMs: 3_000 });
  });

  it('nobody resumes while the lease lives; after it expires exactly one does, with the next token', async () => {
    now += 1_000;
    expect(await resume('b')).toMatchObject({ kind: 'held', leaseMs: 2_000 });
    now += 2_500;
    expect(await resume('b')).toEqual({
      kind: 'won',
      fencingToken: 2,
      serverTimeMs: now,
      attempt: 2,
      resumedFrom: 'a',
    });
    expect(await resume('c')).toMatchObject({ kind: 'held' });
  });

  it('progress survives the takeover; the dead run cannot finish the new attempt, the new one can', async () => {
    await store.addProgress(keys.progress, ['t-1', 't-2']);
    await store.finish(keys, 'a', 'a');
    expect((await store.readLedger(keys.ledger))?.state).toBe('running');
    expect(await store.readProgress(keys.progress)).toEqual(['t-1', 't-2']);
    await store.finish(keys, 'b', 'b');
    expect(await store.readLedger(keys.ledger)).toMatchObject({ state: 'done', runId: 'b', attempt: 2 });
    expect(await store.readProgress(keys.progress)).toEqual([]);
    expect(await resume('c')).toMatchObject({ kind: 'gone' });
  });

  it('a paused job claims nothing unless the caller ignores the pause', async () => {
    const other = occurrenceKeys('p', 'paused-job', occurrence);
    await store.acquire(other.paused, '{"by":"test"}', 60_000);
    const request = {
      keys: other,
      token: 'x',
      runId: 'x',
      owner: 'x',
      occurrence: occurrence.toISOString(),
      occurrenceMs: occurrence.getTime(),
      claimTtlMs: 60_000,
      leaseTtlMs: 3_000,
      ledgerTtlMs: 600_000,
    };
    expect(await store.claim(request)).toEqual({ kind: 'paused', serverTimeMs: now });
    expect(await store.claim({ ...request, ignorePause: true })).toMatchObject({ kind: 'won', fencingToken: 1 });
  });
});
