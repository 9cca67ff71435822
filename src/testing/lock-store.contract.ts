import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type ClaimRequest, type JobRunReport, type LockStore } from '../interfaces/index.js';

/** The test functions the suite is declared with: jest's and Vitest's have this shape. */
export interface ContractTestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>, timeoutMs?: number): void;
  beforeAll(body: () => unknown, timeoutMs?: number): void;
  afterAll(body: () => unknown, timeoutMs?: number): void;
}

/** How the suite gets stores, and what it may do to the server behind them. */
export interface LockStoreContractHarness {
  /**
   * A store on a namespace of its own (a fresh key prefix, say): nothing another call to `create` returned may see
   * what this one writes. Called once per test.
   */
  create(): Promise<LockStore> | LockStore;
  /**
   * A second store on the same namespace as `store`, as another process would open it (its own connection). Default:
   * `store` itself.
   */
  peer?(store: LockStore): Promise<LockStore> | LockStore;
  /**
   * Restarts whatever keeps the stores' state, losing what it does not persist, and resolves once the stores already
   * created answer again. The "fencing tokens keep growing across a restart" test runs only when this is given.
   */
  restart?(): Promise<void>;
  /** Runs once before the tests (start a server, say). */
  setUp?(): Promise<void> | void;
  /** Runs once after the tests. */
  tearDown?(): Promise<void> | void;
}

/** Options of {@link describeLockStoreContract}. */
export interface LockStoreContractOptions {
  /** The test functions. Default: the globals `describe`, `it`, `beforeAll` and `afterAll` (jest; Vitest with `globals: true`). */
  api?: ContractTestApi;
  /** Timeout of each test in ms. Default: `20000`. */
  timeoutMs?: number;
}

