import { type OverlapPolicy } from './cron-window.interface.js';

/**
 * Why an occurrence was not run by this instance. `late`: nobody had claimed it and its window had passed by the lock
 * store's clock when this instance asked (its own clock runs behind). `rescheduled`: the job's schedule was changed
 * before this tick, which belongs to the schedule no longer in force. `queued`: a run of the job was in progress, and
 * the occurrence is remembered to start when it ends (`overlap: 'buffer-one'` or `'cancel-running'`); its run is
 * reported on its own.
 */
export type SkipReason =
  'duplicate' | 'overlap' | 'lock-error' | 'shutting-down' | 'paused' | 'late' | 'rescheduled' | 'queued';

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
  /** Paused for this job one by one (`CoordinatedCronRunner.pauseTenant`): neither run nor counted disabled. */
  paused: string[];
  /**
   * Tenants called more than once by this run (`retry`), whichever list they ended in: `succeeded` when a retry
   * succeeded, `failed` when the last one failed too.
   */
  retried: string[];
  /**
   * Set only when a list would hold more than 10,000 ids: each list above then keeps its first 10,000, and these are
   * the full counts.
   */
  counts?: {
    succeeded: number;
    failed: number;
    disabled: number;
    unprocessed: number;
    paused: number;
    retried: number;
  };
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
  /** Plain jobs: how many times this run called the handler (more than 1 with `retry`). */
  tries?: number;
  /** A run stopped by a newer occurrence (`overlap: 'cancel-running'`): that occurrence, ISO 8601. */
  replacedBy?: string;
  /**
   * A run of `CoordinatedCronRunner.retryFailed`: the occurrence whose failed tenants it ran again (its own
   * `occurrence` too), ISO 8601.
   */
  retryOf?: string;
  /**
   * Strictly increasing per job across every run that won a claim or a resume; `0` when this run won none (a skip,
   * or a run without coordination under `lockFailure: 'run'`).
   */
  fencingToken: number;
}

/** One tenant's pause of one job. */
export interface TenantPause extends JobPause {
  tenantId: string;
}

/** A fleet-wide pause of one job, as stored in the lock store. */
export interface JobPause {
  reason?: string;
  /** When it was paused, ISO 8601. */
  since: string;
  /** When it resumes by itself, ISO 8601; absent: until `resume`. */
  until?: string;
  /** The `instanceId` that paused it. */
  by: string;
}

/** The run of a job in progress somewhere in the fleet. */
export interface JobRunInProgress {
  runId: string;
  instanceId: string;
  startedAt: string;
  /** `@PerTenant()` runs: tenants finished so far and tenants to run, fleet-wide, refreshed at least every 2 s. */
  tenantsDone?: number;
  tenantsTotal?: number;
}

/** The schedule a job runs on, fleet-wide: the code's, or an override set with `CoordinatedCronRunner.reschedule`. */
export interface JobScheduleDescription {
  cron: string;
  jitterMs: number;
  timeZone?: string;
  source: 'code' | 'override';
  /** Of an override: why, who set it (an instance id) and when (ISO 8601). */
  reason?: string;
  by?: string;
  at?: string;
}

/** What `CoordinatedCronRunner.describe` knows about one job, read from the lock store (so the same on every instance). */
export interface JobDescription {
  name: string;
  /** The schedule in force (also in `schedule`, with where it comes from). */
  cron: string;
  timeZone?: string;
  jitterMs: number;
  schedule: JobScheduleDescription;
  perTenant: boolean;
  /** A `@PerTenant({ localTime: true })` job: its cron is read in each tenant's zone. */
  localTime?: boolean;
  paused?: JobPause;
  /** `@PerTenant()` jobs: tenants paused one by one (at most 1,000 listed) and how many there are. */
  pausedTenants?: { total: number; tenants: TenantPause[] };
  /** Local-time jobs: the next instants the job fires at, with the zones due at each. */
  nextTicks?: Array<{ at: string; timeZones: string[] }>;
  /** The next 5 ticks of the schedule, ISO 8601. */
  nextOccurrences: string[];
  /** What a tick does when a run of the job is still in progress. */
  overlap: OverlapPolicy;
  /** How a failing handler is called again; `attempts: 1` when it is not. */
  retry: { attempts: number; backoffMs: number; maxBackoffMs: number };
  /** Failed runs in a row after which the job pauses itself, when set. */
  pauseOnFailure?: number;
  /** Runs of the job that failed in a row, fleet-wide. */
  consecutiveFailures: number;
  /** The job's last completed run: its occurrence and when it finished, ISO 8601. */
  lastCompleted?: { occurrence: string; finishedAt: string };
  /** `@PerTenant()` jobs: the newest occurrence that left tenants failed, and how many (`retryFailed` runs them). */
  failedTenants?: { occurrence: string; count: number };
  running?: JobRunInProgress;
  /** Recent run reports of every instance, newest first, at most `historySize`; duplicate skips are not kept. */
  recent: JobRunReport[];
  /** Outcomes counted over `recent`. */
  counts: { completed: number; failed: number; skipped: number; interrupted: number };
}
