import { LockStoreError } from '../../common/errors/index.js';
import { withTimeout } from '../../common/with-timeout.js';
import { type PostgresPool, type PostgresPoolClient } from '../../interfaces/index.js';
import { ConnectionSlots } from './connection-slots.js';

/** Sends one statement on the call's connection and resolves with its rows. */
export type Query = (text: string, values?: readonly unknown[]) => Promise<Array<Record<string, unknown>>>;

/**
 * SQLSTATEs after which a single statement is sent once more: a serialization failure and a deadlock (the
 * transaction was rolled back whole), and a unique violation of a concurrent claim that the statement's snapshot
 * could not see (on a retry it sees it and answers `duplicate`).
 */
const RETRIED = new Set(['40001', '40P01', '23505']);

function sqlState(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; severity?: unknown } | null;
  return typeof candidate?.code === 'string' && typeof candidate.severity === 'string' ? candidate.code : undefined;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * How the PostgreSQL store borrows connections of the app's pool: at most `maxConnections` at a time, each for one
 * call, every call within its deadline.
 *
 * - A call still waiting for a slot at its deadline gives up without sending anything.
 * - A connection the pool is still opening at the deadline keeps its slot until the pool settles (then it goes back
 *   unused): so a server that accepts no connections (paused) holds at most `maxConnections` of the app's pool.
 * - A call that fails, or whose deadline passes while a statement is in flight, gives its connection back with the
 *   error, so the pool discards it (a connection to a paused server is closed, not handed to the app).
 * - While the call holds a connection, an `error` it emits (the socket died) is listened for here: node-postgres
 *   emits it on a checked-out client, and with no listener it would crash the process.
 */
export class PostgresCalls {
  private readonly slots: ConnectionSlots;

  constructor(
    private readonly pool: PostgresPool,
    private readonly options: { maxConnections: number; timeoutMs: number },
  ) {
    this.slots = new ConnectionSlots(options.maxConnections);
  }

  /** Runs `work` on one connection; `deadline` is when this call stops waiting (epoch ms, this process's clock). */
  async run<T>(
    operation: string,
    work: (query: Query, deadline: number) => Promise<T>,
    timeoutMs: number = this.options.timeoutMs,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    const late = () => new LockStoreError(`postgres lock store: ${operation} did not answer within ${timeoutMs}ms`);
    const freeSlot = await this.slots.acquire(deadline, late);
    const client = await this.connect(deadline, late, freeSlot);

    let failure: Error | undefined;
    const onError = (error: Error) => (failure ??= error);
    client.on('error', onError);
    let over = false;
    const query: Query = async (text, values) => {
      for (let attempt = 1; ; attempt++) {
        // Work that goes on after its deadline must not send more on a connection that was given back.
        if (over) throw late();
        try {
          const result = await client.query({ text, values: values as unknown[] | undefined });
          return result.rows as Array<Record<string, unknown>>;
        } catch (error) {
          const state = sqlState(error);
          if (attempt === 1 && state !== undefined && RETRIED.has(state) && Date.now() < deadline) continue;
          throw error;
        }
      }
    };
    try {
      const working = work(query, deadline);
      // Whatever the work does after its deadline is ignored: it can no longer reject unhandled.
      working.catch(() => undefined);
      return await withTimeout(working, Math.max(0, deadline - Date.now()), late);
    } catch (error) {
      failure ??= asError(error);
      throw error;
    } finally {
      over = true;
      client.removeListener('error', onError);
      client.release(failure);
      freeSlot();
    }
  }

  private async connect(deadline: number, late: () => Error, freeSlot: () => void): Promise<PostgresPoolClient> {
    let connecting: Promise<PostgresPoolClient> | undefined;
    let timedOut = false;
    try {
      connecting = Promise.resolve(this.pool.connect());
      return await withTimeout(connecting, Math.max(0, deadline - Date.now()), () => ((timedOut = true), late()));
    } catch (error) {
      if (!timedOut || !connecting) freeSlot();
      else {
        // The slot stays taken until the pool settles: a server that accepts no connections holds no more of them.
        connecting.then(
          (client) => {
            client.release();
            freeSlot();
          },
          () => freeSlot(),
        );
      }
      throw error;
    }
  }
}