const MINUTE = 60_000;
const LEASE_MS = 10_000;
/** Lifetimes the tests wait out: long enough for a slow round trip, short enough to keep the suite quick. */
const SHORT_MS = 400;
const WAIT_PAST_SHORT_MS = 700;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The specification of a lock store, as one suite: every store the library ships passes it, and so must one of your
 * own. Declares a `describe` block named after `name` with one test per property (atomic claims under concurrent
 * callers, due time, lease renewal and loss, fencing tokens that only grow, ledger, take-over, progress, pending
 * tenants, pause with `until`, history, run status, expiry, namespaces, the store's clock in every answer).
 *
 * ```ts
 * describeLockStoreContract('my store', { create: () => new MyLockStore(pool, { keyPrefix: randomUUID() }) });
 * ```
 * Under Vitest without `globals: true`, pass `{ api: { describe, it, beforeAll, afterAll } }` from `'vitest'`.
 * Assertions use `node:assert`, so the suite needs nothing else from the test runner.
 */
export function describeLockStoreContract(
  name: string,
  harness: LockStoreContractHarness,
  options: LockStoreContractOptions = {},
): void {
  const api = options.api ?? globalApi();
  const timeoutMs = options.timeoutMs ?? 20_000;
  const test = (title: string, body: () => Promise<void>) => api.it(title, body, timeoutMs);
  const store = async () => harness.create();
  const peerOf = async (of: LockStore) => (harness.peer ? harness.peer(of) : of);

  api.describe(`${name}: lock store contract`, () => {
    api.beforeAll(() => harness.setUp?.(), 120_000);
    api.afterAll(() => harness.tearDown?.(), 120_000);

    api.describe('claims', () => {
      test('a due occurrence is won once, with a fencing token and the store clock', async () => {
        const s = await store();
        const before = Date.now();
        const won = await s.claim(claimOf('job', pastTick()));
        assertKind(won, 'won');
        assert.ok(won.fencingToken > 0, 'a won claim carries a positive fencing token');
        assertClockFloor(won);
        assertClock(won.serverTimeMs, before);
        const again = await s.claim(claimOf('job', pastTick()));
        assertKind(again, 'duplicate');
        assertClock(again.serverTimeMs, before);
      });

      test('twenty concurrent claims of one occurrence from two connections: exactly one wins', async () => {
        const s = await store();
        const peer = await peerOf(s);
        const tick = pastTick();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? s : peer).claim(claimOf('race', tick))),
        );
        assert.equal(results.filter((r) => r.kind === 'won').length, 1, kinds(results));
        assert.equal(results.filter((r) => r.kind === 'duplicate').length, 19, kinds(results));
      });

      test('concurrent claims of different occurrences: one takes the lease, the others overlap', async () => {
        const s = await store();
        const peer = await peerOf(s);
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? s : peer).claim(claimOf('lease-race', pastTick(i)))),
        );
        assert.equal(results.filter((r) => r.kind === 'won').length, 1, kinds(results));
        assert.equal(results.filter((r) => r.kind === 'overlap').length, 9, kinds(results));
        // An overlap still claimed its occurrence: nobody runs it later.
        const overlapped = pastTick(results.findIndex((r) => r.kind === 'overlap'));
        assertKind(await s.claim(claimOf('lease-race', overlapped)), 'duplicate');
      });

      test('a duplicate tells how long the lease of the running occurrence has left, and nothing once it finished', async () => {
        const s = await store();
        const tick = pastTick();
        const won = claimOf('watched', tick);
        assertKind(await s.claim(won), 'won');
        const running = await s.claim(claimOf('watched', tick));
        assertKind(running, 'duplicate');
        assert.ok(running.runningLeaseMs !== undefined, 'a running occurrence reports its lease');
        assert.ok(
          running.runningLeaseMs > 0 && running.runningLeaseMs <= LEASE_MS,
          `lease left ${running.runningLeaseMs}`,
        );
        await s.finish({ job: 'watched', occurrence: tick, runId: won.runId, token: won.token });
        const finished = await s.claim(claimOf('watched', tick));
        assertKind(finished, 'duplicate');
        assert.equal(finished.runningLeaseMs, undefined);
      });

      test('an occurrence not yet due by the store clock is early, and claims nothing', async () => {
        const s = await store();
        const tick = new Date(Date.now() + 1_500);
        const early = await s.claim(claimOf('early', tick));
        assertKind(early, 'early');
        assert.ok(early.dueInMs > 500 && early.dueInMs <= 2_500, `due in ${early.dueInMs}ms`);
        assert.ok(early.serverTimeMs < tick.getTime(), 'no claim is won before its occurrence by the store clock');
        // Nothing was taken: an older occurrence wins the lease, and the early one wins once it is due.
        const older = claimOf('early', pastTick());
        assertKind(await s.claim(older), 'won');
        await s.finish({ job: 'early', occurrence: older.occurrence, runId: older.runId, token: older.token });
        await sleep(early.dueInMs + 50);
        assertKind(await s.claim(claimOf('early', tick)), 'won');
      });

      test('an unclaimed occurrence whose lateAt has passed is late; a claimed one is still a duplicate', async () => {
        const s = await store();
        const tick = pastTick();
        const late = await s.claim({ ...claimOf('late', tick), lateAt: new Date(Date.now() - 1_000) });
        assertKind(late, 'late');
        // Nothing was claimed by the late answer.
        assertKind(await s.claim(claimOf('late', tick)), 'won');
        assertKind(await s.claim({ ...claimOf('late', tick), lateAt: new Date(Date.now() - 1_000) }), 'duplicate');
        // lateAt still ahead: an ordinary claim.
        assertKind(
          await s.claim({ ...claimOf('late', pastTick(1)), lateAt: new Date(Date.now() + MINUTE) }),
          'overlap',
        );
      });

      test('an overlap says how long the lease has left; a late run leaves the occurrence for later', async () => {
        const s = await store();
        const running = claimOf('catchup', pastTick(1));
        assertKind(await s.claim(running), 'won');
        const late = { ...claimOf('catchup', pastTick(9)), catchup: true };
        const waiting = await s.claim(late);
        assertKind(waiting, 'overlap');
        assert.ok(waiting.leaseMs > 0 && waiting.leaseMs <= LEASE_MS, `lease left ${waiting.leaseMs}`);
        await s.finish({ job: 'catchup', occurrence: running.occurrence, runId: running.runId, token: running.token });
        // Not used up by the overlap: the late run wins it once the lease is free.
        assertKind(await s.claim(late), 'won');
        // An ordinary claim that overlaps does use its occurrence up.
        const onTime = claimOf('catchup', pastTick(5));
        const overlapped = await s.claim(onTime);
        assertKind(overlapped, 'overlap');
        assert.ok(overlapped.leaseMs > 0);
        assertKind(await s.claim(claimOf('catchup', pastTick(5))), 'duplicate');
      });

      test('a claim lives until claimUntil, and at least claimMinMs', async () => {
        const s = await store();
        const tick = pastTick();
        const first = claimWith('ttl', tick, { claimUntil: new Date(0), claimMinMs: SHORT_MS });
        assertKind(await s.claim(first), 'won');
        await s.finish({ job: 'ttl', occurrence: tick, runId: first.runId, token: first.token });
        assertKind(await s.claim(claimOf('ttl', tick)), 'duplicate');
        await sleep(WAIT_PAST_SHORT_MS);
        assertKind(await s.claim(claimOf('ttl', tick)), 'won');

        const other = pastTick(1);
        const untilSoon = claimWith('ttl-until', other, { claimUntil: new Date(Date.now() + SHORT_MS), claimMinMs: 1 });
        assertKind(await s.claim(untilSoon), 'won');
        await s.finish({ job: 'ttl-until', occurrence: other, runId: untilSoon.runId, token: untilSoon.token });
        assertKind(await s.claim(claimOf('ttl-until', other)), 'duplicate');
        await sleep(WAIT_PAST_SHORT_MS);
        assertKind(await s.claim(claimOf('ttl-until', other)), 'won');
      });

      test('a paused job claims nothing unless asked to ignore the pause; a pause with until ends by itself', async () => {
        const s = await store();
        const since = new Date().toISOString();
        await s.pause('paused', { since, by: 'test', reason: 'maintenance' });
        assert.deepEqual(await s.readPause('paused'), { since, by: 'test', reason: 'maintenance' });
        assertKind(await s.claim(claimOf('paused', pastTick())), 'paused');
        assertKind(await s.claim({ ...claimOf('paused', pastTick()), ignorePause: true }), 'won');
        await s.unpause('paused');
        assert.equal(await s.readPause('paused'), undefined);

        const until = new Date(Date.now() + SHORT_MS).toISOString();
        await s.pause('paused-until', { since: new Date().toISOString(), by: 'test', until });
        assert.equal((await s.readPause('paused-until'))?.until, until);
        assertKind(await s.claim(claimOf('paused-until', pastTick())), 'paused');
        await sleep(WAIT_PAST_SHORT_MS);
        assert.equal(await s.readPause('paused-until'), undefined);
        assertKind(await s.claim(claimOf('paused-until', pastTick())), 'won');
      });

      test('abandon frees a claim its caller never saw: the occurrence is won again and never taken over', async () => {
        const s = await store();
        const tick = pastTick();
        const lost = claimOf('abandoned', tick);
        assertKind(await s.claim(lost), 'won');
        await s.abandon({ job: 'abandoned', occurrence: tick, token: lost.token, runId: lost.runId });
        assert.equal(await s.readLease('abandoned'), undefined);
        assertKind(await s.takeOver(takeOverOf('abandoned', tick)), 'gone');
        assertKind(await s.claim(claimOf('abandoned', tick)), 'won');
      });

      test("abandon leaves another caller's claim and lease alone", async () => {
        const s = await store();
        const tick = pastTick();
        const holder = claimOf('abandon-other', tick);
        assertKind(await s.claim(holder), 'won');
        await s.abandon({ job: 'abandon-other', occurrence: tick, token: 'someone-else', runId: 'someone-else' });
        assert.equal((await s.readLease('abandon-other'))?.token, holder.token);
        assertKind(await s.claim(claimOf('abandon-other', tick)), 'duplicate');
      });
    });

    api.describe('the running lease', () => {
      test('renewed by its holder only; released by its holder only; shows who holds it', async () => {
        const s = await store();
        const won = claimOf('lease', pastTick());
        assertKind(await s.claim(won), 'won');
        const held = await s.readLease('lease');
        assert.equal(held?.token, won.token);
        assert.ok(held.expiresInMs > 0 && held.expiresInMs <= LEASE_MS, `expires in ${held.expiresInMs}`);
        assert.deepEqual(await s.renewLease({ job: 'lease', token: 'intruder', ttlMs: LEASE_MS }), { kind: 'lost' });
        assert.deepEqual(await s.renewLease({ job: 'lease', token: won.token, ttlMs: LEASE_MS }), { kind: 'renewed' });
        await s.releaseLease({ job: 'lease', token: 'intruder' });
        assert.equal((await s.readLease('lease'))?.token, won.token);
        await s.releaseLease({ job: 'lease', token: won.token });
        assert.equal(await s.readLease('lease'), undefined);
      });

      test('a lease not renewed is lost: renewal fails, another run takes the job', async () => {
        const s = await store();
        const won = claimWith('lost', pastTick(), { leaseMs: SHORT_MS });
        assertKind(await s.claim(won), 'won');
        assert.deepEqual(await s.renewLease({ job: 'lost', token: won.token, ttlMs: SHORT_MS }), { kind: 'renewed' });
        await sleep(WAIT_PAST_SHORT_MS);
        assert.equal(await s.readLease('lost'), undefined);
        assert.deepEqual(await s.renewLease({ job: 'lost', token: won.token, ttlMs: LEASE_MS }), { kind: 'lost' });
        assertKind(await s.claim(claimOf('lost', pastTick(1))), 'won');
      });

      test('finish releases its own lease only, and marks only its own run done', async () => {
        const s = await store();
        const tick = pastTick();
        const crashed = claimWith('finish', tick, { leaseMs: SHORT_MS });
        assertKind(await s.claim(crashed), 'won');
        await sleep(WAIT_PAST_SHORT_MS);
        const taker = takeOverOf('finish', tick);
        assertKind(await s.takeOver(taker), 'won');
        // The first holder wakes up and finishes: the taker's lease and ledger entry stay.
        await s.finish({ job: 'finish', occurrence: tick, runId: crashed.runId, token: crashed.token });
        assert.equal((await s.readLease('finish'))?.token, taker.token);
        assert.equal((await s.readLedger('finish')).ledger?.state, 'running');
        await s.finish({ job: 'finish', occurrence: tick, runId: taker.runId, token: taker.token });
        assert.equal(await s.readLease('finish'), undefined);
        assert.equal((await s.readLedger('finish')).ledger?.state, 'done');
      });
    });

    api.describe('fencing tokens', () => {
      test('only grow per job, across wins and take-overs', async () => {
        const s = await store();
        const tokens: number[] = [];
        for (let i = 0; i < 4; i++) {
          const tick = pastTick(10 - i);
          const request = claimWith('fence', tick, { leaseMs: i === 3 ? SHORT_MS : LEASE_MS });
          const won = await s.claim(request);
          assertKind(won, 'won');
          tokens.push(won.fencingToken);
          if (i < 3) await s.finish({ job: 'fence', occurrence: tick, runId: request.runId, token: request.token });
        }
        await sleep(WAIT_PAST_SHORT_MS);
        // The newest occurrence's holder "crashed" (finish never sent): its take-over gets the next token.
        const taken = await s.takeOver(takeOverOf('fence', pastTick(7)));
        assertKind(taken, 'won');
        tokens.push(taken.fencingToken);
        for (let i = 1; i < tokens.length; i++) {
          assert.ok(tokens[i] > tokens[i - 1], `tokens must grow: ${tokens.join(' < ')}`);
        }
      });

      test('keep growing across a restart of the store', async () => {
        if (!harness.restart) return;
        const s = await store();
        let last = 0;
        for (let i = 0; i < 2; i++) {
          const request = claimOf('restart', pastTick(5 - i));
          const won = await s.claim(request);
          assertKind(won, 'won');
          assert.ok(won.fencingToken > last);
          last = won.fencingToken;
          await s.finish({
            job: 'restart',
            occurrence: request.occurrence,
            runId: request.runId,
            token: request.token,
          });
        }
        await harness.restart();
        const after = await s.claim(claimOf('restart', pastTick(1)));
        assertKind(after, 'won');
        assert.ok(after.fencingToken > last, `after the restart ${after.fencingToken} must exceed ${last}`);
      });
    });

    api.describe('the ledger and take-over', () => {
      test('a job that never claimed has no ledger; a won claim writes it; finish marks it done', async () => {
        const s = await store();
        const before = Date.now();
        const empty = await s.readLedger('ledger');
        assert.equal(empty.ledger, undefined);
        assertClock(empty.serverTimeMs, before);
        const tick = pastTick();
        const request = claimOf('ledger', tick);
        const won = await s.claim(request);
        assertKind(won, 'won');
        const { ledger } = await s.readLedger('ledger');
        assert.ok(ledger);
        assert.equal(ledger.occurrence.getTime(), tick.getTime());
        assert.equal(ledger.runId, request.runId);
        assert.equal(ledger.owner, request.owner);
        assert.equal(ledger.state, 'running');
        assert.equal(ledger.attempt, 1);
        assert.equal(ledger.fencingToken, won.fencingToken);
        assert.ok(Math.abs(ledger.startedAt.getTime() - won.serverTimeMs) < 1_000);
        await s.finish({ job: 'ledger', occurrence: tick, runId: request.runId, token: request.token });
        assert.equal((await s.readLedger('ledger')).ledger?.state, 'done');
      });

      test('moves forward only: an older occurrence is claimed and fenced but leaves the newest in place', async () => {
        const s = await store();
        const newest = claimOf('forward', pastTick(1));
        assertKind(await s.claim(newest), 'won');
        await s.finish({ job: 'forward', occurrence: newest.occurrence, runId: newest.runId, token: newest.token });
        const older = claimOf('forward', pastTick(5));
        assertKind(await s.claim(older), 'won');
        assert.equal((await s.readLedger('forward')).ledger?.runId, newest.runId);
      });

      test('take-over: held while the lease lives, then exactly one of many wins with the next attempt', async () => {
        const s = await store();
        const peer = await peerOf(s);
        const tick = pastTick();
        const first = claimWith('takeover', tick, { leaseMs: SHORT_MS });
        const won = await s.claim(first);
        assertKind(won, 'won');
        const held = await s.takeOver(takeOverOf('takeover', tick));
        assertKind(held, 'held');
        assert.ok(held.leaseMs > 0 && held.leaseMs <= SHORT_MS, `held for ${held.leaseMs}`);
        await sleep(WAIT_PAST_SHORT_MS);
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? s : peer).takeOver(takeOverOf('takeover', tick))),
        );
        const winners = results.filter((r) => r.kind === 'won');
        assert.equal(winners.length, 1, kinds(results));
        const winner = winners[0];
        assert.equal(winner.attempt, 2);
        assert.equal(winner.resumedFrom, first.runId);
        assert.ok(winner.fencingToken > won.fencingToken);
        assertClockFloor(winner);
        assert.equal((await s.readLedger('takeover')).ledger?.attempt, 2);
      });

      test('nothing to take over when the run finished, the ledger moved on, or the job is paused', async () => {
        const s = await store();
        const tick = pastTick(3);
        const request = claimOf('gone', tick);
        assertKind(await s.claim(request), 'won');
        await s.finish({ job: 'gone', occurrence: tick, runId: request.runId, token: request.token });
        assertKind(await s.takeOver(takeOverOf('gone', tick)), 'gone');
        assertKind(await s.takeOver(takeOverOf('gone', pastTick(9))), 'gone');
        const running = claimWith('gone-paused', tick, { leaseMs: SHORT_MS });
        assertKind(await s.claim(running), 'won');
        await s.pause('gone-paused', { since: new Date().toISOString(), by: 'test' });
        await sleep(WAIT_PAST_SHORT_MS);
        assertKind(await s.takeOver(takeOverOf('gone-paused', tick)), 'paused');
      });
    });

    api.describe('tenants', () => {
      test('progress of the running occurrence is read back by a take-over, and dropped when it finishes', async () => {
        const s = await store();
        const tick = pastTick();
        const request = claimWith('progress', tick, { leaseMs: SHORT_MS });
        assertKind(await s.claim(request), 'won');
        const ids = Array.from({ length: 2_500 }, (_, i) => `tenant-${i}`);
        await s.addProgress('progress', tick, ids.slice(0, 1_200), MINUTE);
        await s.addProgress('progress', tick, ids.slice(1_000), MINUTE);
        assert.deepEqual((await s.readProgress('progress', tick)).sort(), [...ids].sort());
        await sleep(WAIT_PAST_SHORT_MS);
        const taker = takeOverOf('progress', tick);
        assertKind(await s.takeOver(taker), 'won');
        assert.equal((await s.readProgress('progress', tick)).length, 2_500);
        await s.finish({ job: 'progress', occurrence: tick, runId: taker.runId, token: taker.token });
        assert.deepEqual(await s.readProgress('progress', tick), []);
      });

      test('a newer occurrence drops the progress of the one before', async () => {
        const s = await store();
        const old = pastTick(5);
        const request = claimWith('progress-on', old, { leaseMs: SHORT_MS });
        assertKind(await s.claim(request), 'won');
        await s.addProgress('progress-on', old, ['a', 'b'], MINUTE);
        await sleep(WAIT_PAST_SHORT_MS);
        const next = pastTick(1);
        assertKind(await s.claim(claimOf('progress-on', next)), 'won');
        assert.deepEqual(await s.readProgress('progress-on', old), []);
        assert.deepEqual(await s.readProgress('progress-on', next), []);
      });

      test('pending tenants are replaced whole, removed by an empty list, and expire', async () => {
        const s = await store();
        assert.deepEqual(await s.readPending('pending'), []);
        const many = Array.from({ length: 2_500 }, (_, i) => `t${i}`);
        await s.writePending('pending', many, MINUTE);
        assert.deepEqual((await s.readPending('pending')).sort(), [...many].sort());
        await s.writePending('pending', ['x', 'y'], MINUTE);
        assert.deepEqual((await s.readPending('pending')).sort(), ['x', 'y']);
        await s.writePending('pending', [], MINUTE);
        assert.deepEqual(await s.readPending('pending'), []);
        await s.writePending('pending', ['z'], SHORT_MS);
        await sleep(WAIT_PAST_SHORT_MS);
        assert.deepEqual(await s.readPending('pending'), []);
      });
    });

    api.describe('history and run status', () => {
      test('history is newest first, capped, and read by count', async () => {
        const s = await store();
        assert.deepEqual(await s.readHistory('history', 10), []);
        for (let i = 0; i < 5; i++) await s.appendHistory('history', reportOf('history', i), 3, MINUTE);
        const kept = await s.readHistory('history', 10);
        assert.deepEqual(
          kept.map((r) => r.runId),
          ['run-4', 'run-3', 'run-2'],
        );
        assert.deepEqual(kept[0], reportOf('history', 4));
        assert.deepEqual(
          (await s.readHistory('history', 2)).map((r) => r.runId),
          ['run-4', 'run-3'],
        );
      });

      test('history and run status expire', async () => {
        const s = await store();
        await s.appendHistory('expiring', reportOf('expiring', 1), 5, SHORT_MS);
        await s.writeRunStatus(
          'expiring',
          { runId: 'r', instanceId: 'i', startedAt: new Date().toISOString() },
          SHORT_MS,
        );
        assert.equal((await s.readHistory('expiring', 5)).length, 1);
        assert.equal((await s.readRunStatus('expiring'))?.runId, 'r');
        await sleep(WAIT_PAST_SHORT_MS);
        assert.deepEqual(await s.readHistory('expiring', 5), []);
        assert.equal(await s.readRunStatus('expiring'), undefined);
      });

      test('run status is replaced whole by each write', async () => {
        const s = await store();
        assert.equal(await s.readRunStatus('status'), undefined);
        const startedAt = new Date().toISOString();
        await s.writeRunStatus('status', { runId: 'r1', instanceId: 'a', startedAt }, MINUTE);
        await s.writeRunStatus('status', { runId: 'r1', instanceId: 'a', startedAt, done: 3, total: 10 }, MINUTE);
        assert.deepEqual(await s.readRunStatus('status'), {
          runId: 'r1',
          instanceId: 'a',
          startedAt,
          done: 3,
          total: 10,
        });
      });
    });

    api.describe('tenants paused one by one', () => {
      test('a tenant pause is read with the others in one call, by limit and total, and ended one by one', async () => {
        const s = await store();
        assert.deepEqual(await s.readTenantPauses('job'), { pauses: [], total: 0 });
        const since = new Date().toISOString();
        for (const tenantId of ['a', 'b', 'c'])
          await s.pauseTenant('job', tenantId, { since, by: 'test', reason: tenantId });
        const all = await s.readTenantPauses('job');
        assert.equal(all.total, 3);
        assert.deepEqual(all.pauses.map((p) => p.tenantId).sort(), ['a', 'b', 'c']);
        assert.deepEqual(
          all.pauses.find((p) => p.tenantId === 'b'),
          { tenantId: 'b', since, by: 'test', reason: 'b' },
        );
        const two = await s.readTenantPauses('job', 2);
        assert.equal(two.total, 3);
        assert.equal(two.pauses.length, 2);
        await s.unpauseTenant('job', 'b');
        await s.unpauseTenant('job', 'never-paused');
        assert.deepEqual((await s.readTenantPauses('job')).pauses.map((p) => p.tenantId).sort(), ['a', 'c']);
        assert.deepEqual(await s.readTenantPauses('other-job'), { pauses: [], total: 0 });
      });

      test('a tenant pause with until ends by itself', async () => {
        const s = await store();
        const since = new Date().toISOString();
        const until = new Date(Date.now() + SHORT_MS).toISOString();
        await s.pauseTenant('job', 'brief', { since, by: 'test', until });
        await s.pauseTenant('job', 'long', { since, by: 'test' });
        assert.equal((await s.readTenantPauses('job')).total, 2);
        assert.equal((await s.readTenantPauses('job')).pauses.find((p) => p.tenantId === 'brief')?.until, until);
        await sleep(WAIT_PAST_SHORT_MS);
        assert.deepEqual(await s.readTenantPauses('job'), {
          pauses: [{ tenantId: 'long', since, by: 'test' }],
          total: 1,
        });
      });
    });

    api.describe('schedules changed at runtime', () => {
      test('each change moves the version on, stamped by the store clock; null goes back to the code', async () => {
        const s = await store();
        assert.deepEqual(await s.readSchedule('job'), { version: 0 });
        const before = Date.now();
        const override = {
          cron: '*/15 * * * *',
          jitterMs: 1_000,
          timeZone: 'Europe/Berlin',
          reason: 'busy day',
          by: 'ops',
        };
        const first = await s.writeSchedule('job', override);
        assert.equal(first.version, 1);
        assert.deepEqual(first.override, override);
        assertClock(first.changedAt?.getTime() ?? Number.NaN, before);
        assert.deepEqual(await s.readSchedule('job'), first);
        const back = await s.writeSchedule('job', null);
        assert.equal(back.version, 2);
        assert.equal(back.override, undefined);
        assert.deepEqual(await s.readSchedule('job'), back);
        assert.deepEqual(await s.readSchedule('other-job'), { version: 0 });
      });

      test('every claim answers the schedule version; a tick of a schedule no longer in force claims nothing', async () => {
        const s = await store();
        const old = { ...claimOf('job', pastTick(30)), scheduleVersion: 0 };
        const won = await s.claim(old);
        assertKind(won, 'won');
        assert.equal(won.scheduleVersion, 0);
        await s.finish({ job: 'job', occurrence: old.occurrence, runId: old.runId, token: old.token });
        const changed = await s.writeSchedule('job', { cron: '*/5 * * * * *', by: 'ops' });
        // A tick after the change, claimed by an instance still on version 0: refused, and told the version.
        const afterChange = new Date((changed.changedAt?.getTime() ?? Date.now()) + 1);
        const stale = await s.claim({ ...claimOf('job', afterChange), scheduleVersion: 0 });
        assertKind(stale, 'rescheduled');
        assert.equal(stale.scheduleVersion, changed.version);
        // A tick from before the change still runs once (its window had opened under the old schedule).
        const before = await s.claim({ ...claimOf('job', pastTick(20)), scheduleVersion: 0 });
        assertKind(before, 'won');
        assert.equal(before.scheduleVersion, changed.version);
        // The current version, or no version at all, claims as usual (the lease is still the run's above).
        assertKind(await s.claim({ ...claimOf('job', pastTick(10)), scheduleVersion: changed.version }), 'overlap');
        assertKind(await s.claim(claimOf('job', pastTick(20))), 'duplicate');
      });

      test('a change is signalled to every subscriber, on another connection too; close ends it', async () => {
        const s = await store();
        const peer = await peerOf(s);
        const seen: unknown[] = [];
        const heard = new Promise<void>((resolve) => {
          void peer
            .subscribe((signal) => {
              seen.push(signal);
              resolve();
            })
            .then((subscription) => (closeLater = subscription));
        });
        let closeLater: { close(): Promise<void> } | undefined;
        // Subscribed before the change: poll until the subscription is up.
        for (let i = 0; i < 100 && !closeLater; i++) await sleep(10);
        assert.ok(closeLater, 'subscribed within a second');
        const { version } = await s.writeSchedule('signalled', { cron: '0 * * * *', by: 'ops' });
        await Promise.race([heard, sleep(5_000)]);
        assert.deepEqual(seen, [{ kind: 'schedule', job: 'signalled', version }]);
        await closeLater.close();
        await s.writeSchedule('signalled', null);
        await sleep(300);
        assert.equal(seen.length, 1, 'nothing is heard after close');
      });
    });

    api.describe('overlap policies', () => {
      test('buffer-one remembers one tick for when the run ends; the finisher is told, and one claim of it wins', async () => {
        const s = await store();
        const running = claimWith('buffer', pastTick(30), { leaseMs: LEASE_MS });
        assertKind(await s.claim(running), 'won');
        const second = { ...claimOf('buffer', pastTick(20)), overlap: 'buffer-one' as const };
        const queued = await s.claim(second);
        assertKind(queued, 'queued');
        assert.equal(queued.cancelling, false);
        assert.ok(queued.leaseMs > 0 && queued.leaseMs <= LEASE_MS);
        // At most one is remembered: the next is skipped, and its occurrence used up.
        assertKind(await s.claim({ ...claimOf('buffer', pastTick(10)), overlap: 'buffer-one' }), 'overlap');
        assertKind(await s.claim(claimOf('buffer', pastTick(20))), 'duplicate');
        // Nothing asked the running run to stop.
        assert.deepEqual(await s.renewLease({ job: 'buffer', token: running.token, ttlMs: LEASE_MS }), {
          kind: 'renewed',
        });
        const finished = await s.finish({
          job: 'buffer',
          occurrence: running.occurrence,
          runId: running.runId,
          token: running.token,
        });
        assert.equal(finished.next?.getTime(), pastTick(20).getTime());
        const one = { ...claimOf('buffer', pastTick(20)), queued: true };
        const two = { ...claimOf('buffer', pastTick(20)), queued: true };
        const [a, b] = await Promise.all([s.claim(one), s.claim(two)]);
        assert.deepEqual([a.kind, b.kind].sort(), ['duplicate', 'won'], `${a.kind} ${b.kind}`);
        const winner = a.kind === 'won' ? one : two;
        const after = await s.finish({
          job: 'buffer',
          occurrence: winner.occurrence,
          runId: winner.runId,
          token: winner.token,
        });
        assert.equal(after.next, undefined);
      });

      test('cancel-running asks the running run to stop at its next renewal, and remembers the new tick', async () => {
        const s = await store();
        const running = claimWith('cancel', pastTick(30), { leaseMs: LEASE_MS });
        const won = await s.claim(running);
        assertKind(won, 'won');
        const replacing = await s.claim({ ...claimOf('cancel', pastTick(20)), overlap: 'cancel-running' });
        assertKind(replacing, 'queued');
        assert.equal(replacing.cancelling, true);
        const renewal = await s.renewLease({ job: 'cancel', token: running.token, ttlMs: LEASE_MS });
        assert.equal(renewal.kind, 'cancelled');
        assert.equal(renewal.kind === 'cancelled' && renewal.by.getTime(), pastTick(20).getTime());
        // Renewed all the same: the run winds down under it.
        assert.equal((await s.readLease('cancel'))?.token, running.token);
        const finished = await s.finish({
          job: 'cancel',
          occurrence: running.occurrence,
          runId: running.runId,
          token: running.token,
        });
        assert.equal(finished.next?.getTime(), pastTick(20).getTime());
        const next = { ...claimOf('cancel', pastTick(20)), queued: true };
        const started = await s.claim(next);
        assertKind(started, 'won');
        assert.ok(started.fencingToken > won.fencingToken);
        // The new run is not asked to stop.
        assert.deepEqual(await s.renewLease({ job: 'cancel', token: next.token, ttlMs: LEASE_MS }), {
          kind: 'renewed',
        });
      });

      test('allow: runs of different occurrences go side by side, each once, with no job-wide lease', async () => {
        const s = await store();
        const first = await s.claim({ ...claimOf('allow', pastTick(30)), overlap: 'allow' });
        const second = await s.claim({ ...claimOf('allow', pastTick(20)), overlap: 'allow' });
        assertKind(first, 'won');
        assertKind(second, 'won');
        assert.ok(second.fencingToken > first.fencingToken);
        assertKind(await s.claim({ ...claimOf('allow', pastTick(20)), overlap: 'allow' }), 'duplicate');
        assert.equal(await s.readLease('allow'), undefined);
      });

      test('a retry of failed tenants takes the lease with a new token, and leaves the occurrence and the ledger', async () => {
        const s = await store();
        const tick = pastTick(30);
        const first = claimOf('retry', tick);
        const won = await s.claim(first);
        assertKind(won, 'won');
        const retry = { ...claimOf('retry', tick), retry: true, ignorePause: true };
        assertKind(await s.claim(retry), 'overlap');
        await s.finish({ job: 'retry', occurrence: tick, runId: first.runId, token: first.token });
        const again = await s.claim(retry);
        assertKind(again, 'won');
        assert.ok(again.fencingToken > won.fencingToken);
        assert.equal((await s.readLedger('retry')).ledger?.runId, first.runId);
        assertKind(await s.claim(claimOf('retry', tick)), 'duplicate');
      });
    });

    api.describe('failures', () => {
      test('failed runs in a row are counted fleet-wide; the one that reaches pauseAfter pauses the job; unpause clears', async () => {
        const s = await store();
        const record = {
          since: new Date().toISOString(),
          by: 'pauseOnFailure',
          reason: 'paused after 3 consecutive failures',
        };
        const run = async (i: number, outcome: 'completed' | 'failed') => {
          const request = claimOf('failing', pastTick(40 - i));
          assertKind(await s.claim(request), 'won');
          return s.finish({
            job: 'failing',
            occurrence: request.occurrence,
            runId: request.runId,
            token: request.token,
            outcome,
            pauseAfter: { failures: 3, record },
          });
        };
        assert.deepEqual(await run(0, 'failed'), { consecutiveFailures: 1, paused: false });
        assert.deepEqual(await run(1, 'completed'), { consecutiveFailures: 0, paused: false });
        const completed = (await s.readLedger('failing')).ledger?.lastCompleted;
        assert.equal(completed?.occurrence.getTime(), pastTick(39).getTime());
        assert.ok(completed && Math.abs(completed.finishedAt.getTime() - Date.now()) < 5_000);
        assert.deepEqual(await run(2, 'failed'), { consecutiveFailures: 1, paused: false });
        assert.deepEqual(await run(3, 'failed'), { consecutiveFailures: 2, paused: false });
        assert.deepEqual(await run(4, 'failed'), { consecutiveFailures: 3, paused: true });
        assert.deepEqual(await s.readPause('failing'), record);
        assert.equal((await s.readLedger('failing')).ledger?.consecutiveFailures, 3);
        await s.unpause('failing');
        assert.equal((await s.readLedger('failing')).ledger?.consecutiveFailures, 0);
      });

      test('tenants waiting for another try are read back by a take-over, and dropped when the run finishes', async () => {
        const s = await store();
        const tick = pastTick(30);
        const request = claimWith('retries', tick, { leaseMs: SHORT_MS });
        assertKind(await s.claim(request), 'won');
        await s.addRetries(
          'retries',
          tick,
          [
            { tenantId: 'a', tries: 1 },
            { tenantId: 'b', tries: 1 },
          ],
          MINUTE,
        );
        await s.addRetries('retries', tick, [{ tenantId: 'a', tries: 2 }], MINUTE);
        const byTenant = async () =>
          Object.fromEntries((await s.readRetries('retries', tick)).map((r) => [r.tenantId, r.tries]));
        assert.deepEqual(await byTenant(), { a: 2, b: 1 });
        await sleep(WAIT_PAST_SHORT_MS);
        const taker = takeOverOf('retries', tick);
        assertKind(await s.takeOver(taker), 'won');
        assert.deepEqual(await byTenant(), { a: 2, b: 1 });
        await s.finish({ job: 'retries', occurrence: tick, runId: taker.runId, token: taker.token });
        assert.deepEqual(await s.readRetries('retries', tick), []);
      });

      test('failed tenants are kept per occurrence and read by occurrence or newest; a record of none removes it', async () => {
        const s = await store();
        assert.equal(await s.readFailedTenants('job'), undefined);
        await s.writeFailedTenants('job', { occurrence: pastTick(30), tenantIds: ['a', 'b'], count: 2 }, MINUTE);
        await s.writeFailedTenants('job', { occurrence: pastTick(10), tenantIds: ['c'], count: 12_000 }, MINUTE);
        const newest = await s.readFailedTenants('job');
        assert.deepEqual(newest && { ...newest, occurrence: newest.occurrence.getTime() }, {
          occurrence: pastTick(10).getTime(),
          tenantIds: ['c'],
          count: 12_000,
        });
        assert.deepEqual((await s.readFailedTenants('job', pastTick(30)))?.tenantIds, ['a', 'b']);
        await s.writeFailedTenants('job', { occurrence: pastTick(10), tenantIds: [], count: 0 }, MINUTE);
        assert.equal((await s.readFailedTenants('job'))?.occurrence.getTime(), pastTick(30).getTime());
        assert.equal(await s.readFailedTenants('job', pastTick(10)), undefined);
      });
    });

    api.describe('namespaces and the store clock', () => {
      test('two namespaces share nothing', async () => {
        const one = await store();
        const two = await store();
        const tick = pastTick();
        assertKind(await one.claim(claimOf('shared-name', tick)), 'won');
        assertKind(await two.claim(claimOf('shared-name', tick)), 'won');
        await one.pause('shared-name', { since: new Date().toISOString(), by: 'test' });
        assert.equal(await two.readPause('shared-name'), undefined);
        await one.appendHistory('shared-name', reportOf('shared-name', 1), 5, MINUTE);
        assert.deepEqual(await two.readHistory('shared-name', 5), []);
        await one.writePending('shared-name', ['a'], MINUTE);
        assert.deepEqual(await two.readPending('shared-name'), []);
      });

      test('ping answers with the store clock', async () => {
        const s = await store();
        const before = Date.now();
        assertClock((await s.ping()).serverTimeMs, before);
      });
    });
  });
}

