import { Child, stopAll, type Message } from '../lib/children';
import { pastOccurrence } from '../lib/occurrences';
import { wallNow } from '../lib/tick-window';
import { childScript, type ScenarioContext } from './context';

export interface ResumeRep {
  leaseTtlMs: number;
  /** SIGKILL of the holder to the first tenant start of the resumed run on a survivor (wall clock, ms). */
  delayMs: number;
  ratio: number;
  /** How long the holder had been running tenants when it was killed. */
  killedAfterMs: number;
  resumedBy: string;
  attempt: number | null;
  resumedFromHolder: boolean;
  /** Tenants the resumed run dealt with (the rest were recorded done before the crash). */
  resumedTenants: number | null;
}

interface TenantStart extends Message {
  instance: string;
  runId: string;
  at: number;
}

interface Recent {
  runId: string;
  outcome: string;
  attempt?: number;
  resumedFrom?: string;
  tenants?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Figure 10: a small fleet on one Redis, a @PerTenant() job with slow tenants triggered on one instance and then,
 * for the same occurrence, on the others (whose claims learn that it is running elsewhere and so watch its lease).
 * The holder is SIGKILLed mid-run; the delay runs from the kill to the first tenant start on a survivor. A fresh
 * fleet and key prefix per repetition, so no ledger carries over; the holder rotates.
 */
export async function run(
  ctx: ScenarioContext,
  cfg: { instances: number; leaseTtlMs: number; tenants: number; tenantMs: number; concurrency: number; killAfterMs: number; reps: number },
): Promise<{ reps: ResumeRep[] }> {
  const out: ResumeRep[] = [];
  for (let r = 0; r < cfg.reps; r++) {
    const keyPrefix = `${ctx.prefix}-f10-${r}`;
    const occurrence = pastOccurrence(r).toISOString();
    const fleet = Array.from(
      { length: cfg.instances },
      (_, i) =>
        new Child(childScript('resume-instance'), {
          args: [ctx.url, keyPrefix, `i${i}`, `${keyPrefix}-i${i}`, String(cfg.leaseTtlMs), String(cfg.tenants), String(cfg.tenantMs), String(cfg.concurrency)],
          name: `resume-i${i}`,
        }),
    );
    try {
      await Promise.all(fleet.map((c) => c.next('ready', 60000)));
      const holder = fleet[r % fleet.length];
      const survivors = fleet.filter((c) => c !== holder);
      // Not awaited: the holder never answers, it is killed mid-run.
      holder.send({ cmd: 'trigger', occurrence });
      const first = await holder.next<TenantStart>('tenant-start', 30000);
      const claims = await Promise.all(survivors.map((c) => c.request<Message & { outcome: string; skipReason?: string }>('trigger', { occurrence }, 30000)));
      for (const c of claims) {
        if (c.skipReason !== 'duplicate') throw new Error(`a survivor's claim ended ${c.outcome}/${c.skipReason ?? ''}, not skipped as duplicate`);
      }
      await sleep(Math.max(0, first.at + cfg.killAfterMs - wallNow()));
      const killedAt = wallNow();
      holder.kill('SIGKILL');
      await holder.exitPromise;
      // Survivors ran no tenant of this occurrence before (their claims were duplicates): the first start is the
      // resumed run's.
      const waitMs = cfg.leaseTtlMs * 3 + 10000;
      const start = await Promise.race(survivors.map((c) => c.next<TenantStart>('tenant-start', waitMs)));
      const delayMs = start.at - killedAt;
      const resumer = survivors.find((c) => c.name === `resume-${start.instance}`) ?? survivors[0];
      // The resumed run's own report, read back from the fleet-wide history once it has ended.
      let report: Recent | undefined;
      for (const deadline = Date.now() + 20000; !report && Date.now() < deadline; await sleep(200)) {
        const { recent } = await resumer.request<Message & { recent: Recent[] }>('describe', {}, 10000);
        report = recent.find((x) => x.runId === start.runId);
      }
      const rep: ResumeRep = {
        leaseTtlMs: cfg.leaseTtlMs,
        delayMs,
        ratio: delayMs / cfg.leaseTtlMs,
        killedAfterMs: killedAt - first.at,
        resumedBy: start.instance,
        attempt: report?.attempt ?? null,
        resumedFromHolder: report?.resumedFrom === first.runId,
        resumedTenants: report?.tenants ?? null,
      };
      if (!report) throw new Error(`the resumed run ${start.runId} left no report in the history within 20 s`);
      if (rep.attempt !== 2 || !rep.resumedFromHolder) {
        throw new Error(`the run on ${start.instance} reports attempt ${rep.attempt}, resumedFrom ${report.resumedFrom}; expected 2 and ${first.runId}`);
      }
      out.push(rep);
      ctx.log(
        `  resume rep ${r + 1}/${cfg.reps}: killed ${holder.name} ${rep.killedAfterMs.toFixed(0)} ms into its run; ${start.instance} resumed` +
          ` (attempt ${rep.attempt}, ${rep.resumedTenants} tenants left) ${delayMs.toFixed(0)} ms later = ${rep.ratio.toFixed(3)} x leaseTtl`,
      );
    } finally {
      await stopAll(fleet);
    }
  }
  return { reps: out };
}
