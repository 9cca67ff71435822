import { Child, stopAll } from '../lib/children';
import { watchStarts, watchTicks, type WindowResult } from '../lib/tick-window';
import { childScript, type ScenarioContext } from './context';

/**
 * Figure 6: five instances serve one job ticking every 2 s with jitter off; the 40 s window is cut into five
 * repetitions of 8 s. Same window mechanics as BullMQ in figure 7.
 */
export async function run(
  ctx: ScenarioContext,
  { instances, periodMs, ticks, slices }: { instances: number; periodMs: number; ticks: number; slices: number },
): Promise<WindowResult & { logLines: number }> {
  const monitor = ctx.monitor;
  if (!monitor) throw new Error('figure 6 needs the monitor');
  const keyPrefix = `${ctx.prefix}-f6`;
  const children: Child[] = [];
  try {
    for (let i = 1; i <= instances; i++) {
      children.push(
        new Child(childScript('coordinated-instance'), {
          args: ['latency', ctx.url, keyPrefix, `i${i}`, `${ctx.prefix}-f6-i${i}`],
          name: `latency-i${i}`,
        }),
      );
    }
    await Promise.all(children.map((c) => c.next('ready', 60000)));
    await monitor.learnNamedClients(ctx.client);
    ctx.log(`  latency: ${instances} instances ready; watching ${ticks} ticks`);
    const watched = await watchTicks({ tag: 'f6', client: ctx.client, monitor, children, periodMs, ticks, slices });
    monitor.stop();
    ctx.log(`  latency: MONITOR detached; watching ${ticks} more ticks for latency alone`);
    const unobserved = await watchStarts({ children, periodMs, ticks, slices });
    return { ...watched, unobserved, logLines: children.reduce((n, c) => n + c.stdoutLines, 0) };
  } finally {
    await stopAll(children);
  }
}
