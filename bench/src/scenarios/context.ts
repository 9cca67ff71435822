import { join } from 'node:path';
import { type Monitor } from '../lib/monitor';
import { type BenchPostgres } from '../lib/postgres';
import { type RedisClient } from '../lib/redis';

/** What the runner hands every scenario. */
export interface ScenarioContext {
  url: string;
  /** Unique to the run; every key and client name of the run starts with it. */
  prefix: string;
  /** The harness connection (markers, INFO, CLIENT LIST). */
  client: RedisClient;
  /** Running for figures that count commands (4, 6, 7). */
  monitor?: Monitor;
  log: (msg: string) => void;
  /** The bench's own PostgreSQL, started on first use (figures 12 to 16 and 18) and stopped at the end of the run. */
  postgres: () => Promise<BenchPostgres>;
}

/** The compiled child script `name` (children/<name>.ts). */
export const childScript = (name: string): string => join(__dirname, '..', 'children', `${name}.js`);
