import { Child, stopAll } from '../lib/children';
import { subscribedNames } from '../lib/redis';
import { watchStarts, watchTicks, type WindowResult } from '../lib/tick-window';
import { childScript, type ScenarioContext } from './context';

/**
 * Figure 6: five instances serve one job ticking every 2 s with jitter off; the 40 s window is cut into five
 * repetitions of 8 s. Same window mechanics as BullMQ in figure 7. Every instance holds a subscriber connection (the
 * store's pub/sub channel for schedule signals) throughout: the window opens only once all of them are subscribed,
 * and the figure fails unless all still are at its end, so idle traffic is counted with the subscribers connected.
 */
export async function run(
  ctx: ScenarioContext,
  { instances, periodMs, ticks, slices }: { instances: number; periodMs: number; ticks: number; slices: number },
): Promise<WindowResult & { logLines: number; subscribed: number }> {
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
    const subscribed = async (): Promise<number> => (await subscribedNames(ctx.client, `${ctx.prefix}-f6-i`)).size;
    let heard = 0;
    for (const deadline = Date.now() + 20000; (heard = await subscribed()) < instances && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 200));
    if (heard < instances) throw new Error(`only ${heard} of ${instances} instances subscribed to schedule signals`);
    await monitor.learnNamedClients(ctx.client);
    ctx.log(`  latency: ${instances} instances ready, each with a subscriber connection; watching ${ticks} ticks`);
    const watched = await watchTicks({ tag: 'f6', client: ctx.client, monitor, children, periodMs, ticks, slices });
    const stillSubscribed = await subscribed();
    if (stillSubscribed < instances) throw new Error(`${stillSubscribed} of ${instances} instances were still subscribed at the window's end`);
    monitor.stop();
    ctx.log(`  latency: MONITOR detached; watching ${ticks} more ticks for latency alone`);
    const unobserved = await watchStarts({ children, periodMs, ticks, slices });
    return { ...watched, unobserved, logLines: children.reduce((n, c) => n + c.stdoutLines, 0), subscribed: stillSubscribed };
  } finally {
    await stopAll(children);
  }
}
