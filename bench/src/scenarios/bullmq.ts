import { Queue } from 'bullmq';
import { Child, stopAll } from '../lib/children';
import { ioredisOptions } from '../lib/redis';
import { watchStarts, watchTicks, type WindowResult } from '../lib/tick-window';
import { childScript, type ScenarioContext } from './context';

/**
 * Figure 7: BullMQ job schedulers as a user would set them up: one upsertJobScheduler with the same cron pattern as
 * figure 6, five worker processes with default options, the same Redis, the same 40 s window cut into the same five
 * repetitions.
 */
export async function run(
  ctx: ScenarioContext,
  { instances, pattern, periodMs, ticks, slices }: { instances: number; pattern: string; periodMs: number; ticks: number; slices: number },
): Promise<WindowResult> {
  const monitor = ctx.monitor;
  if (!monitor) throw new Error('figure 7 needs the monitor');
  const queueName = 'bench-scheduled';
  const prefix = `${ctx.prefix}-bull`;
  const children: Child[] = [];
  try {
    for (let i = 1; i <= instances; i++) {
      children.push(new Child(childScript('bullmq-worker'), { args: [queueName, prefix, ctx.url, `worker-${i}`], name: `bullmq-worker-${i}` }));
    }
    await Promise.all(children.map((c) => c.next('ready', 60000)));
    const queue = new Queue(queueName, { connection: ioredisOptions(ctx.url), prefix });
    await queue.upsertJobScheduler('bench-every-2s', { pattern }, { name: 'tick', data: {} });
    await queue.close();
    ctx.log(`  bullmq: ${instances} workers ready, scheduler upserted; watching ${ticks} ticks`);
    await monitor.learnNamedClients(ctx.client);
    const watched = await watchTicks({ tag: 'bullmq', client: ctx.client, monitor, children, periodMs, ticks, slices, leadMs: 2500 });
    monitor.stop();
    ctx.log(`  bullmq: MONITOR detached; watching ${ticks} more ticks for latency alone`);
    return { ...watched, unobserved: await watchStarts({ children, periodMs, ticks, slices }) };
  } finally {
    await stopAll(children);
  }
}
