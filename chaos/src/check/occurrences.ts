import { type JobSettings } from '../config';
import { holdInterval, secondRunCause, type Facts, type SecondRunCause } from './facts';
import { occurrenceKey, type Run, type Skip } from './runs';

/**
 * What became of one due occurrence, judged from every instance's records:
 * - `ran`: at least one run called the handler (or a resumed run found nothing left to do and completed);
 * - `skipped`: no run, and some instance reported a reason that holds: `lock-error` (the store did not answer it),
 *   `overlap` when a run of an earlier occurrence of the job may really have held the lease at that moment,
 *   `shutting-down` from an instance that was being stopped;
 * - `lost`: neither. A `duplicate` skip is no reason (it says someone else has the occurrence); nor is an `overlap`
 *   that no run in progress explains, nor `paused` (nothing pauses a job in a chaos run).
 */
export type OccurrenceStatus =
  | { kind: 'ran'; runs: Run[]; executed: Run[]; twice?: DoubleRun[] }
  | { kind: 'skipped'; reason: string }
  | { kind: 'lost'; notes: string[] };

export interface DoubleRun {
  first: Run;
  second: Run;
  /** Why the second run may legitimately run it again, or undefined when nothing explains it. */
  cause?: SecondRunCause;
}

export interface OccurrenceVerdict {
  job: string;
  occurrence: string;
  occurrenceMs: number;
  status: OccurrenceStatus;
  /** Skips reported for it, with whether each reason holds. */
  skips: Array<Skip & { holds: boolean }>;
}

/** The ticks of an every-N-seconds schedule in [from, to]. */
export function ticks(job: JobSettings, from: number, to: number): number[] {
  const period = job.everySeconds * 1000;
  const out: number[] = [];
  for (let t = Math.ceil(from / period) * period; t <= to; t += period) out.push(t);
  return out;
}

/** The window whose ticks are due: from shortly after every instance was ready to shortly before the fleet stopped. */
export function dueWindow(f: Facts): [number, number] | undefined {
  const { ready, settled } = f.h.phases;
  if (ready === undefined || settled === undefined) return undefined;
  return [ready + f.h.settings.dueFromMs, settled - f.h.settings.tailMs];
}

/** Whether the reason of `skip` holds, by the history (see `OccurrenceStatus`). */
export function skipHolds(f: Facts, skip: Skip): boolean {
  switch (skip.reason) {
    case 'lock-error':
      return true;
    case 'overlap':
      return [...f.index.runs.values()].some((run) => {
        if (run.job !== skip.job || run.occurrenceMs >= skip.occurrenceMs) return false;
        const [from, to] = holdInterval(f, run);
        return from <= skip.at && skip.at <= to;
      });
    case 'shutting-down':
      return f.h.signals.some((s) => s.target === skip.instanceId && s.signal === 'SIGTERM' && s.at <= skip.at);
    default:
      return false;
  }
}

const REASON_ORDER = ['lock-error', 'overlap', 'shutting-down'];

export function judgeOccurrence(f: Facts, job: JobSettings, occurrenceMs: number): OccurrenceVerdict {
  const occurrence = new Date(occurrenceMs).toISOString();
  const runs = f.byOccurrence.get(occurrenceKey(job.name, occurrenceMs)) ?? [];
  const skips = f.index.skips
    .filter((s) => s.job === job.name && s.occurrenceMs === occurrenceMs)
    .map((s) => ({ ...s, holds: skipHolds(f, s) }));
  const executed = runs.filter((r) => r.executed);
  const nothingLeft = runs.some((r) => !r.executed && r.summary?.outcome === 'completed');
  if (executed.length > 0 || nothingLeft) {
    const status: OccurrenceStatus = { kind: 'ran', runs, executed };
    if (executed.length > 1) {
      status.twice = executed.slice(1).map((second, i) => {
        const first = executed[i];
        return { first, second, cause: secondRunCause(f, first, second) };
      });
    }
    return { job: job.name, occurrence, occurrenceMs, status, skips };
  }
  const reason = REASON_ORDER.find((r) => skips.some((s) => s.reason === r && s.holds));
  if (reason) return { job: job.name, occurrence, occurrenceMs, status: { kind: 'skipped', reason }, skips };
  const notes: string[] = [];
  for (const run of runs)
    notes.push(`claimed by ${run.instanceId} (run ${run.runId}, token ${run.token}) whose handler never started`);
  for (const s of skips)
    notes.push(
      `${s.instanceId} reported ${s.reason}${s.reason === 'duplicate' ? '' : ' (not borne out by the history)'}`,
    );
  if (skips.length === 0 && runs.length === 0) notes.push('no instance reported it at all');
  return { job: job.name, occurrence, occurrenceMs, status: { kind: 'lost', notes }, skips };
}

/** Runs (of any occurrence, due or not) whose first record came before their tick by more than the tolerance. */
export function earlyRuns(f: Facts): Run[] {
  const tolerance = f.h.settings.earlyToleranceMs;
  return [...f.index.runs.values()].filter((run) => run.grantAt < run.occurrenceMs - tolerance);
}
