import { type OverlapPolicy } from '../interfaces/index.js';
import { type Schedule } from './schedule.js';

/** A job's retry policy, read. */
export interface RetryPlan {
  /** Calls in all, the first included. */
  attempts: number;
  backoffMs: number;
  maxBackoffMs: number;
}

/** A validated job, as the explorer builds it from a decorated method. Internal. */
export interface JobDefinition {
  name: string;
  className: string;
  methodName: string;
  /** The original cron expression and zone, as given in the code (a runtime override may replace them). */
  cron: string;
  timeZone?: string;
  /** The code's schedule: one zone's, or every zone's for a local-time per-tenant job. */
  schedule: Schedule;
  jitterMs: number;
  /** Undefined: claimed until the next window opens. */
  lockTtlMs?: number;
  /** The decorated method, bound to its provider instance. */
  handler: (...args: unknown[]) => unknown;
  catchup: 'none' | 'latest' | 'all';
  /** Undefined: one period of the schedule. */
  catchupWindowMs?: number;
  crashRecovery: 'resume' | 'none';
  /** `attempts: 1` when the job does not retry. */
  retry: RetryPlan;
  overlap: OverlapPolicy;
  /** Undefined: the job never pauses itself. */
  pauseOnFailure?: number;
  perTenant?: {
    concurrency: number;
    /** Undefined: no per-tenant time limit. */
    tenantTimeoutMs?: number;
    /** The cron is read in each tenant's own time zone. */
    localTime: boolean;
  };
}
