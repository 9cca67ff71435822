import { type JobSettings } from '../config';
import { forgettingRestart, holdInterval, skewOf, SLACK_MS, type Facts } from './facts';
import { overlapping } from './impairments';
import { occurrenceKey, type Skip } from './runs';

/**
 * Whether the reason an instance gave for skipping an occurrence is borne out by the history. A reason that holds
 * explains why the occurrence did not run; one that does not leaves it lost (unless another holds). `why` says which
 * part of the rule failed, for the report.
 */
export type SkipJudgement =
  | { holds: true }
  /** `claimHeld`: a `late` answer while a claim of the occurrence was alive in the store, which then said otherwise. */
  | { holds: false; why: string; claimHeld?: true };

const HOLDS: SkipJudgement = { holds: true };
const fails = (why: string): SkipJudgement => ({ holds: false, why });

export function judgeSkip(f: Facts, skip: Skip): SkipJudgement {
  switch (skip.reason) {
    case 'lock-error':
      // The instance's own call failed or timed out: nothing in the history can contradict that.
      return HOLDS;
    case 'overlap':
      return overlapHolds(f, skip);
    case 'late':
      return lateHolds(f, skip);
    case 'shutting-down':
      return f.h.signals.some((s) => s.target === skip.instanceId && s.signal === 'SIGTERM' && s.at <= skip.at)
        ? HOLDS
        : fails('the instance had not been asked to stop');
    case 'duplicate':
      return fails('someone else has the occurrence: it is no reason for it not to run');
    case 'paused':
      return fails('nothing pauses a job in a chaos run');
    case 'rescheduled':
      return fails('nothing changes a schedule in a chaos run');
    default:
      return fails('not a reason the checker knows');
  }
}

function jobNamed(f: Facts, name: string): JobSettings | undefined {
  return [f.h.settings.plain, f.h.settings.perTenant].find((job) => job.name === name);
}

/**
 * `overlap`: a run of another occurrence of the job may really have held the lease when the skip was reported. A tick
 * of the instance's timer can only meet a run of an earlier occurrence (a later one is not due yet by the store's
 * clock). A late run may also meet the run of a later tick; it then waits and asks again as long as that run's lease
 * could end inside its catch-up window, so its overlap skip comes only once the window is about to end, by the
 * instance's own clock (which `skew` puts on the runner's).
 */
function overlapHolds(f: Facts, skip: Skip): SkipJudgement {
  const held = [...f.index.runs.values()].some((run) => {
    if (run.job !== skip.job || run.occurrenceMs === skip.occurrenceMs) return false;
    if (!skip.catchup && run.occurrenceMs > skip.occurrenceMs) return false;
    const [from, to] = holdInterval(f, run);
    return from <= skip.at && skip.at <= to;
  });
  if (!held)
    return fails(
      skip.catchup ? 'no other run of the job held the lease' : 'no run of an earlier occurrence held the lease',
    );
  if (!skip.catchup) return HOLDS;
  const { catchupWindowMs, leaseTtlMs } = f.h.settings;
  const givesUpFrom = skip.occurrenceMs + catchupWindowMs - leaseTtlMs - skewOf(f, skip.instanceId) - SLACK_MS;
  return skip.at >= givesUpFrom
    ? HOLDS
    : fails(`a late run gave up ${Math.round(givesUpFrom - skip.at)} ms before its catch-up window could end`);
}

/**
 * `late`: the store answered that nobody had claimed the tick and its window (up to the next tick) had passed by the
 * store's clock. README has it for an instance that asks that late because its clock runs behind. All three must be
 * borne out:
 * - the answer came after the window ended (the runner's clock stands in for the store's: one machine);
 * - nobody's claim of the occurrence was in the store when the window ended (`claimBefore`): the store would have
 *   answered `duplicate`;
 * - this instance asked late by its own doing: its clock runs behind by enough that its tick, plus the delay it drew
 *   inside the jitter, lands after the window; or it was stopped (SIGSTOP) between its tick and its report, which
 *   sets its clock back just as well. A store that was stopped or restarting is no such cause: a right clock sent
 *   its claim in time, and the tick was missed by the fleet while the store was out, which catch-up is for (a
 *   longer outage, answered by lock errors, is caught up).
 */
function lateHolds(f: Facts, skip: Skip): SkipJudgement {
  const job = jobNamed(f, skip.job);
  if (!job) return fails('a job the chaos app does not have');
  const windowMs = job.everySeconds * 1000;
  const windowEnd = skip.occurrenceMs + windowMs;
  if (skip.at < windowEnd - SLACK_MS)
    return fails(`reported ${Math.round(windowEnd - skip.at)} ms before the tick's window ended`);
  const claimed = claimBefore(f, skip, windowEnd);
  if (claimed) return { holds: false, why: `${claimed} before its window ended`, claimHeld: true };
  const skew = skewOf(f, skip.instanceId);
  if (-skew >= windowMs - job.jitterMs - SLACK_MS) return HOLDS;
  // A fast instance's first claim comes before the tick and waits for the store's clock: held up from then on.
  const from = skip.occurrenceMs - Math.max(0, skew) - SLACK_MS;
  if (overlapping(f.impairments, skip.instanceId, from, skip.at).some((i) => i.kind === 'stopped')) return HOLDS;
  const store = overlapping(f.impairments, 'store', from, skip.at).length > 0;
  return fails(
    `its clock is ${Math.abs(skew)} ms ${skew > 0 ? 'ahead of' : 'behind'} the store's and it was not stopped` +
      (store
        ? ': the store held its claim up past the window, a tick missed while it was out (catch-up is for that)'
        : ''),
  );
}

/**
 * Who certainly held a claim of `skip`'s occurrence in the store at `by`, if anyone: a run that won it (its first
 * record came before), or an instance whose timer's claim was answered `overlap` (the occurrence is claimed, only
 * the lease was taken). Such a claim lives until the catch-up window ends, unless a store restart since may have
 * forgotten it. A `duplicate` report is no such proof: the claim it met may be one whose caller timed out and then
 * abandoned it.
 */
function claimBefore(f: Facts, skip: Skip, by: number): string | undefined {
  const runs = f.byOccurrence.get(occurrenceKey(skip.job, skip.occurrenceMs)) ?? [];
  const run = runs.find((r) => r.grantHi + SLACK_MS < by && !forgettingRestart(f, r.grantLo, r.grantHi, skip.at));
  if (run) return `${run.instanceId} had won it (run ${run.runId})`;
  const overlap = f.index.skips.find(
    (s) =>
      s.job === skip.job &&
      s.occurrenceMs === skip.occurrenceMs &&
      s.reason === 'overlap' &&
      !s.catchup &&
      s.at + SLACK_MS < by &&
      // Its claim was answered within a lock timeout before the report.
      !forgettingRestart(f, s.at - f.h.settings.lockTimeoutMs - SLACK_MS, s.at, skip.at),
  );
  return overlap ? `${overlap.instanceId} had claimed it (answered overlap)` : undefined;
}