/** Whole seconds well in the past, fixed when the module loads, so every call names the same instants. */
const PAST_BASE_S = Math.floor(Date.now() / 1000) - 120;

/** An occurrence that is due: `secondsBefore` seconds before a fixed instant in the past. */
function pastTick(secondsBefore = 0): Date {
  return new Date((PAST_BASE_S - secondsBefore) * 1000);
}

function claimOf(job: string, occurrence: Date): ClaimRequest {
  return claimWith(job, occurrence, {});
}

function claimWith(
  job: string,
  occurrence: Date,
  ttls: Partial<ClaimRequest['ttls']>,
): ClaimRequest & { token: string; runId: string } {
  const runId = randomUUID();
  return {
    job,
    occurrence,
    token: `contract:${runId}`,
    runId,
    owner: 'contract',
    ttls: {
      claimUntil: new Date(Date.now() + MINUTE),
      claimMinMs: 1_000,
      leaseMs: LEASE_MS,
      ledgerMs: MINUTE,
      ...ttls,
    },
  };
}

function takeOverOf(job: string, occurrence: Date) {
  const runId = randomUUID();
  return {
    job,
    occurrence,
    token: `taker:${runId}`,
    runId,
    owner: 'taker',
    ttls: { leaseMs: LEASE_MS, ledgerMs: MINUTE },
  };
}

