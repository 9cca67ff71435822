import { Child, stopAll, type Message } from '../lib/children';
import { listeningNames } from '../lib/postgres';
import { subscribedNames } from '../lib/redis';
import { childScript, type ScenarioContext } from './context';

interface Rearmed extends Message {
  instance: string;
  cron: string;
  at: number;
}

export interface RescheduleChange {
  cron: string;
  /** The call's own duration (a store write, then the describe it answers with). */
  callMs: number;
  /** From `reschedule()` returning until every instance has re-armed: 0 when all had before it returned. */
  propagationMs: number;
  /** The same from the moment `reschedule()` was called. */
  fromCallMs: number;
}

export interface RescheduleRun {
  store: 'redis' | 'postgres';
  changes: RescheduleChange[];
}

export interface RescheduleResult {
  runs: RescheduleRun[];
  instances: number;
}

/**
 * Figure 18: five instances serve one job (never due), and a sixth process with `scheduling: false` calls
 * `runner.reschedule()` `changes` times, each to a new cron. Each instance notes the moment it logs "schedule
 * overridden" with the new cron, which the scheduler logs in the same turn of the event loop in which it aims the job's
 * timer at the new schedule. On Redis (the signal travels by pub/sub) and on PostgreSQL (LISTEN/NOTIFY).
 */
export async function run(ctx: ScenarioContext, { instances, changes }: { instances: number; changes: number }): Promise<RescheduleResult> {
  const runs: RescheduleRun[] = [];
  const postgresUrl = await (await ctx.postgres()).database('ccbench_reschedule');
  for (const store of ['redis', 'postgres'] as const) {
    const url = store === 'redis' ? ctx.url : postgresUrl;
    const keyPrefix = `${ctx.prefix}-f18-${store}`;
    const fleet = Array.from(
      { length: instances },
      (_, i) => new Child(childScript('coordinated-instance'), { args: ['reschedule', url, keyPrefix, `i${i + 1}`, `${keyPrefix}-i${i + 1}`], name: `${store}-rearm-i${i + 1}` }),
    );
    const control = new Child(childScript('coordinated-instance'), { args: ['control', url, keyPrefix, 'control', `${keyPrefix}-control`], name: `${store}-control` });
    try {
      await Promise.all([...fleet, control].map((c) => c.next('ready', 60000)));
      // Every instance listens once its boot reads are done; a change signalled before that would not be heard.
      const listening = async (): Promise<number> => {
        const names =
          store === 'redis'
            ? await subscribedNames(ctx.client, `${keyPrefix}-i`)
            : await listeningNames((await ctx.postgres()).admin, 'ccbench_reschedule');
        return [...names].filter((n) => n.startsWith(`${keyPrefix}-i`)).length;
      };
      let heard = 0;
      for (const deadline = Date.now() + 20000; (heard = await listening()) < instances && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 200));
      if (heard < instances) throw new Error(`only ${heard} of ${instances} instances listen for schedule signals on ${store}`);
      ctx.log(`  reschedule on ${store}: ${instances} instances listening and a control process ready`);

      const done: RescheduleChange[] = [];
      for (let k = 1; k <= changes; k++) {
        // Minute k of 1 January: a new schedule each time, never due while the bench runs.
        const cron = `${k} 0 1 1 *`;
        for (const c of fleet) c.drain('rearmed');
        const call = await control.request<Message & { calledAt: number; returnedAt: number; cron: string; source: string }>('reschedule', { cron }, 10000);
        if (call.cron !== cron || call.source !== 'override') throw new Error(`reschedule() answered ${call.source} "${call.cron}", not the override "${cron}"`);
        const seen = await Promise.all(
          fleet.map(async (c) => {
            for (;;) {
              const m = await c.next<Rearmed>('rearmed', 10000);
              if (m.cron === cron) return m;
            }
          }),
        );
        // The moment logged is the schedule in force: each instance's runner.jobs() says so.
        for (const c of fleet) {
          const { cron: inForce } = await c.request<Message & { cron: string }>('cron', {}, 5000);
          if (inForce !== cron) throw new Error(`${c.name} logged "${cron}" but runs on "${inForce}"`);
        }
        const last = Math.max(...seen.map((m) => m.at));
        done.push({ cron, callMs: call.returnedAt - call.calledAt, propagationMs: Math.max(0, last - call.returnedAt), fromCallMs: last - call.calledAt });
        await new Promise((r) => setTimeout(r, 100));
      }
      const worst = Math.max(...done.map((d) => d.propagationMs));
      ctx.log(`  reschedule on ${store}: ${changes} changes, every instance re-armed at worst ${worst.toFixed(1)} ms after reschedule() returned`);
      runs.push({ store, changes: done });
    } finally {
      await stopAll([...fleet, control]);
    }
  }
  return { runs, instances };
}
