import { Logger } from '@nestjs/common';
import { LOGGER_CONTEXT } from '../../common/constants.js';
import { describeError } from '../../common/describe-error.js';
import { type PostgresPool } from '../../interfaces/index.js';

/** Errors closer together than this are one burst: a server restart drops every idle connection at once. */
export const POOL_ERROR_BURST_MS = 10_000;

/**
 * Decides which of a stream of errors to log: the first of a burst, and then nothing until the errors have stopped
 * for `quietMs`; the next line says how many were left out. Pure: the clock is passed in.
 */
export class BurstFilter {
  private lastAt = Number.NEGATIVE_INFINITY;
  private skipped = 0;

  constructor(
    private readonly quietMs: number = POOL_ERROR_BURST_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** `{ log: true, skipped }` for the first error of a burst (`skipped`: left out since the last line). */
  record(): { log: true; skipped: number } | { log: false } {
    const now = this.now();
    const quiet = now - this.lastAt >= this.quietMs;
    this.lastAt = now;
    if (!quiet) {
      this.skipped += 1;
      return { log: false };
    }
    const skipped = this.skipped;
    this.skipped = 0;
    return { log: true, skipped };
  }
}

const watched = new WeakSet<object>();

/**
 * Listens for the `error` a node-postgres pool emits when one of its idle connections dies. Without a listener that
 * event crashes the process (an `EventEmitter` with no `error` listener throws), and an app that made its pool as
 * users do (`new Pool({ connectionString })`) has none: a restart of PostgreSQL would take the app down. The pool
 * has already dropped the connection when it emits; this only logs, once per burst. One listener per pool, however
 * many stores share it.
 */
export function watchPoolErrors(pool: PostgresPool, logger: Logger = new Logger(LOGGER_CONTEXT)): void {
  if (watched.has(pool)) return;
  watched.add(pool);
  const bursts = new BurstFilter();
  pool.on('error', (error) => {
    const decision = bursts.record();
    if (!decision.log) return;
    const more = decision.skipped > 0 ? ` (${decision.skipped} more since the last such line)` : '';
    logger.warn(
      `PostgreSQL: an idle connection of the pool failed (${describeError(error)})${more}; the pool dropped it and ` +
        'opens a new one when needed. Runs that need the store meanwhile are skipped as lock errors.',
    );
  });
}
