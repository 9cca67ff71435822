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
  /**
   * The run's fencing token (see `JobRunReport.fencingToken`): pass it along with writes so that a store can
   * reject those of a holder that has since been replaced. Set once the claim is won.
   */
  fencingToken?: number;
  /** Set inside the handler call of a `@PerTenant()` job. */
  tenantId?: string;
  /** Set inside a retried call (`retry`): which call it is, 2 for the first retry. */
  try?: number;
}
