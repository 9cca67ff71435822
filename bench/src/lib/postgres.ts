import { Pool, type PoolClient } from 'pg';
import { PostgresServer } from './postgres-server';
import { type CommandCounts } from './redis';

/** A pool made as an app makes one, named so that `pg_stat_activity` tells the bench's connections apart. */
export function openPool(url: string, name: string, max?: number): Pool {
  const pool = new Pool({ connectionString: url, application_name: name.slice(0, 63), ...(max ? { max } : {}) });
  // An idle connection that dies (the server stops at the end of the run) must not crash a harness process.
  pool.on('error', () => undefined);
  return pool;
}

/** What a statement is, for the diagnostics: the store function it calls, else its verb and table. */
export function statementKind(text: string): string {
  const call = /^\s*SELECT\b[\s\S]*?"?[a-z_]+"?\.([a-z_]+)\(/i.exec(text);
  if (call) return call[1];
  const verb = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? '?';
  const table = /\b(?:INTO|UPDATE|FROM|JOIN)\s+(?:"?[a-z_]+"?\.)?"?([a-z_]+)"?/i.exec(text)?.[1];
  return table ? `${verb} ${table}` : verb;
}

/**
 * Counts the statements a pool's connections send, at the client: every connection the pool opens has its `query`
 * wrapped before the pool hands it out. One call of `query` is one round trip (node-postgres sends an unnamed
 * statement's parse, bind and execute in one write and waits for one answer).
 */
export class StatementCounter {
  total = 0;
  inFlight = 0;
  connections = 0;
  byKind: CommandCounts = {};
  /** When the last statement was sent (performance.now()). */
  private lastAt = 0;

  constructor(pool: Pool) {
    pool.on('connect', (client: PoolClient) => {
      this.connections++;
      const original = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const first = args[0];
        const text = typeof first === 'string' ? first : String((first as { text?: unknown } | null)?.text ?? '');
        const kind = statementKind(text);
        this.total++;
        this.lastAt = performance.now();
        this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
        const result = original(...args);
        if (result && typeof (result as Promise<unknown>).then === 'function') {
          this.inFlight++;
          const done = (): void => void this.inFlight--;
          (result as Promise<unknown>).then(done, done);
        }
        return result;
      };
    });
  }

  /** Resolves once nothing is in flight and nothing has been sent for `quietMs`. */
  async settled(quietMs = 20): Promise<void> {
    while (this.inFlight > 0 || performance.now() - this.lastAt < quietMs) await new Promise((r) => setTimeout(r, 5));
  }

  /** What was counted since the last call, and a fresh start. */
  take(): { total: number; byKind: CommandCounts } {
    const out = { total: this.total, byKind: this.byKind };
    this.total = 0;
    this.byKind = {};
    return out;
  }
}

/** Creates `names` on the server the admin pool talks to (each from template0, empty). */
async function createDatabases(admin: Pool, names: readonly string[]): Promise<void> {
  for (const name of names) {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`unsafe database name ${name}`);
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`);
  }
}

/**
 * Transactions committed and rolled back in each of `databases`, as the server counts them (`pg_stat_database`). Read
 * from a connection to another database, so the reading itself is counted in none of them.
 */
export async function transactionCounts(admin: Pool, databases: readonly string[]): Promise<Record<string, number>> {
  const { rows } = await admin.query<{ datname: string; xacts: string }>(
    'SELECT datname, (xact_commit + xact_rollback)::text AS xacts FROM pg_stat_database WHERE datname = ANY($1)',
    [databases],
  );
  const out: Record<string, number> = {};
  for (const name of databases) out[name] = Number(rows.find((r) => r.datname === name)?.xacts ?? NaN);
  return out;
}

/**
 * The bench's PostgreSQL (a server of its own) and the harness's connection to it, to the `postgres` database: it
 * creates a database for each figure and reads the server's counters, so nothing it sends is counted in a figure's
 * database.
 */
export class BenchPostgres {
  private constructor(
    readonly server: PostgresServer,
    readonly admin: Pool,
  ) {}

  static async start(): Promise<BenchPostgres> {
    const server = await PostgresServer.start();
    return new BenchPostgres(server, openPool(server.url(), 'ccbench-harness', 2));
  }

  /** A fresh, empty database for one figure; resolves its connection string. */
  async database(name: string): Promise<string> {
    await createDatabases(this.admin, [name]);
    return this.server.url(name);
  }

  /**
   * Holds the server's autovacuum off (`false`) or gives it back (`true`). Once a database has been used, an
   * autovacuum worker visits it every `autovacuum_naptime` (a minute) whether or not anything changed, and its
   * transactions are counted in that database: the server's own, which an idle count must not charge to a client.
   */
  async autovacuum(on: boolean): Promise<void> {
    await this.admin.query(on ? 'ALTER SYSTEM RESET autovacuum' : 'ALTER SYSTEM SET autovacuum = off');
    await this.admin.query('SELECT pg_reload_conf()');
  }

  async stop(): Promise<void> {
    await this.admin.end().catch(() => undefined);
    await this.server.stop();
  }
}

/** Connections to `database` that are in LISTEN (their last statement), by application name. */
export async function listeningNames(admin: Pool, database: string): Promise<Set<string>> {
  const { rows } = await admin.query<{ name: string }>(
    "SELECT DISTINCT application_name AS name FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'LISTEN%'",
    [database],
  );
  return new Set(rows.map((r) => r.name));
}
