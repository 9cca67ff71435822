import { type Pool, type PoolClient } from 'pg';
import { type PostgresPool } from '../../src/index.js';

/** What a {@link countingPool} saw. */
export interface PoolCounts {
  /** Statements sent: each is one round trip (node-postgres sends one unnamed statement and waits for its answer). */
  statements: number;
  /** Connections checked out right now, and the most at any moment. */
  checkedOut: number;
  maxCheckedOut: number;
  /** The text of every statement, in order (for failure messages). */
  texts: string[];
}

/**
 * The pool a store is handed, seen from outside: every statement its connections send and how many connections it
 * holds at once, counted at the client, as the bench counts round trips.
 */
export function countingPool(pool: Pool): { pool: PostgresPool; counts: PoolCounts; reset(): void } {
  const counts: PoolCounts = { statements: 0, checkedOut: 0, maxCheckedOut: 0, texts: [] };
  const wrap = (client: PoolClient): PoolClient =>
    new Proxy(client, {
      get(target, property) {
        if (property === 'query') {
          return (config: { text: string }, ...rest: unknown[]) => {
            counts.statements += 1;
            counts.texts.push(config.text.replace(/\s+/g, ' ').slice(0, 80));
            return (target.query as (...args: unknown[]) => unknown)(config, ...rest);
          };
        }
        if (property === 'release') {
          return (error?: Error | boolean) => {
            counts.checkedOut -= 1;
            target.release(error);
          };
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  const counted: PostgresPool = {
    async connect() {
      const client = await pool.connect();
      counts.checkedOut += 1;
      counts.maxCheckedOut = Math.max(counts.maxCheckedOut, counts.checkedOut);
      return wrap(client);
    },
    on: (event, listener) => pool.on(event, listener),
  };
  return {
    pool: counted,
    counts,
    reset() {
      counts.statements = 0;
      counts.maxCheckedOut = counts.checkedOut;
      counts.texts = [];
    },
  };
}
