import { FAULT_KINDS, type JobSettings } from '../config';
import { gatherFacts, type Facts } from './facts';
import { checkFencing, type FencingFindings } from './fencing';
import { type History } from './history';
import { dueWindow, earlyRuns, judgeOccurrence, ticks, type OccurrenceVerdict } from './occurrences';
import { checkProcesses, type ProcessFindings } from './processes';
import { checkTenants, type TenantFindings } from './tenants';

export interface JobFigures {
  due: number;
  ranOnce: number;
  ranTwice: number;
  ranTwiceUnexplained: number;
  /** Occurrences run twice whose superseded run wrote after the newer run's first write, and those writes. */
  supersededWrites: { occurrences: number; refused: number; accepted: number };
  resumed: number;
  caughtUp: number;
  skipped: Record<string, number>;
  lost: number;
  /** Skips of occurrences that did not run whose reason the history does not bear out, by reason (`duplicate` aside). */
  untrueSkips: Record<string, number>;
  /** `late` answers given while a claim of the occurrence was alive in the store (see `skip-reasons.ts`). */
  lateWhileClaimed: number;
}

export interface Figures {
  seed: number;
  store: string;
  persistence: boolean;
  minutes: number;
  faults: Record<string, number>;
  faultsSkipped: number;
  jobs: Record<string, JobFigures>;
  early: number;
  tenants: Omit<TenantFindings, 'doneTwiceUnexplained' | 'undoneExamples'> & { doneTwiceUnexplained: number };
  fencing: {
    order: number;
    staleAccepted: number;
    newestRefused: number;
    belowHighest: number;
    accepted: number;
    refused: number;
  };
  processes: { started: number; unexpectedExits: number; unhandled: number };
}

export interface Verdict {
  ok: boolean;
  failures: string[];
  figures: Figures;
  occurrences: OccurrenceVerdict[];
  /** Time 0 of the human summary: when every instance was first ready. */
  origin: number;
}

const at = (origin: number, ms: number): string => `+${((ms - origin) / 1000).toFixed(1)}s`;
const examples = <T>(list: readonly T[], show: (x: T) => string, n = 5): string =>
  list.slice(0, n).map(show).join('; ') + (list.length > n ? `; … (${list.length - n} more)` : '');

function jobFigures(f: Facts, job: JobSettings, verdicts: readonly OccurrenceVerdict[]): JobFigures {
  const mine = verdicts.filter((v) => v.job === job.name);
  const out: JobFigures = {
    due: mine.length,
    ranOnce: 0,
    ranTwice: 0,
    ranTwiceUnexplained: 0,
    supersededWrites: { occurrences: 0, refused: 0, accepted: 0 },
    resumed: 0,
    caughtUp: 0,
    skipped: {},
    lost: 0,
    untrueSkips: {},
    lateWhileClaimed: 0,
  };
  for (const v of mine) {
    const s = v.status;
    for (const k of v.skips) {
      if (k.holds) continue;
      if (k.claimHeld) out.lateWhileClaimed++;
      if (s.kind !== 'ran' && k.reason !== 'duplicate')
        out.untrueSkips[k.reason] = (out.untrueSkips[k.reason] ?? 0) + 1;
    }
    if (s.kind === 'skipped') out.skipped[s.reason] = (out.skipped[s.reason] ?? 0) + 1;
    if (s.kind === 'lost') out.lost++;
    if (s.kind !== 'ran') continue;
    if (s.runs.some((r) => r.attempt > 1)) out.resumed++;
    if (s.runs.some((r) => r.catchup)) out.caughtUp++;
    if (!s.twice) {
      out.ranOnce++;
      continue;
    }
    out.ranTwice++;
    if (s.twice.some((d) => !d.cause)) out.ranTwiceUnexplained++;
    let counted = false;
    for (const { first, second } of s.twice) {
      const newerFirstSeq = f.h.writes.find((w) => w.runId === second.runId)?.seq;
      if (newerFirstSeq === undefined) continue;
      const late = f.h.writes.filter((w) => w.runId === first.runId && w.seq > newerFirstSeq);
      if (late.length === 0) continue;
      if (!counted) out.supersededWrites.occurrences++;
      counted = true;
      for (const w of late) out.supersededWrites[w.accepted ? 'accepted' : 'refused']++;
    }
  }
  return out;
}

