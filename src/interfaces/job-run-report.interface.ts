/** Why an occurrence was not run by this instance. */
export type SkipReason = 'duplicate' | 'overlap' | 'lock-error' | 'shutting-down' | 'paused';

/** How a run ended. */
export type RunOutcome = 'completed' | 'failed' | 'skipped' | 'interrupted';

/** What happened to each tenant of a `@PerTenant()` run. Every listed tenant is in exactly one list. */
export interface TenantRunSummary {
  /** Tenants listed by the settings provider. */
  total: number;
  succeeded: string[];
  failed: Array<{ tenantId: string; error: string }>;
  /** Filtered out by the settings provider for this job. */
  disabled: string[];
  /** Never started because shutdown began; kept in the pending set and taken first by the next run. */
  unprocessed: string[];
  /**
   * Set only when a list would hold more than 10,000 ids: each list above then keeps its first 10,000, and these are
   * the full counts.
   */
  counts?: { succeeded: number; failed: number; disabled: number; unprocessed: number };
}

/** The outcome of one occurrence on one instance, returned by `CoordinatedCronRunner.trigger`. */
export interface JobRunReport {
  jobName: string;
  runId: string;
  /** The occurrence claimed, ISO 8601. */
  occurrence: string;
  instanceId: string;
  outcome: RunOutcome;
  /** Set when `outcome` is `'skipped'`. */
  skipReason?: SkipReason;
  /** Message of the error that failed the run, or of the lock error that skipped it. */
  error?: string;
  startedAt: string;
  finishedAt: string;
  /** Set for `@PerTenant()` jobs that got as far as listing tenants. */
  tenants?: TenantRunSummary;

  // --- run ledger, fencing and crash resume ------------------------------------------------------------------------
  /** 1 for a run that claimed its occurrence; 2 and up for a run that resumed it after its holder died. */
  attempt: number;
  /** For a resumed run: the run id whose holder died. */
  resumedFrom?: string;
  /** Set on a late run of an occurrence missed while the fleet (or the store) was down. */
  catchup?: true;
  /**
   * Strictly increasing per job across every run that won a claim or a resume; `0` when this run won none (a skip,
   * or a run without coordination under `lockFailure: 'run'`).
   */
  fencingToken: number;
}
