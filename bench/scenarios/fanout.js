'use strict';

const path = require('node:path');
const { Child } = require('../lib/children');

const SCRIPT = path.join(__dirname, '..', 'children', 'fanout.js');

/** Figure 1: each repetition runs the library, fixed batches and the minimal pool once, in a rotating order. */
async function run(ctx, { tenants, concurrency, seed, reps }) {
  const child = new Child(SCRIPT, {
    args: [ctx.url, `${ctx.prefix}-f1`, String(tenants), String(concurrency), String(seed)],
    name: 'fanout',
  });
  try {
    const ready = await child.next('ready', 60000);
    const orders = [
      ['library', 'batches', 'pool'],
      ['pool', 'library', 'batches'],
      ['batches', 'pool', 'library'],
    ];
    const perRep = [];
    for (let r = 0; r < reps; r++) {
      const { results } = await child.request('rep', { order: orders[r % orders.length] }, 'rep:done', 120000);
      const by = Object.fromEntries(results.map((x) => [x.what, x]));
      perRep.push(by);
      ctx.log(
        `  fanout rep ${r + 1}/${reps}: library ${by.library.ratio.toFixed(3)}, batches ${by.batches.ratio.toFixed(3)}, pool ${by.pool.ratio.toFixed(3)}`,
      );
    }
    return { lowerBoundMs: ready.lowerBoundMs, sumMs: ready.sumMs, longestMs: ready.longestMs, reps: perRep, logLines: child.stdoutLines };
  } finally {
    await child.stop();
  }
}

module.exports = { run };
