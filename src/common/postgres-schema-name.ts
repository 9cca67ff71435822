/** The schema the PostgreSQL store uses unless told otherwise. */
export const DEFAULT_POSTGRES_SCHEMA = 'coordinated_cron';

/** A plain lower-case identifier: the name is written into SQL as is, so nothing that needs quoting is accepted. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function isPostgresSchemaName(value: unknown): value is string {
  return typeof value === 'string' && SCHEMA_NAME.test(value);
}
