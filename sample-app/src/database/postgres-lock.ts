import { type CoordinatedCronModuleOptions } from 'nestjs-coordinated-cron';
import { Pool } from 'pg';

let pool: Pool | undefined;

/**
 * DATABASE_URL (a postgres:// URL): the locks live in PostgreSQL, on a pool made the way an app makes one
 * (`new Pool({ connectionString })`, no error listener of its own). Unset: nothing changes.
 */
export function postgresLock(url = process.env.DATABASE_URL): Pick<CoordinatedCronModuleOptions, 'postgres'> {
  if (!url) return {};
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new Error(`DATABASE_URL must be a postgres:// URL, e.g. postgres://user@127.0.0.1:5432/app (got ${url})`);
  }
  pool ??= new Pool({ connectionString: url });
  return { postgres: pool };
}
