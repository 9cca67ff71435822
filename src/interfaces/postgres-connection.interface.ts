/**
 * The subset of a node-postgres (`pg` 8) pool client that the PostgreSQL store needs. The library never imports
 * `pg` itself: the app hands in its own `Pool`, so the library loads when `pg` is not installed.
 */
export interface PostgresPoolClient {
  /** Statements are sent unnamed (no server-side prepared statements), so they work behind PgBouncer. */
  query(config: { text: string; values?: unknown[] }): Promise<{ rows: unknown[] }>;
  /** With an error, the pool discards the connection instead of handing it out again. */
  release(error?: Error | boolean): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
  /** `LISTEN`: signals of a changed schedule arrive as notifications. */
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  removeListener(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
}

/** The subset of a node-postgres `Pool` that the PostgreSQL store needs. */
export interface PostgresPool {
  connect(): Promise<PostgresPoolClient>;
  /** A pool emits `error` when an idle connection dies (a server restart); the store listens, so that is logged. */
  on(event: 'error', listener: (error: Error, client: unknown) => void): unknown;
}

/** The `postgres` module option in its long form. */
export interface PostgresOptions {
  /** The app's node-postgres `Pool`; the app owns it and ends it. */
  pool: PostgresPool;
  /** The schema the store's tables and functions live in. Default: `'coordinated_cron'`. */
  schema?: string;
  /**
   * Create or upgrade the tables on first use (in one transaction, under an advisory lock). With `false`, the boot
   * checks the schema version and fails when it is missing or old; run `postgresSchemaSql(schema)` in your own
   * migrations instead. Default: `true`.
   */
  migrate?: boolean;
}

/** What the `postgres` module option accepts: a node-postgres `Pool`, or `{ pool, schema?, migrate? }`. */
export type PostgresConnection = PostgresPool | PostgresOptions;
