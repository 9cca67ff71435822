import { type SinkWriteRecord } from '../runner/sink-server';
import { certainlyAfter, type Facts } from './facts';
import { type Run } from './runs';

/**
 * Fencing, end to end. README promises a token strictly increasing per job across every run that wins a claim or a
 * resume, and tells users to refuse writes with a lower token than one seen. So, per job:
 * - `order`: a run certainly granted after another (its earliest possible grant is later than the other's latest, or
 *   it resumed the other) must carry a higher token;
 * - `staleAccepted`: the sink must not accept a write of a run once a run certainly granted after it has written;
 * - `newestRefused`: the sink must not refuse the newest run of a job (no run certainly granted after it), which
 *   happens when tokens go backwards and an older, higher token blocks the current holder;
 * - `belowHighest`: the sink itself must never accept a token below the highest it had seen (its own rule).
 */
export interface FencingFindings {
  order: Array<{ earlier: Run; later: Run }>;
  staleAccepted: Array<{ write: SinkWriteRecord; newer: Run }>;
  newestRefused: SinkWriteRecord[];
  belowHighest: SinkWriteRecord[];
  writes: { accepted: number; refused: number };
}

export function checkFencing(f: Facts): FencingFindings {
  const out: FencingFindings = {
    order: [],
    staleAccepted: [],
    newestRefused: [],
    belowHighest: [],
    writes: { accepted: 0, refused: 0 },
  };
  const byJob = new Map<string, Run[]>();
  for (const run of f.index.runs.values()) {
    if (run.token <= 0) continue;
    const list = byJob.get(run.job) ?? [];
    list.push(run);
    byJob.set(run.job, list);
  }
  for (const runs of byJob.values()) {
    // For each run, every run whose latest possible grant lies before this one's earliest possible grant.
    const byGrant = [...runs].sort((a, b) => a.grantHi - b.grantHi);
    let highest: Run | undefined;
    let next = 0;
    for (const later of [...runs].sort((a, b) => a.grantLo - b.grantLo)) {
      while (next < byGrant.length && byGrant[next].grantHi < later.grantLo) {
        const candidate = byGrant[next++];
        if (!highest || candidate.token > highest.token) highest = candidate;
      }
      if (highest && highest.token >= later.token && highest.runId !== later.runId)
        out.order.push({ earlier: highest, later });
      // A resume is granted after the run it took over, however close their records: its token must be higher.
      const resumed = later.resumedFrom ? f.index.runs.get(later.resumedFrom) : undefined;
      if (resumed && resumed.token >= later.token && resumed !== highest) out.order.push({ earlier: resumed, later });
    }
  }
  // Walk the sink's writes in its own order, keeping per key every run that has written so far.
  const writers = new Map<string, Set<Run>>();
  for (const write of f.h.writes) {
    if (write.accepted) out.writes.accepted++;
    else out.writes.refused++;
    if (write.accepted && write.token < write.highestBefore) out.belowHighest.push(write);
    const run = f.index.runs.get(write.runId);
    if (!run) continue;
    const before = writers.get(write.key) ?? new Set<Run>();
    writers.set(write.key, before);
    if (write.accepted) {
      const newer = [...before].find((other) => other !== run && certainlyAfter(f, other, run));
      if (newer) out.staleAccepted.push({ write, newer });
    } else {
      const superseded = (byJob.get(run.job) ?? []).some(
        (other) => certainlyAfter(f, other, run) && other.grantAt <= write.at,
      );
      if (!superseded) out.newestRefused.push(write);
    }
    before.add(run);
  }
  return out;
}
