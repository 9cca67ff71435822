import { Child, stopAll, withChild, type Message } from '../lib/children';
import type { ScaleResult } from '../children/scale';
import { childScript, type ScenarioContext } from './context';

/** How long PING waited for its reply, from the pinger process. */
export interface PingWaits {
  count: number;
  maxMs: number;
  p50Ms: number;
  p99Ms: number;
}

export interface ScaleRep extends ScaleResult {
  /** While the run went. */
  ping: PingWaits;
  /** The same pinger over `idleMs` just before the run, with the run's process up and idle: the baseline. */
  idlePing: PingWaits;
  logLines: number;
}

/**
 * Figure 8: a million no-op tenants in one `trigger()`, a fresh process per repetition. A pinger in another process
 * sends PING every ~5 ms, first over an idle stretch (baseline), then while the run goes.
 */
export async function run(
  ctx: ScenarioContext,
  { tenants, concurrency, reps, idleMs }: { tenants: number; concurrency: number; reps: number; idleMs: number },
): Promise<{ reps: ScaleRep[] }> {
  const pinger = new Child(childScript('pinger'), { args: [ctx.url, `${ctx.prefix}-f8-pinger`], name: 'pinger' });
  const out: ScaleRep[] = [];
  try {
    await pinger.next('ready', 60000);
    for (let r = 0; r < reps; r++) {
      const child = new Child(childScript('scale'), {
        args: [ctx.url, `${ctx.prefix}-f8-${r}`, String(tenants), String(concurrency)],
        name: 'scale',
        execArgv: ['--expose-gc'],
      });
      await withChild(child, async () => {
        await child.next('ready', 120000);
        await pinger.request('start', {}, 10000);
        await new Promise((resolve) => setTimeout(resolve, idleMs));
        const idlePing = await pinger.request<Message & PingWaits>('stop', {}, 30000);
        await pinger.request('start', {}, 10000);
        const result = await child.request<Message & ScaleResult>('run', {}, 600000).catch(async (err: unknown) => {
          // The pinger must not go on pinging into the next figure.
          await pinger.request('stop', {}, 30000).catch(() => undefined);
          throw err;
        });
        const ping = await pinger.request<Message & PingWaits>('stop', {}, 30000);
        out.push({ ...result, ping, idlePing, logLines: child.stdoutLines });
        ctx.log(
          `  scale rep ${r + 1}/${reps}: ${Math.round(result.tenantsPerSec)} tenants/s, +${result.rssGrowthMB.toFixed(1)} MB,` +
            ` PING max ${ping.maxMs.toFixed(1)} ms (idle ${idlePing.maxMs.toFixed(1)} ms), loop delay max ${result.loopDelayMaxMs.toFixed(0)} ms`,
        );
      });
    }
    return { reps: out };
  } finally {
    await stopAll([pinger]);
  }
}
