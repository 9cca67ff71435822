import { Child, withChild, type Message } from '../lib/children';
import type { LocalTimeMeasure, LocalTimeSide } from '../children/local-time';
import { childScript, type ScenarioContext } from './context';

export interface LocalTimeResult {
  tenants: number;
  zones: string[];
  cron: string;
  /** The job's timer instants over the next day (every zone), and those at which some of these tenants are due. */
  instantsPerDay: number;
  tenantInstantsPerDay: number;
  tenantInstants: string[];
  /** The instant measured (its latest day), the zones due then among the tenants', and how many tenants were due. */
  instant: string;
  dueZones: string[];
  dueTenants: number;
  reps: Array<Record<LocalTimeSide, LocalTimeMeasure>>;
}

const ORDERS: LocalTimeSide[][] = [
  ['local', 'plain', 'localFiltered'],
  ['plain', 'localFiltered', 'local'],
  ['localFiltered', 'local', 'plain'],
];

/**
 * Figure 17: the fan-out makespan of one instant's due tenants, through a local-time job that lists all 100,000
 * tenants (the library keeps those due), against a plain job that lists exactly the tenants that were due; and, as a
 * diagnostic, the local-time job when the app filters its list by the zones it is told.
 */
export async function run(
  ctx: ScenarioContext,
  cfg: { tenants: number; zones: readonly string[]; cron: string; instantZone: string; concurrency: number; seed: number; reps: number },
): Promise<LocalTimeResult> {
  const child = new Child(childScript('local-time'), {
    args: [ctx.url, `${ctx.prefix}-f17`, String(cfg.tenants), cfg.zones.join(','), cfg.cron, String(cfg.concurrency), String(cfg.seed), cfg.instantZone],
    name: 'local-time',
  });
  return withChild(child, async () => {
    const ready = await child.next<Message & { everyInstant: number[]; tenantInstants: number[]; dueTenants: number; dueZones: string[]; instant: string }>(
      'ready',
      120000,
    );
    ctx.log(
      `  local time: "${cfg.cron}" fires at ${ready.everyInstant.length} instants a day across every zone; the tenants' ${cfg.zones.length} zones are due at` +
        ` ${ready.tenantInstants.length} of them: ${ready.tenantInstants.map((t) => new Date(t).toISOString().slice(11, 16)).join(' ')} UTC`,
    );
    ctx.log(`  local time: at ${ready.instant.slice(11, 16)} UTC ${ready.dueTenants} tenants are due (${ready.dueZones.join(', ')})`);
    const reps: LocalTimeResult['reps'] = [];
    for (let r = 0; r < cfg.reps; r++) {
      const { results } = await child.request<Message & { results: LocalTimeMeasure[] }>('rep', { order: ORDERS[r % ORDERS.length] }, 120000);
      const by = Object.fromEntries(results.map((x) => [x.side, x])) as Record<LocalTimeSide, LocalTimeMeasure>;
      reps.push(by);
      ctx.log(
        `  local time rep ${r + 1}/${cfg.reps}: local ${by.local.makespanMs.toFixed(0)} ms, plain ${by.plain.makespanMs.toFixed(0)} ms` +
          ` (x${(by.local.makespanMs / by.plain.makespanMs).toFixed(3)}), app-filtered ${by.localFiltered.makespanMs.toFixed(0)} ms`,
      );
    }
    return {
      tenants: cfg.tenants,
      zones: [...cfg.zones],
      cron: cfg.cron,
      instantsPerDay: ready.everyInstant.length,
      tenantInstantsPerDay: ready.tenantInstants.length,
      tenantInstants: ready.tenantInstants.map((t) => new Date(t).toISOString()),
      instant: ready.instant,
      dueZones: ready.dueZones,
      dueTenants: ready.dueTenants,
      reps,
    };
  });
}
