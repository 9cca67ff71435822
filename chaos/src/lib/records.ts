import { type RunSettings } from '../config';
import { type PlannedFault } from '../runner/fault-plan';
import { type SinkWriteRecord } from '../runner/sink-server';

/**
 * The shapes of a recorded history. The runner appends `RunnerRecord`s (stamped with its own clock, `at`) to
 * runner.jsonl; each instance process appends `InstanceRecord`s (stamped with its own, possibly offset, clock, `t`)
 * to instances/<instanceId>.jsonl. Every line is written synchronously, so a line written before a SIGKILL is kept.
 */
export type RunnerRecord =
  | {
      type: 'start';
      at: number;
      seed: number;
      store: string;
      storeLabel: string;
      persistence: boolean;
      minutes: number;
      settings: RunSettings;
      plan: PlannedFault[];
      build: string;
      /**
       * How long before a crash of the store (SIGKILL, `pg_ctl stop -m immediate`) an acknowledged write may still be
       * lost: Redis with `appendfsync everysec` 2100 ms, PostgreSQL with `synchronous_commit` on 0. Absent in
       * histories recorded before it was: Redis's figure is assumed then.
       */
      crashLossMs?: number;
    }
  | { type: 'phase'; at: number; name: PhaseName }
  | { type: 'process'; at: number; instanceId: string; slot: number; pid: number; offsetMs: number }
  | { type: 'skew'; at: number; instanceId: string; skewMs: number; rttMs: number }
  | { type: 'ready'; at: number; instanceId: string }
  | { type: 'signal'; at: number; target: string; pid: number; signal: SentSignal }
  | { type: 'exit'; at: number; target: string; pid: number; code: number | null; signal: string | null }
  | { type: 'store-up'; at: number; pid: number }
  | {
      type: 'fault';
      at: number;
      id: number;
      kind: PlannedFault['kind'];
      target: string;
      durationMs: number;
      mode?: string;
      offsetMs?: number;
      aim?: string;
    }
  | { type: 'fault-end'; at: number; id: number }
  | { type: 'fault-skipped'; at: number; id: number; why: string }
  | ({ type: 'write' } & SinkWriteRecord)
  | { type: 'note'; at: number; text: string };

/**
 * The signals the runner sends. SIGTERM asks an instance or Redis to stop cleanly; SIGINT and SIGQUIT are what
 * `pg_ctl stop -m fast` and `-m immediate` send PostgreSQL's postmaster (a clean stop, and a crash without checkpoint).
 */
export type SentSignal = 'SIGKILL' | 'SIGTERM' | 'SIGINT' | 'SIGQUIT' | 'SIGSTOP' | 'SIGCONT';

export type PhaseName = 'ready' | 'faults-from' | 'faults-until' | 'settled' | 'stopped';

/** The job handlers' and the library's view, as one instance process saw it. */
export type InstanceRecord =
  | { type: 'boot'; t: number; pid: number; offsetMs: number }
  | { type: 'ready'; t: number }
  | { type: 'log'; t: number; level: string; context?: string; text: string }
  | { type: 'grant'; t: number; job: string; runId: string; occurrence: string; token: number }
  | RunStep<'plain-start'>
  | (RunStep<'plain-end'> & { result: WriteResult })
  | (RunStep<'tenant-start'> & { tenant: string })
  | (RunStep<'tenant-end'> & { tenant: string; result: WriteResult })
  | { type: 'unhandled'; t: number; kind: 'unhandledRejection' | 'uncaughtException'; message: string }
  | { type: 'client-error'; t: number; message: string }
  | { type: 'closing'; t: number }
  | { type: 'closed'; t: number };

interface RunStepBase {
  t: number;
  job: string;
  runId: string;
  occurrence: string;
  token: number;
}
type RunStep<T extends string> = RunStepBase & { type: T };

/** What the handler's write(s) to the sink came to: all accepted, one refused (a newer holder), or an error. */
export type WriteResult = 'accepted' | 'refused' | 'error';

export const RUNNER_FILE = 'runner.jsonl';
export const INSTANCES_DIR = 'instances';
