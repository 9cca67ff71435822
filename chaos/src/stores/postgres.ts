import { type StoreKind } from './store';

const NOT_YET =
  'PostgreSQL is not yet a store of nestjs-coordinated-cron, so --store postgres cannot run: use --store redis. ' +
  'Once the library has the `postgres` module option, stores/postgres.ts starts a server of its own (initdb, ' +
  'pg_ctl; restarts with -m immediate) and hands the instances a pg.Pool.';

/** The place of the PostgreSQL store, until the library has one. */
export const postgresStore: StoreKind = {
  name: 'postgres',
  preflight: () => NOT_YET,
  launch: () => Promise.reject(new Error(NOT_YET)),
  connect: () => Promise.reject(new Error(NOT_YET)),
};
