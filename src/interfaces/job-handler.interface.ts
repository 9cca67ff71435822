import { type CronContextValue } from './cron-context-value.interface.js';

/** The argument a `@CoordinatedCron` method may take. */
export interface CronRun {
  /** Aborted when the run loses its lease, times out, or is cut short by shutdown. */
  signal: AbortSignal;
  context: CronContextValue;
  /**
   * Which call this is for this run (and, in a `@PerTenant()` job, this tenant): 1 for the first, 2 for the first
   * retry (`retry`), and so on.
   */
  try: number;
}

/** Shape of a plain `@CoordinatedCron` method. */
export type CronJobHandler = (run: CronRun) => unknown;

/** Shape of a `@PerTenant()` method: called once per enabled tenant. */
export type TenantJobHandler = (tenantId: string, run: CronRun) => unknown;
