import { CoordinatedCronConfigurationError } from '../../common/errors/index.js';

/** The PostgreSQL store's schema is missing or older than this library needs, and `migrate` is `false`. */
export class PostgresSchemaError extends CoordinatedCronConfigurationError {
  override readonly name = 'PostgresSchemaError';

  static outdated(schema: string, found: number, needed: number): PostgresSchemaError {
    const state = found === 0 ? 'does not exist yet' : `is at version ${found}`;
    return new PostgresSchemaError(
      `The PostgreSQL schema "${schema}" of nestjs-coordinated-cron ${state}; this version needs version ${needed}. ` +
        `Run the SQL of postgresSchemaSql('${schema}') (exported by nestjs-coordinated-cron) in one of your ` +
        'migrations, or let the library create it: postgres: { pool, migrate: true }.',
    );
  }
}
