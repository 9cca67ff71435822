import { type SinkWriteRecord } from '../runner/sink-server';
import { overlapping } from './impairments';
import { secondRunCause, type Facts } from './facts';
import { type OccurrenceVerdict } from './occurrences';
import { grantOrder, type Run } from './runs';

/** A tenant finished this long before a fault on its holder may not have been recorded as done, and may run again. */
export const MID_TENANT_MS = 2000;

/**
 * The per-tenant job's work, tenant by tenant, for each due occurrence that ran. A tenant is done when the sink
 * accepted its write for that occurrence. Done twice is legitimate only when the first write's run was taken over
 * because of a fault that began at most `MID_TENANT_MS` after that write (the holder died or stopped mid-tenant, or
 * too soon after to record it), or claimed afresh after the store forgot the first claim (every tenant runs again).
 * A tenant left undone is:
 * - `carried`: an interrupted run of the occurrence put it in the pending set and a run after it (of any tick of the
 *   job: the pending set is the job's) took it first and did it;
 * - `reported`: the library logged that it could not keep it in the pending set;
 * - `superseded`: no run of the occurrence completed, its last holder was impaired or lost its lease, and no resume
 *   followed (README: the next occurrence runs every tenant anyway);
 * - `fenced`: only refused writes, by a holder that had been replaced, and no later holder did it;
 * - `lost`: none of the above.
 */
export interface TenantFindings {
  occurrences: number;
  doneOnce: number;
  doneTwice: number;
  doneTwiceUnexplained: Array<{ occurrence: string; tenant: string; first: string; second: string; why: string }>;
  undone: Record<'carried' | 'reported' | 'superseded' | 'fenced' | 'lost', number>;
  undoneExamples: Array<{ occurrence: string; tenant: string; kind: string }>;
}

export function checkTenants(f: Facts, verdicts: readonly OccurrenceVerdict[]): TenantFindings {
  const job = f.h.settings.perTenant;
  const tenants = Array.from({ length: job.tenants }, (_, i) => `t${String(i).padStart(3, '0')}`);
  const out: TenantFindings = {
    occurrences: 0,
    doneOnce: 0,
    doneTwice: 0,
    doneTwiceUnexplained: [],
    undone: { carried: 0, reported: 0, superseded: 0, fenced: 0, lost: 0 },
    undoneExamples: [],
  };
  const writes = new Map<string, SinkWriteRecord[]>();
  for (const w of f.h.writes) {
    if (w.key !== job.name || w.tenant === undefined) continue;
    const key = `${w.occurrence}|${w.tenant}`;
    const list = writes.get(key) ?? [];
    list.push(w);
    writes.set(key, list);
  }
  const runsOf = (runIds: Iterable<string>): Run[] => [...runIds].flatMap((id) => f.index.runs.get(id) ?? []);
  // Tenants each run took first from the pending set.
  const takenFirst = new Map<string, Set<string>>();
  for (const { line } of f.h.lines)
    if (line.kind === 'pending-first') takenFirst.set(line.runId, new Set(line.tenants));

  for (const v of verdicts) {
    if (v.job !== job.name || v.status.kind !== 'ran') continue;
    out.occurrences++;
    const runs = v.status.runs;
    const runIds = new Set(runs.map((r) => r.runId));
    const left = new Map<string, { as: 'interrupted' | 'reported'; at: number }>();
    for (const { at, line } of f.h.lines) {
      if (line.kind === 'interrupted' && runIds.has(line.runId))
        for (const t of [...line.unprocessed, ...line.cutOff]) left.set(t, { as: 'interrupted', at });
      if (line.kind === 'pending-write-failed' && runIds.has(line.runId))
        for (const t of line.tenants) left.set(t, { as: 'reported', at });
    }
    const completed = runs.some((r) => r.summary?.outcome === 'completed');
    const last = v.status.executed.at(-1);
    const lastImpaired =
      last !== undefined &&
      (last.leaseLostAt !== undefined ||
        overlapping(f.impairments, last.instanceId, last.grantLo, Number.POSITIVE_INFINITY).length > 0 ||
        overlapping(f.impairments, 'store', last.grantLo, last.lastAt + f.h.settings.leaseTtlMs).length > 0);
    for (const tenant of tenants) {
      const all = writes.get(`${v.occurrence}|${tenant}`) ?? [];
      const accepted = all.filter((w) => w.accepted);
      if (accepted.length === 1) out.doneOnce++;
      if (accepted.length > 1) {
        out.doneTwice++;
        const [w1, w2] = accepted;
        const [r1, r2] = runsOf([w1.runId, w2.runId]);
        let why: string | undefined;
        if (!r1 || !r2) why = 'a write of a run the records do not show';
        else if (r1 === r2) why = 'one run did it twice';
        else if (grantOrder(r1, r2) > 0)
          why = `the write of the run it replaced came after its own (token ${w2.token} after ${w1.token})`;
        else {
          const cause = secondRunCause(f, r1, r2);
          if (!cause) why = 'no fault explains a second run';
          // A fresh claim after the store forgot the first one runs every tenant again, done long before or not.
          else if (cause.kind === 'takeover' && cause.at > w1.at + MID_TENANT_MS)
            why = `the fault (${cause.text}) came ${Math.round(cause.at - w1.at)} ms after the first write`;
        }
        if (why)
          out.doneTwiceUnexplained.push({ occurrence: v.occurrence, tenant, first: w1.runId, second: w2.runId, why });
      }
      if (accepted.length > 0) continue;
      let kind: keyof TenantFindings['undone'];
      const leftAs = left.get(tenant);
      if (leftAs?.as === 'interrupted' && doneLaterFirst(f, takenFirst, tenant, leftAs.at)) kind = 'carried';
      else if (leftAs?.as === 'reported') kind = 'reported';
      else if (!completed && lastImpaired) kind = 'superseded';
      else if (all.length > 0) kind = 'fenced';
      else kind = 'lost';
      out.undone[kind]++;
      if (out.undoneExamples.length < 20 && (kind === 'fenced' || kind === 'lost'))
        out.undoneExamples.push({ occurrence: v.occurrence, tenant, kind });
    }
  }
  return out;
}

/**
 * Whether a run of the job took `tenant` first from the pending set after it was left there (at `after`), and the
 * sink accepted its write. The pending set is the job's, not an occurrence's: the next run to take it may be of a
 * later tick, or a late run of an earlier one.
 */
function doneLaterFirst(
  f: Facts,
  takenFirst: ReadonlyMap<string, Set<string>>,
  tenant: string,
  after: number,
): boolean {
  const job = f.h.settings.perTenant.name;
  return f.h.writes.some((w) => {
    if (!w.accepted || w.key !== job || w.tenant !== tenant || w.at <= after) return false;
    return takenFirst.get(w.runId)?.has(tenant) ?? false;
  });
}
