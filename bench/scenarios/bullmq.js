'use strict';

const path = require('node:path');
const { Queue } = require('bullmq');
const { Child, stopAll } = require('../lib/children');
const { bullConnection, clientKind } = require('../lib/bullmq-connection');
const { watchTicks } = require('../lib/tick-window');

const WORKER = path.join(__dirname, '..', 'children', 'bullmq-worker.js');

/**
 * Figure 7: BullMQ job schedulers as a user would set them up: one upsertJobScheduler with the same cron pattern as
 * figure 6, five worker processes with default options, the same Redis, the same 40 s window cut into the same five
 * repetitions.
 */
async function run(ctx, { instances, pattern, periodMs, ticks, slices }) {
  const queueName = 'bench-scheduled';
  const prefix = `${ctx.prefix}-bull`;
  const children = [];
  try {
    for (let i = 0; i < instances; i++) {
      children.push(
        new Child(WORKER, { args: [queueName, prefix, ctx.url, `worker-${i + 1}`], name: `bullmq-worker-${i + 1}` }),
      );
    }
    await Promise.all(children.map((c) => c.next('ready', 60000)));
    const conn = await bullConnection(ctx.url);
    const queue = new Queue(queueName, { connection: conn.connection, prefix });
    await queue.upsertJobScheduler('bench-every-2s', { pattern }, { name: 'tick', data: {} });
    await queue.close();
    await conn.close();
    ctx.log(`  bullmq: ${instances} workers ready, scheduler upserted; watching ${ticks} ticks`);
    await ctx.monitor.learnNamedClients(ctx.client);
    const watched = await watchTicks({
      tag: 'bullmq',
      client: ctx.client,
      monitor: ctx.monitor,
      children,
      periodMs,
      ticks,
      slices,
      leadMs: 2500,
    });
    return { ...watched, client: clientKind() };
  } finally {
    await stopAll(children);
  }
}

module.exports = { run };
