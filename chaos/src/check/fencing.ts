import { type SinkWriteRecord } from '../runner/sink-server';
import { type Facts } from './facts';
import { type Run } from './runs';

/**
 * Fencing, end to end. README promises a token strictly increasing per job across every run that wins a claim or a
 * resume, and tells users to refuse writes with a lower token than one seen. So, per job:
 * - `order`: a run certainly granted after another (its earliest possible grant is later than the other's latest)
 *   must carry a higher token;
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
    const byGrant = [...runs].sort((a, b) => a.grantAt - b.grantAt);
    let highest: Run | undefined;
    let next = 0;
    for (const later of [...runs].sort((a, b) => a.grantLo - b.grantLo)) {
      while (next < byGrant.length && byGrant[next].grantAt < later.grantLo) {
        const candidate = byGrant[next++];
        if (!highest || candidate.token > highest.token) highest = candidate;
      }
      if (highest && highest.token >= later.token && highest.runId !== later.runId)
        out.order.push({ earlier: highest, later });
    }
  }
  // Walk the sink's writes in its own order, keeping per key the writer granted latest so far.
  const latestWriter = new Map<string, Run>();
  for (const write of f.h.writes) {
    if (write.accepted) out.writes.accepted++;
    else out.writes.refused++;
    if (write.accepted && write.token < write.highestBefore) out.belowHighest.push(write);
    const run = f.index.runs.get(write.runId);
    if (!run) continue;
    const newer = latestWriter.get(write.key);
    if (write.accepted && newer && newer.grantLo > run.grantAt) out.staleAccepted.push({ write, newer });
    if (!write.accepted) {
      const superseded = (byJob.get(run.job) ?? []).some(
        (other) => other.grantLo > run.grantAt && other.grantAt <= write.at,
      );
      if (!superseded) out.newestRefused.push(write);
    }
    if (!newer || run.grantLo > newer.grantLo) latestWriter.set(write.key, run);
  }
  return out;
}
