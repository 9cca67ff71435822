import type { BootRuns } from '../scenarios/boot';
import type { FanOutResult } from '../scenarios/fanout';
import type { PairedRep } from './claims';
import type { LocalTimeResult } from '../scenarios/local-time';
import type { LockRep } from '../scenarios/lock-cost';
import type { OverheadRuns } from '../scenarios/overhead';
import type { PostgresIdleResult } from '../scenarios/postgres-idle';
import type { PostgresScaleRep } from '../scenarios/postgres-scale';
import type { PostgresTrafficResult } from '../scenarios/postgres-traffic';
import type { ProgressResult } from '../scenarios/progress';
import type { RescheduleResult } from '../scenarios/reschedule';
import type { RetryResult } from '../scenarios/retry';
import type { ResumeRep } from '../scenarios/resume';
import type { ScaleRep } from '../scenarios/scale';
import type { TelemetryRep } from '../scenarios/telemetry';
import type { TrafficResult } from '../scenarios/traffic';
import type { UnobservedResult, WindowResult } from './tick-window';

/** Raw results of every figure that ran, by figure key; a figure that failed has an entry in `Errors` instead. */
export interface Results {
  fanout?: FanOutResult;
  overhead?: OverheadRuns;
  lock?: { reps: LockRep[] };
  traffic?: TrafficResult;
  boot?: BootRuns;
  latency?: WindowResult & { logLines: number; subscribed: number };
  bullmq?: WindowResult;
  scale?: { reps: ScaleRep[] };
  telemetry?: { reps: TelemetryRep[] };
  resume?: { reps: ResumeRep[] };
  progress?: ProgressResult;
  postgresClaim?: { reps: PairedRep[] };
  postgresTraffic?: PostgresTrafficResult;
  postgresLatency?: UnobservedResult & { logLines: number };
  postgresIdle?: PostgresIdleResult;
  postgresScale?: { reps: PostgresScaleRep[] };
  localTime?: LocalTimeResult;
  reschedule?: RescheduleResult;
  retry?: RetryResult;
}

export type FigureKey = keyof Results;

export type Errors = Partial<Record<FigureKey, string>>;
