import { Child, withChild, type Message } from '../lib/children';
import type { TelemetryMode, TelemetryResult } from '../children/telemetry';
import { childScript, type ScenarioContext } from './context';

export interface TelemetryRep {
  none: TelemetryResult;
  sdk: TelemetryResult;
  sdkTenants: TelemetryResult;
}

const MODES: readonly TelemetryMode[] = ['none', 'sdk', 'sdk-tenants'];

/**
 * Figure 9: the same no-op per-tenant run as figure 2 without an OpenTelemetry SDK, with one, and with one and
 * `traceTenants`; a fresh process per side and repetition, the order rotated every repetition so that none of the
 * three always runs first (or last) on a machine whose load drifts. Ratios are taken within a repetition.
 */
export async function run(
  ctx: ScenarioContext,
  { tenants, concurrency, runs, reps }: { tenants: number; concurrency: number; runs: number; reps: number },
): Promise<{ reps: TelemetryRep[] }> {
  const out: TelemetryRep[] = [];
  for (let r = 0; r < reps; r++) {
    const order = MODES.map((_, i) => MODES[(i + r) % MODES.length]);
    if (r % 2 === 1) order.reverse();
    const got: Partial<Record<TelemetryMode, TelemetryResult>> = {};
    for (const mode of order) {
      const child = new Child(childScript('telemetry'), {
        args: [mode, ctx.url, `${ctx.prefix}-f9-${r}-${mode}`, String(tenants), String(concurrency), String(runs)],
        name: `telemetry-${mode}`,
        execArgv: ['--expose-gc'],
      });
      await withChild(child, async () => {
        got[mode] = await child.next<Message & TelemetryResult>('result', 120000);
        await child.exitPromise;
      });
    }
    const rep = { none: got.none!, sdk: got.sdk!, sdkTenants: got['sdk-tenants']! };
    out.push(rep);
    ctx.log(
      `  telemetry rep ${r + 1}/${reps} (${order.join(', ')}): no SDK ${Math.round(rep.none.tenantsPerSec)}/s, SDK ${Math.round(rep.sdk.tenantsPerSec)}/s` +
        ` (${(rep.sdk.tenantsPerSec / rep.none.tenantsPerSec).toFixed(3)}), SDK + traceTenants ${Math.round(rep.sdkTenants.tenantsPerSec)}/s` +
        ` (${(rep.sdkTenants.tenantsPerSec / rep.none.tenantsPerSec).toFixed(3)})`,
    );
  }
  return { reps: out };
}