/** Judges a recorded run. Every failure is a sentence with its evidence; the run passes only with none. */
export function judge(h: History): Verdict {
  const f = gatherFacts(h);
  const failures: string[] = [];
  const origin = h.phases.ready ?? h.events[0]?.at ?? 0;
  const window = dueWindow(f);
  if (!window || h.phases.stopped === undefined)
    failures.push('the run did not go through all its phases (ready, faults, settle, stop): nothing can be judged');
  const jobs = [h.settings.plain, h.settings.perTenant];
  const occurrences = window
    ? jobs.flatMap((job) => ticks(job, window[0], window[1]).map((t) => judgeOccurrence(f, job, t)))
    : [];
  const perJob = Object.fromEntries(jobs.map((job) => [job.name, jobFigures(f, job, occurrences)]));
  const fencing: FencingFindings = checkFencing(f);
  const tenants = checkTenants(f, occurrences);
  const processes: ProcessFindings = checkProcesses(h);
  const early = earlyRuns(f);

  // A run in which nothing happened must not pass.
  const ran = occurrences.filter((v) => v.status.kind === 'ran').length;
  if (window && occurrences.length === 0) failures.push('no occurrence was due: the run was too short to judge');
  if (occurrences.length > 0 && ran === 0) failures.push('no due occurrence ran at all');
  if (h.plannedFaults > 0 && h.faults.length === 0)
    failures.push(`none of the ${h.plannedFaults} planned faults was injected`);
  if (ran > 0 && fencing.writes.accepted === 0) failures.push('the sink accepted no write at all');

  if (h.unreadable.length > 0)
    failures.push(
      `${h.unreadable.length} record(s) or run line(s) could not be read: ${examples(h.unreadable, (x) => x, 3)}`,
    );
  const lost = occurrences.filter((v) => v.status.kind === 'lost');
  if (lost.length > 0) {
    failures.push(
      `${lost.length} due occurrence(s) lost (not run, no reason that holds): ` +
        examples(
          lost,
          (v) =>
            `${v.job} ${v.occurrence} (${at(origin, v.occurrenceMs)}): ${v.status.kind === 'lost' ? v.status.notes.join(', ') : ''}`,
        ),
    );
  }
  if (early.length > 0) {
    failures.push(
      `${early.length} run(s) started before their tick: ` +
        examples(
          early,
          (r) => `${r.job} ${r.occurrence} by ${r.instanceId} ${Math.round(r.occurrenceMs - r.grantAt)} ms early`,
        ),
    );
  }
  const lateWhileClaimed = occurrences.flatMap((v) =>
    v.skips.flatMap((k) => (!k.holds && k.claimHeld ? [{ v, k }] : [])),
  );
  if (lateWhileClaimed.length > 0) {
    failures.push(
      `${lateWhileClaimed.length} tick(s) answered \`late\` (nobody had claimed it) while a claim of it was alive in the store: ` +
        examples(
          lateWhileClaimed,
          ({ v, k }) => `${v.job} ${v.occurrence} to ${k.instanceId}: ${k.holds ? '' : k.why}`,
        ),
    );
  }
  const unexplained = occurrences.flatMap((v) =>
    v.status.kind === 'ran' ? (v.status.twice ?? []).filter((d) => !d.cause).map((d) => ({ v, d })) : [],
  );
  if (unexplained.length > 0) {
    failures.push(
      `${unexplained.length} occurrence(s) run twice where nothing explains the second run (a takeover after a fault ` +
        'on the first holder or the store, or a claim the store forgot): ' +
        examples(
          unexplained,
          ({ v, d }) =>
            `${v.job} ${v.occurrence}: ${d.first.instanceId} (token ${d.first.token}) then ${d.second.instanceId} (token ${d.second.token}, attempt ${d.second.attempt})`,
        ),
    );
  }
  if (fencing.order.length > 0) {
    failures.push(
      `${fencing.order.length} run(s) got a fencing token not above that of a run granted before them: ` +
        examples(
          fencing.order,
          ({ earlier, later }) =>
            `${later.job}: ${later.instanceId} got ${later.token} at ${at(origin, later.grantAt)} after ${earlier.instanceId} got ${earlier.token} at ${at(origin, earlier.grantAt)}`,
        ),
    );
  }
  if (fencing.staleAccepted.length > 0) {
    failures.push(
      `the sink accepted ${fencing.staleAccepted.length} write(s) of a run already replaced by a newer one: ` +
        examples(
          fencing.staleAccepted,
          ({ write, newer }) =>
            `${write.key} token ${write.token} from ${write.instanceId} at ${at(origin, write.at)} after ${newer.instanceId}'s run with token ${newer.token}`,
        ),
    );
  }
  if (fencing.newestRefused.length > 0) {
    failures.push(
      `the sink refused ${fencing.newestRefused.length} write(s) of the newest run of its job (tokens went backwards): ` +
        examples(
          fencing.newestRefused,
          (w) =>
            `${w.key} token ${w.token} from ${w.instanceId} at ${at(origin, w.at)}, highest seen ${w.highestBefore}`,
        ),
    );
  }
  if (fencing.belowHighest.length > 0)
    failures.push(`the sink accepted ${fencing.belowHighest.length} token(s) below the highest it had seen`);
  if (tenants.doneTwiceUnexplained.length > 0) {
    const byOccurrence = new Map<string, { tenants: string[]; why: string }>();
    for (const x of tenants.doneTwiceUnexplained) {
      const entry = byOccurrence.get(x.occurrence) ?? { tenants: [], why: x.why };
      entry.tenants.push(x.tenant);
      byOccurrence.set(x.occurrence, entry);
    }
    failures.push(
      `${tenants.doneTwiceUnexplained.length} tenant(s) done twice with no holder dying or stopping mid-tenant: ` +
        examples(
          [...byOccurrence],
          ([occurrence, e]) =>
            `${e.tenants.length} of ${occurrence} (${e.tenants.slice(0, 3).join(', ')}${e.tenants.length > 3 ? ', …' : ''}): ${e.why}`,
        ),
    );
  }
  if (tenants.undone.lost > 0 || tenants.undone.fenced > 0) {
    failures.push(
      `tenant work left undone: ${tenants.undone.lost} with no trace, ${tenants.undone.fenced} fenced off and never redone: ` +
        examples(tenants.undoneExamples, (x) => `${x.tenant} of ${x.occurrence} (${x.kind})`),
    );
  }
  if (processes.unexpectedExits.length > 0) {
    failures.push(
      `${processes.unexpectedExits.length} process(es) exited without being asked to: ` +
        examples(
          processes.unexpectedExits,
          (e) => `${e.target} pid ${e.pid} code ${e.code} signal ${e.signal} at ${at(origin, e.at)}`,
        ),
    );
  }
  if (processes.neverExited.length > 0)
    failures.push(`process(es) with no recorded exit: ${processes.neverExited.join(', ')}`);
  if (processes.unhandled.length > 0) {
    failures.push(
      `${processes.unhandled.length} unhandled rejection(s) or uncaught exception(s): ${examples(processes.unhandled, (u) => `${u.instanceId} ${u.kind}: ${u.message.split('\n')[0]}`)}`,
    );
  }
  if (f.index.tokenless.length > 0)
    failures.push(`${f.index.tokenless.length} run(s) reported an outcome without a fencing token`);

  const faults: Record<string, number> = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0]));
  for (const x of h.faults) faults[x.kind]++;
  const { doneTwiceUnexplained, undoneExamples: _examples, ...tenantFigures } = tenants;
  return {
    ok: failures.length === 0,
    failures,
    occurrences,
    origin,
    figures: {
      seed: h.seed,
      store: h.store,
      persistence: h.persistence,
      minutes: h.minutes,
      faults,
      faultsSkipped: h.skippedFaults.length,
      jobs: perJob,
      early: early.length,
      tenants: { ...tenantFigures, doneTwiceUnexplained: doneTwiceUnexplained.length },
      fencing: {
        order: fencing.order.length,
        staleAccepted: fencing.staleAccepted.length,
        newestRefused: fencing.newestRefused.length,
        belowHighest: fencing.belowHighest.length,
        ...fencing.writes,
      },
      processes: {
        started: processes.started,
        unexpectedExits: processes.unexpectedExits.length,
        unhandled: processes.unhandled.length,
      },
    },
  };
}
