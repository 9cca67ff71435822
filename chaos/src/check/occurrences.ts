import { type JobSettings } from '../config';
import { secondRunCause, type Facts, type SecondRunCause } from './facts';
import { occurrenceKey, type Run, type Skip } from './runs';
import { judgeSkip, type SkipJudgement } from './skip-reasons';

/**
 * What became of one due occurrence, judged from every instance's records:
 * - `ran`: at least one run called the handler (or a resumed run found nothing left to do and completed);
 * - `skipped`: no run, some instance reported a reason, and every reason reported holds (`skip-reasons.ts`):
 *   `lock-error`, `overlap`, `late`, `shutting-down`;
 * - `lost`: neither. A `duplicate` skip is no reason (it says someone else has the occurrence); a reason the history
 *   does not bear out makes the occurrence lost even beside one that holds; `paused` and `rescheduled` never hold
 *   (nothing pauses a job or changes a schedule here).
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
  /** Skips reported for it, with whether each reason holds (and why not). */
  skips: Array<Skip & SkipJudgement>;
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

/** The reason an occurrence is counted skipped for, when several instances gave one that holds. */
const REASON_ORDER = ['lock-error', 'overlap', 'late', 'shutting-down'];

export function judgeOccurrence(f: Facts, job: JobSettings, occurrenceMs: number): OccurrenceVerdict {
  const occurrence = new Date(occurrenceMs).toISOString();
  const runs = f.byOccurrence.get(occurrenceKey(job.name, occurrenceMs)) ?? [];
  const skips = f.index.skips
    .filter((s) => s.job === job.name && s.occurrenceMs === occurrenceMs)
    .map((s) => ({ ...s, ...judgeSkip(f, s) }));
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
  // Every reason given must hold: one that does not (an instance that claimed the tick and said `overlap` with
  // nothing running, a right clock answered `late`) is the likelier story of why it did not run.
  const reasons = skips.filter((s) => s.reason !== 'duplicate');
  const reason = reasons.every((s) => s.holds)
    ? REASON_ORDER.find((r) => reasons.some((s) => s.reason === r))
    : undefined;
  if (reason) return { job: job.name, occurrence, occurrenceMs, status: { kind: 'skipped', reason }, skips };
  const notes: string[] = [];
  for (const run of runs)
    notes.push(`claimed by ${run.instanceId} (run ${run.runId}, token ${run.token}) whose handler never started`);
  for (const s of skips)
    notes.push(
      `${s.instanceId} reported ${s.reason}${s.reason === 'duplicate' || s.holds ? '' : ` (not borne out by the history: ${s.why})`}`,
    );
  if (skips.length === 0 && runs.length === 0) notes.push('no instance reported it at all');
  return { job: job.name, occurrence, occurrenceMs, status: { kind: 'lost', notes }, skips };
}

/** Runs (of any occurrence, due or not) whose first record came before their tick by more than the tolerance. */
export function earlyRuns(f: Facts): Run[] {
  const tolerance = f.h.settings.earlyToleranceMs;
  return [...f.index.runs.values()].filter((run) => run.grantHi < run.occurrenceMs - tolerance);
}