function reportOf(job: string, i: number): JobRunReport {
  return {
    jobName: job,
    runId: `run-${i}`,
    occurrence: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    instanceId: 'contract',
    outcome: 'completed',
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    finishedAt: new Date(Date.UTC(2026, 0, 1, 0, i, 1)).toISOString(),
    attempt: 1,
    fencingToken: i + 1,
  };
}

function assertKind<K extends string, T extends { kind: string }>(
  result: T,
  kind: K,
): asserts result is Extract<T, { kind: K }> {
  assert.equal(result.kind, kind, `expected ${kind}, got ${JSON.stringify(result)}`);
}

/**
 * A fencing token never falls below the store's clock in microseconds when it is handed out, so that a counter the
 * store lost (a restart without persistence, a failover, an expiry) cannot hand out one lower than before.
 */
function assertClockFloor(won: { fencingToken: number; serverTimeMs: number }): void {
  assert.ok(
    won.fencingToken >= won.serverTimeMs * 1000,
    `fencing token ${won.fencingToken} is below the store clock in microseconds (${won.serverTimeMs * 1000})`,
  );
}

/** The store's clock, read while the call was in flight: on a store whose clock agrees with this process's. */
function assertClock(serverTimeMs: number, sentAtMs: number): void {
  assert.ok(Number.isFinite(serverTimeMs), `the answer carries the store clock (got ${serverTimeMs})`);
  const skew = Math.max(sentAtMs - serverTimeMs, serverTimeMs - Date.now());
  assert.ok(skew < 5_000, `the store clock ${new Date(serverTimeMs).toISOString()} is ${skew}ms off this process's`);
}

function kinds(results: ReadonlyArray<{ kind: string }>): string {
  return results.map((r) => r.kind).join(',');
}

function globalApi(): ContractTestApi {
  const g = globalThis as unknown as Partial<ContractTestApi>;
  if (!g.describe || !g.it || !g.beforeAll || !g.afterAll) {
    throw new Error(
      'describeLockStoreContract: no global describe/it/beforeAll/afterAll. Under Vitest, set `globals: true` or ' +
        "pass { api: { describe, it, beforeAll, afterAll } } imported from 'vitest'.",
    );
  }
  return g as ContractTestApi;
}
