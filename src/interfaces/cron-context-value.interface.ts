/**
 * The identity of one job run, stored in the nestjs-cls context for the run's whole async path.
 */
export interface CronContextValue {
  /** Name given to `@CoordinatedCron`. */
  jobName: string;
  /** Unique id of this run (one per claimed occurrence attempt on one instance). */
  runId: string;
  /** The occurrence being run: the schedule tick that opened its window, ISO 8601. */
  occurrence: string;
  /** The instance that runs it (module option `instanceId`). */
  instanceId: string;
  /** Set inside the handler call of a `@PerTenant()` job. */
  tenantId?: string;
}
