import { Child, withChild, type Message } from '../lib/children';
import type { TelemetryMode, TelemetryResult } from '../children/telemetry';
import { childScript, type ScenarioContext } from './context';

export interface TelemetryRep {
  none: TelemetryResult;
  sdk: TelemetryResult;
  /** The run without an SDK that went side by side with `sdkTenants`. */
  noneBesideTenants: TelemetryResult;
  sdkTenants: TelemetryResult;
}

/**
 * Figure 9: the same no-op per-tenant run as figure 2 without an OpenTelemetry SDK and with one, in two processes
 * started together and run side by side (one per core), so that whatever else slows the machine during the pair
 * slows both; then the same for no SDK against SDK with `traceTenants`. Which of a pair starts first alternates
 * every repetition. Ratios are taken within a pair.
 */
export async function run(
  ctx: ScenarioContext,
  { tenants, concurrency, runs, reps }: { tenants: number; concurrency: number; runs: number; reps: number },
): Promise<{ reps: TelemetryRep[] }> {
  const out: TelemetryRep[] = [];
  const one = (mode: TelemetryMode, tag: string): Child =>
    new Child(childScript('telemetry'), {
      args: [mode, ctx.url, `${ctx.prefix}-f9-${tag}-${mode}`, String(tenants), String(concurrency), String(runs)],
      name: `telemetry-${mode}`,
      execArgv: ['--expose-gc'],
    });
  const pair = async (modes: [TelemetryMode, TelemetryMode], tag: string): Promise<TelemetryResult[]> => {
    const children = modes.map((mode) => one(mode, tag));
    return Promise.all(
      children.map((child) =>
        withChild(child, async () => {
          const result = await child.next<Message & TelemetryResult>('result', 120000);
          await child.exitPromise;
          return result;
        }),
      ),
    );
  };
  for (let r = 0; r < reps; r++) {
    const flip = r % 2 === 1;
    const [a, b] = await pair(flip ? ['sdk', 'none'] : ['none', 'sdk'], `${r}a`);
    const [none, sdk] = flip ? [b, a] : [a, b];
    const [c, d] = await pair(flip ? ['sdk-tenants', 'none'] : ['none', 'sdk-tenants'], `${r}b`);
    const [noneBesideTenants, sdkTenants] = flip ? [d, c] : [c, d];
    const rep = { none, sdk, noneBesideTenants, sdkTenants };
    out.push(rep);
    ctx.log(
      `  telemetry rep ${r + 1}/${reps}: no SDK ${Math.round(none.tenantsPerSec)}/s beside SDK ${Math.round(sdk.tenantsPerSec)}/s` +
        ` (${(sdk.tenantsPerSec / none.tenantsPerSec).toFixed(3)}); no SDK ${Math.round(noneBesideTenants.tenantsPerSec)}/s beside` +
        ` SDK + traceTenants ${Math.round(sdkTenants.tenantsPerSec)}/s (${(sdkTenants.tenantsPerSec / noneBesideTenants.tenantsPerSec).toFixed(3)})`,
    );
  }
  return { reps: out };
}
