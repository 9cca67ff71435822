import { Child, stopAll } from '../lib/children';
import { watchStarts, type UnobservedResult } from '../lib/tick-window';
import { childScript, type ScenarioContext } from './context';

/**
 * Figure 14: figure 6's start latency with the lock on PostgreSQL: five instances, each its own pool, serve one job
 * ticking every 2 s with jitter off, over `ticks` ticks cut into `slices` repetitions. Nothing watches the server.
 */
export async function run(
  ctx: ScenarioContext,
  { instances, periodMs, ticks, slices }: { instances: number; periodMs: number; ticks: number; slices: number },
): Promise<UnobservedResult & { logLines: number }> {
  const url = await (await ctx.postgres()).database('ccbench_latency');
  const keyPrefix = `${ctx.prefix}-f14`;
  const children: Child[] = [];
  try {
    for (let i = 1; i <= instances; i++) {
      children.push(new Child(childScript('coordinated-instance'), { args: ['latency', url, keyPrefix, `i${i}`, `${keyPrefix}-i${i}`], name: `pg-latency-i${i}` }));
    }
    await Promise.all(children.map((c) => c.next('ready', 60000)));
    ctx.log(`  postgres latency: ${instances} instances ready; watching ${ticks} ticks`);
    // Two ticks of warm-up first (connections, the first claims).
    const starts = await watchStarts({ children, periodMs, ticks, slices, leadMs: 2 * periodMs + 1500 });
    return { ...starts, logLines: children.reduce((n, c) => n + c.stdoutLines, 0) };
  } finally {
    await stopAll(children);
  }
}
