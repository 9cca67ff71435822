/** @jest-environment ./test/support/real-process-environment.cjs */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { type Pool } from 'pg';
import {
  type ClaimRequest,
  type ClaimResult,
  LockStoreError,
  PostgresLockStore,
  PostgresSchemaError,
  postgresSchemaSql,
} from '../../src/index.js';
import { REPO_ROOT } from '../support/paths.js';
import { CapturingLogger, createTestApp } from '../support/app.js';
import { countingPool } from '../support/counting-pool.js';
import { OwnPostgresServer } from '../support/postgres-server.js';
import { uniquePrefix } from '../support/redis.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';
import { waitFor } from '../support/wait.js';

const tick = (second = 0) => new Date(Date.UTC(2026, 0, 1, 0, 0, second));

function claimOf(job: string, occurrence = tick(), token = `${job}-${Math.random()}`): ClaimRequest {
  return {
    job,
    occurrence,
    token,
    runId: token,
    owner: 'test',
    ttls: { claimUntil: new Date(Date.now() + 60_000), claimMinMs: 60_000, leaseMs: 60_000, ledgerMs: 60_000 },
  };
}

// What every store must decide is the contract suite's (lock-store-contract.spec.ts); this file covers what is the
// PostgreSQL store's own: round trips, connections, isolation levels, the schema, a restart and a paused server.
describe('PostgresLockStore against a PostgreSQL of its own', () => {
  failOnUnhandledRejections();
  let server: OwnPostgresServer;
  const pools: Pool[] = [];
  const poolOf = (config: Parameters<OwnPostgresServer['pool']>[0] = {}) => {
    const pool = server.pool(config);
    pools.push(pool);
    return pool;
  };

  beforeAll(async () => {
    server = await OwnPostgresServer.start();
  });
  afterAll(async () => {
    server.resume();
    await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
    await server.dispose();
  });

  it('a claim is one round trip, and so is every call of a plain run; the schema check is one, once', async () => {
    const counted = countingPool(poolOf());
    const store = new PostgresLockStore(counted.pool, { keyPrefix: uniquePrefix('round-trips') });
    await store.ping();
    // The first call checked the schema (and created it): that happens once per store.
    expect(counted.counts.statements).toBeGreaterThanOrEqual(2);
    const steps: Array<[string, () => Promise<unknown>]> = [];
    const won = claimOf('budget');
    steps.push(
      ['claim (won)', () => store.claim(won)],
      ['claim (duplicate)', () => store.claim(claimOf('budget'))],
      ['renewLease', () => store.renewLease({ job: 'budget', token: won.token, ttlMs: 60_000 })],
      ['writeRunStatus', () => store.writeRunStatus('budget', { runId: 'r', instanceId: 'i', startedAt: 'x' }, 60_000)],
      ['addProgress', () => store.addProgress('budget', tick(), ['a', 'b'], 60_000)],
      ['readProgress', () => store.readProgress('budget', tick())],
      ['finish', () => store.finish({ job: 'budget', occurrence: tick(), runId: won.runId, token: won.token })],
      ['appendHistory', () => store.appendHistory('budget', { runId: 'r' } as never, 50, 60_000)],
      ['readLedger', () => store.readLedger('budget')],
      ['writePending', () => store.writePending('budget', ['a'], 60_000)],
      ['readPending', () => store.readPending('budget')],
    );
    for (const [name, step] of steps) {
      counted.reset();
      await step();
      expect({ name, statements: counted.counts.statements }).toEqual({ name, statements: 1 });
    }
  });

  it('holds at most two connections of the pool at a time, however many calls are in flight', async () => {
    const counted = countingPool(poolOf({ max: 10 }));
    const store = new PostgresLockStore(counted.pool, { keyPrefix: uniquePrefix('two-connections') });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => store.claim(claimOf(`job-${i % 4}`, tick(i)))),
    );
    expect(results.filter((r) => r.kind === 'won')).toHaveLength(4);
    expect(counted.counts.maxCheckedOut).toBe(2);
    expect(counted.counts.checkedOut).toBe(0);
  });

  it.each(['read committed', 'repeatable read', 'serializable'])(
    'under %s, concurrent claims of one occurrence from two stores never both win',
    async (level) => {
      const options = `-c default_transaction_isolation=${level.replace(' ', '\\ ')}`;
      const prefix = uniquePrefix('isolation');
      const stores = [0, 1].map(
        () => new PostgresLockStore(poolOf({ max: 4, options }), { keyPrefix: prefix, maxConnections: 2 }),
      );
      const [{ level: seen }] = (
        await pools.at(-1)!.query<{ level: string }>('SELECT current_setting($1) AS level', ['transaction_isolation'])
      ).rows;
      expect(seen).toBe(level);
      for (let round = 0; round < 5; round++) {
        const settled = await Promise.allSettled(
          Array.from({ length: 12 }, (_, i) => stores[i % 2].claim(claimOf('race', tick(round)))),
        );
        const answers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.kind] : []));
        const errors = settled.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
        // Exactly one winner; the rest are duplicates, or (a serialization failure twice in a row) lock errors.
        expect(answers.filter((kind) => kind === 'won')).toHaveLength(1);
        expect(answers.every((kind) => kind === 'won' || kind === 'duplicate')).toBe(true);
        for (const error of errors) expect(error).toMatch(/could not serialize|duplicate key|deadlock/);
        // Finished, so that the next round's occurrence takes the lease again.
        const lease = await stores[0].readLease('race');
        if (lease) await stores[0].releaseLease({ job: 'race', token: lease.token });
      }
    },
  );

  it('two claims held up at the same point and let go together: one wins, the other is a duplicate', async () => {
    // Racing claims rarely meet on a fast machine; this makes them. An uncommitted claim row of the same occurrence
    // (what a third claim in flight leaves) holds up whichever claim reaches that row, until it rolls back.
    const prefix = uniquePrefix('held-up');
    const pool = poolOf({ max: 4 });
    const stores = [0, 1].map(() => new PostgresLockStore(pool, { keyPrefix: prefix, timeoutMs: 10_000 }));
    // The job's row exists already (a claim of a new job would queue the other behind its insert of it).
    await stores[0].writeRunStatus('held', { runId: 'r', instanceId: 'i', startedAt: 'x' }, 1);
    const blocker = await pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(
        `INSERT INTO coordinated_cron.claims (prefix, job, occurrence, token, expires_at)
         VALUES ($1, 'held', $2, 'blocker', now() + interval '1 minute')`,
        [prefix, tick().toISOString()],
      );
      const claims = stores.map((store) => store.claim(claimOf('held')));
      // Both are in the database and waiting (on the row, or on the job behind the first one).
      await waitFor(
        'both claims to wait in the database',
        async () => {
          const { rows } = await pool.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%.claim(%'`,
          );
          return rows[0].n === 2;
        },
        { timeoutMs: 5_000, intervalMs: 20 },
      );
      await blocker.query('ROLLBACK');
      const kinds = (await Promise.all(claims)).map((result) => result.kind).sort();
      expect(kinds).toEqual(['duplicate', 'won']);
    } finally {
      blocker.release();
    }
  });

  it('migrate false: the boot fails naming the SQL to run; once it ran (in a migration), the store works', async () => {
    const pool = poolOf();
    const schema = `cc_manual_${process.pid}`;
    const store = new PostgresLockStore(pool, { schema, migrate: false, keyPrefix: uniquePrefix('manual') });
    const refused = await store.prepare().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PostgresSchemaError);
    expect((refused as Error).message).toContain(`"${schema}" of nestjs-coordinated-cron does not exist yet`);
    expect((refused as Error).message).toContain(`postgresSchemaSql('${schema}')`);
    // A call before the migration fails the same way, and writes nothing.
    await expect(store.claim(claimOf('manual'))).rejects.toThrow(/postgresSchemaSql/);

    const logger = new CapturingLogger();
    await expect(
      createTestApp({ providers: [], cache: 'none', logger, options: { postgres: { pool, schema, migrate: false } } }),
    ).rejects.toThrow(PostgresSchemaError);

    // What a team's migration does (TypeORM and Knex run each migration in a transaction).
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(postgresSchemaSql(schema));
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await store.prepare();
    expect((await store.claim(claimOf('manual'))).kind).toBe('won');
  });

  it('instances booting together on an empty database create the schema once, without an error', async () => {
    const schema = `cc_together_${process.pid}`;
    const stores = Array.from(
      { length: 5 },
      () => new PostgresLockStore(poolOf({ max: 2 }), { schema, keyPrefix: uniquePrefix('together') }),
    );
    await Promise.all(stores.map((store) => store.prepare(10_000)));
    const { rows } = await pools[0].query(`SELECT version FROM "${schema}".schema_version`);
    expect(rows).toEqual([{ version: 1 }]);
    await Promise.all(stores.map(async (store) => expect((await store.claim(claimOf('boot'))).kind).toBe('won')));
  });

  it('leaves no session state behind: no prepared statement, no advisory lock, no setting', async () => {
    const pool = poolOf({ max: 1 });
    const schema = `cc_session_${process.pid}`;
    const store = new PostgresLockStore(pool, { schema, keyPrefix: uniquePrefix('session') });
    await store.prepare();
    const won = claimOf('session');
    await store.claim(won);
    await store.writePending('session', ['a', 'b'], 60_000);
    await store.finish({ job: 'session', occurrence: won.occurrence, runId: won.runId, token: won.token });
    // The pool has one connection: these queries run in the very session the store used.
    const { rows } = await pool.query(
      `SELECT (SELECT count(*) FROM pg_prepared_statements)::int AS prepared,
              (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid())::int AS advisory,
              (SELECT count(*) FROM pg_settings WHERE source = 'session')::int AS settings,
              current_setting('search_path') AS search_path`,
    );
    expect(rows).toEqual([{ prepared: 0, advisory: 0, settings: 0, search_path: '"$user", public' }]);
  });

  it('tenant lists far larger than one page come back whole, each id once', async () => {
    const store = new PostgresLockStore(poolOf(), { keyPrefix: uniquePrefix('large') });
    const ids = Array.from({ length: 250_000 }, (_, i) => `tenant-${i}`);
    await store.writePending('large', ids, 60_000);
    const read = await store.readPending('large');
    expect(read).toHaveLength(ids.length);
    expect(new Set(read).size).toBe(ids.length);
    const won = claimOf('large');
    await store.claim(won);
    for (let i = 0; i < 30_000; i += 5_000) await store.addProgress('large', tick(), ids.slice(i, i + 5_000), 60_000);
    // A retried write of a batch already stored: the ids come back once.
    await store.addProgress('large', tick(), ids.slice(0, 5_000), 60_000);
    const done = await store.readProgress('large', tick());
    expect(done).toHaveLength(30_000);
    expect(new Set(done).size).toBe(30_000);
  });

  it("an app's pool made as users make it survives a restart of PostgreSQL: logged once, then calls work again", async () => {
    // Only this test's pool may log: every pool the store watches logs its own bursts.
    await Promise.all(pools.splice(0).map((pool) => pool.end()));
    const logger = new CapturingLogger();
    // No error listener of the app's own, as README's example makes it.
    const pool = poolOf();
    const prefix = uniquePrefix('restart');
    const { app } = await createTestApp({
      providers: [],
      cache: 'none',
      logger,
      options: { keyPrefix: prefix, postgres: pool },
    });
    try {
      // Five idle connections in the pool, each of which dies with the server.
      const clients = await Promise.all(Array.from({ length: 5 }, () => pool.connect()));
      for (const client of clients) client.release();
      expect(pool.idleCount).toBe(5);
      await server.restart('immediate');
      await waitFor('the pool to drop its dead connections', () => pool.idleCount === 0, {
        timeoutMs: 10_000,
        intervalMs: 20,
      });
      const warnings = logger.lines.filter((line) => line.message.includes('an idle connection of the pool failed'));
      expect(warnings.map((line) => [line.level, line.context])).toEqual([['warn', 'CoordinatedCron']]);
      const store = new PostgresLockStore(pool, { keyPrefix: prefix });
      expect((await store.claim(claimOf('after-restart'))).kind).toBe('won');
    } finally {
      await app.close();
    }
  });

  it('a paused server: the call gives up within its bound, the connection is discarded, and the claim, reaching the server later, claims nothing', async () => {
    const counted = countingPool(poolOf({ max: 10 }));
    const prefix = uniquePrefix('paused');
    const store = new PostgresLockStore(counted.pool, { keyPrefix: prefix, timeoutMs: 300 });
    await store.ping();
    const request = claimOf('paused', tick(1));
    server.pause();
    let outcome: ClaimResult | unknown;
    const started = Date.now();
    try {
      outcome = await store.claim(request).catch((error: unknown) => error);
      const tookMs = Date.now() - started;
      expect(outcome).toBeInstanceOf(LockStoreError);
      expect((outcome as Error).message).toBe('postgres lock store: claim did not answer within 300ms');
      expect(tookMs).toBeLessThan(1_500);
      // More calls while paused: each gives up in time, and the store holds no more than two connections.
      const more = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => store.ping().then(() => i)));
      expect(more.every((s) => s.status === 'rejected')).toBe(true);
      expect(counted.counts.checkedOut).toBeLessThanOrEqual(2);
    } finally {
      server.resume();
    }
    // The claim was in the paused server's socket: now it runs, sees that its caller gave up, and writes nothing.
    await waitFor(
      'the store to answer again',
      () =>
        store.ping().then(
          () => true,
          () => false,
        ),
      {
        timeoutMs: 10_000,
        intervalMs: 50,
      },
    );
    const again = await store.claim({ ...request, token: 'second', runId: 'second' });
    expect(again.kind).toBe('won');
    expect(counted.counts.checkedOut).toBe(0);
  });

  it('the library loads without pg installed', () => {
    // A require hook that makes `pg` unresolvable, then the built library: nothing in it may need pg to load.
    const hook = `const Module = require('module'); const resolve = Module._resolveFilename;
      Module._resolveFilename = function (request, ...rest) {
        if (request === 'pg' || request.startsWith('pg/')) throw Object.assign(new Error("Cannot find module 'pg'"), { code: 'MODULE_NOT_FOUND' });
        return resolve.call(this, request, ...rest);
      };`;
    const output = execFileSync(
      process.execPath,
      [
        '-e',
        `${hook}; const lib = require('./dist/cjs/index.js'); console.log(typeof lib.PostgresLockStore, typeof lib.postgresSchemaSql)`,
      ],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    );
    expect(output.trim()).toBe('function function');
  });
});
