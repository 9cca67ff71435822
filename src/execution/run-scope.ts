import { type RunOutcome, type SkipReason, type TenantRunSummary } from '../interfaces/index.js';
import { type RunTrace } from './telemetry.js';

/** How a run ended, before it becomes a report. */
export interface RunEnd {
  outcome: RunOutcome;
  skipReason?: SkipReason;
  error?: string;
  tenants?: TenantRunSummary;
  /** Plain jobs: calls of the handler. */
  tries?: number;
  /** The occurrence that replaced this run (`overlap: 'cancel-running'`). */
  replacedBy?: Date;
}

/** What a run that took over a crashed one carries into its report. */
export interface Takeover {
  attempt: number;
  resumedFrom: string;
}

/** What one run carries from its start to its report, beside its context. */
export interface RunScope {
  startedAt: Date;
  trace: RunTrace;
  /** Set when a store call failed: the history write is then skipped, or a dead store would hold the report back. */
  storeFailed: boolean;
}

/** What kind of run a claimed one is, beside its occurrence. */
export interface RunKind {
  /** A run that took over a crashed one. */
  takeover?: Takeover;
  /** A run of the occurrence's failed tenants (`retryFailed`): exactly these, each called once. */
  retryOf?: { tenantIds: string[]; count: number };
}
