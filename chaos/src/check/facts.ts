import { type History } from './history';
import { impairments, overlapping, type Impairment } from './impairments';
import { indexRuns, resumedAfter, runsByOccurrence, type Run, type RunIndex } from './runs';

/** Margin for timer and scheduling slack between one process's record and another's. */
export const SLACK_MS = 250;
/** How long a healthy store's claim reply may take to show up as the run's first record (event-loop lag included). */
export const GRANT_SLACK_MS = 500;

/** What every check reads: the history, its runs and skips, and when each instance or the store was impaired. */
export interface Facts {
  h: History;
  index: RunIndex;
  byOccurrence: Map<string, Run[]>;
  impairments: Impairment[];
}

export function gatherFacts(h: History): Facts {
  const index = indexRuns(h);
  const imp = impairments(h);
  const lockTimeout = h.settings.lockTimeoutMs;
  for (const run of index.runs.values()) {
    // The store granted the claim (or resume) shortly before the instance's first record of the run: the reply
    // arrives within ms on a healthy store. When the store or this instance was stopped or restarting in the last
    // lock timeout, the reply may have taken up to that timeout (a later one is a lock error, never a grant), plus
    // however long the instance itself was stopped. Never before the store last came back up, though: a grant
    // answered after a restart was made by the restarted server.
    const stoppedMs = imp
      .filter(
        (i) =>
          i.target === run.instanceId &&
          i.kind === 'stopped' &&
          i.from < run.grantAt &&
          i.to > run.grantAt - lockTimeout,
      )
      .reduce((sum, i) => sum + (Math.min(i.to, run.grantAt) - i.from), 0);
    const storeTrouble = overlapping(imp, 'store', run.grantAt - lockTimeout, run.grantAt).length > 0;
    const margin = storeTrouble || stoppedMs > 0 ? lockTimeout + stoppedMs : GRANT_SLACK_MS;
    const lastUp = h.storeUps.filter((at) => at <= run.grantAt).at(-1) ?? Number.NEGATIVE_INFINITY;
    run.grantLo = Math.max(run.grantAt - margin, lastUp);
  }
  // A run that resumed another was granted after it, whatever their first records say: a holder stopped right after
  // its grant records nothing until it wakes, maybe long after it was taken over.
  for (let changed = true; changed;) {
    changed = false;
    for (const run of index.runs.values()) {
      const resumed = run.resumedFrom ? index.runs.get(run.resumedFrom) : undefined;
      if (!resumed || resumed.grantHi <= run.grantHi) continue;
      resumed.grantHi = run.grantHi;
      resumed.grantLo = Math.min(resumed.grantLo, resumed.grantHi);
      changed = true;
    }
  }
  return { h, index, byOccurrence: runsByOccurrence(index), impairments: imp };
}

/** Whether `later` was certainly granted after `earlier`: its earliest grant after the other's latest, or a resume. */
export function certainlyAfter(f: Facts, later: Run, earlier: Run): boolean {
  return later.grantLo > earlier.grantHi || resumedAfter(f.index, later, earlier);
}

/** When the process of `instanceId` exited, if it did. */
export function exitOf(f: Facts, instanceId: string): number | undefined {
  return f.h.exits.find((e) => e.target === instanceId)?.at;
}

/**
 * The stretch in which `run` may have held its job's running lease: from the earliest its claim can have been
 * granted to its summary line (the lease is released before it), plus a lease period when the release failed, or
 * its process's exit plus a lease period when it never reported.
 */
export function holdInterval(f: Facts, run: Run): [number, number] {
  const lease = f.h.settings.leaseTtlMs;
  if (run.summaryAt !== undefined) return [run.grantLo, run.summaryAt + (run.releaseFailed ? lease : 0) + SLACK_MS];
  const exit = exitOf(f, run.instanceId);
  return [run.grantLo, exit === undefined ? Number.POSITIVE_INFINITY : exit + lease + SLACK_MS];
}

/**
 * Why a run ran an occurrence again: what happened, and when it began. `takeover`: it resumed the first run (which
 * skips the tenants recorded done); `forgotten`: a fresh claim after the store forgot the first (which runs them all).
 */
export interface SecondRunCause {
  kind: 'takeover' | 'forgotten';
  text: string;
  at: number;
}

/**
 * Why a later run `second` of the same occurrence could legitimately run it again after `first`, or undefined:
 * - a takeover (a resume) after `first`'s holder was killed, stopped or stopping, or the store was stopped or
 *   restarted (its lease could lapse), between `first`'s grant and `second`'s;
 * - a fresh claim after the store restarted in a way that can forget writes (a crash of Redis with fsync every
 *   second, within that second or two after `first`'s grant; any restart without persistence).
 * A fresh claim after `first`'s claim merely expired (`lockTtl`) is no excuse: README promises that catch-up claims
 * through the usual occurrence keys so that each occurrence runs once.
 */
export function secondRunCause(f: Facts, first: Run, second: Run): SecondRunCause | undefined {
  if (second.attempt > 1) {
    const own = overlapping(f.impairments, first.instanceId, first.grantLo, second.grantAt).find(
      (i) => i.kind !== 'store-stopped',
    );
    if (own) return { kind: 'takeover', text: `${first.instanceId} ${own.kind}`, at: own.from };
    const store = overlapping(f.impairments, 'store', first.grantLo, second.grantAt)[0];
    if (store) {
      const what = `store ${store.kind === 'store-stopped' ? 'stopped' : 'restarted'} while it ran`;
      return { kind: 'takeover', text: what, at: store.from };
    }
    return undefined;
  }
  const lost = forgettingRestart(f, first.grantLo, first.grantHi, second.grantAt);
  if (lost) return { kind: 'forgotten', text: 'store restarted and forgot the claim', at: lost.from };
  return undefined;
}

/**
 * A restart of the store before `before` that may have forgotten a claim made between `claimLo` and `claimAt`: one
 * that can lose writes, begun after the claim and (with persistence) soon enough after it that the store may not
 * have written it down yet; without persistence any later restart forgets it.
 */
export function forgettingRestart(f: Facts, claimLo: number, claimAt: number, before: number): Impairment | undefined {
  const until = Math.min(f.h.persistence ? claimAt + f.h.crashLossMs : before, before);
  return f.impairments.find((i) => i.target === 'store' && i.losesWrites && i.from >= claimLo && i.from <= until);
}

/** This process's clock minus the runner's (and the store's, which runs on the same machine). */
export function skewOf(f: Facts, instanceId: string): number {
  return f.h.processes.find((p) => p.instanceId === instanceId)?.skewMs ?? 0;
}
