/** Why an occurrence was not run by this instance. */
export type SkipReason = 'duplicate' | 'overlap' | 'lock-error' | 'shutting-down';

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
}
