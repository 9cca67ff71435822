'use strict';

const path = require('node:path');
const { Child, stopAll } = require('../lib/children');
const { watchTicks } = require('../lib/tick-window');

const INSTANCE = path.join(__dirname, '..', 'children', 'coordinated-instance.js');

// Figure 6: five instances serve one job ticking every 2 s with jitter off; the 40 s window is cut into five
// repetitions of 8 s. Same window mechanics as BullMQ in figure 7.
async function run(ctx, { instances, periodMs, ticks, slices }) {
  const keyPrefix = `${ctx.prefix}-f6`;
  const children = [];
  try {
    for (let i = 1; i <= instances; i++) {
      children.push(
        new Child(INSTANCE, {
          args: ['latency', ctx.url, keyPrefix, `i${i}`, `${ctx.prefix}-f6-i${i}`],
          name: `latency-i${i}`,
        }),
      );
    }
    await Promise.all(children.map((c) => c.next('ready', 60000)));
    await ctx.monitor.learnNamedClients(ctx.client);
    ctx.log(`  latency: ${instances} instances ready; watching ${ticks} ticks`);
    const watched = await watchTicks({
      tag: 'f6',
      client: ctx.client,
      monitor: ctx.monitor,
      children,
      periodMs,
      ticks,
      slices,
    });
    return { ...watched, logLines: children.reduce((n, c) => n + c.stdoutLines, 0) };
  } finally {
    await stopAll(children);
  }
}

module.exports = { run };
