import { type Query } from './postgres-calls.js';
import { POSTGRES_SCHEMA_VERSION, postgresSchemaSql } from './postgres-schema.js';
import { PostgresSchemaError } from './postgres-schema.error.js';

/** SQLSTATEs of a schema or table that does not exist: no schema at all, version 0. */
const ABSENT = new Set(['42P01', '3F000']);

/**
 * Brings the store's schema to the version this library needs before the store's first statement: reads the
 * recorded version (one round trip, the only one once the schema is there); when it is missing or old, runs
 * `postgresSchemaSql` (with `migrate`) or fails naming what to run (without). The SQL goes as one simple-protocol
 * message, which PostgreSQL runs as one transaction: its advisory lock holds to the end, so that instances booting
 * together take turns, and a failure leaves nothing half-made.
 */
export class PostgresMigrator {
  constructor(
    private readonly schema: string,
    private readonly migrate: boolean,
  ) {}

  /** Resolves with the database's clock (epoch ms) once the schema is usable. */
  async prepare(query: Query): Promise<number> {
    const { version, serverTimeMs } = await this.recorded(query);
    if (version >= POSTGRES_SCHEMA_VERSION) return serverTimeMs;
    if (!this.migrate) throw PostgresSchemaError.outdated(this.schema, version, POSTGRES_SCHEMA_VERSION);
    await query(postgresSchemaSql(this.schema));
    return serverTimeMs;
  }

  private async recorded(query: Query): Promise<{ version: number; serverTimeMs: number }> {
    try {
      const [row] = await query(
        `SELECT coalesce(max(version), 0)::int AS version,
                floor(extract(epoch FROM clock_timestamp()) * 1000)::float8 AS server_time_ms
         FROM "${this.schema}".schema_version`,
      );
      return { version: Number(row.version), serverTimeMs: Number(row.server_time_ms) };
    } catch (error) {
      const state = (error as { code?: unknown }).code;
      if (typeof state === 'string' && ABSENT.has(state)) return { version: 0, serverTimeMs: Number.NaN };
      throw error;
    }
  }
}
