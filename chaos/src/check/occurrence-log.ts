import { type Verdict } from './verdict';

/**
 * One line per due occurrence, for reading a run after the fact: what became of it, every run (instance, token,
 * attempt, when it was granted relative to the tick) and every skip an instance reported, with whether its reason
 * holds. Written beside the history as occurrences.jsonl.
 */
export function occurrenceLines(v: Verdict): string[] {
  return v.occurrences.map((o) => {
    const rel = (ms: number) => Math.round(ms - o.occurrenceMs);
    const s = o.status;
    const runs =
      s.kind === 'ran'
        ? s.runs.map((r) => ({
            instance: r.instanceId,
            run: r.runId,
            token: r.token,
            attempt: r.attempt,
            catchup: r.catchup || undefined,
            executed: r.executed,
            grantedMs: rel(r.grantAt),
            outcome: r.summary?.outcome,
          }))
        : undefined;
    const twice =
      s.kind === 'ran'
        ? s.twice?.map((d) => ({ first: d.first.runId, second: d.second.runId, cause: d.cause?.text ?? null }))
        : undefined;
    return JSON.stringify({
      job: o.job,
      occurrence: o.occurrence,
      sinceReadyS: Number(((o.occurrenceMs - v.origin) / 1000).toFixed(1)),
      status: s.kind === 'skipped' ? `skipped:${s.reason}` : s.kind,
      notes: s.kind === 'lost' ? s.notes : undefined,
      runs,
      twice,
      skips: o.skips.map((k) => ({
        instance: k.instanceId,
        reason: k.reason,
        catchup: k.catchup || undefined,
        holds: k.holds,
        why: k.holds || k.reason === 'duplicate' ? undefined : k.why,
        atMs: rel(k.at),
      })),
    });
  });
}
