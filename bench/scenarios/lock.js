'use strict';

const path = require('node:path');
const { Child } = require('../lib/children');

const SCRIPT = path.join(__dirname, '..', 'children', 'lock-cost.js');

/** Figure 3: one process, `reps` rounds of `claims` interleaved library/raw claims. */
async function run(ctx, { claims, reps }) {
  const child = new Child(SCRIPT, { args: [ctx.url, `${ctx.prefix}-f3`, String(claims)], name: 'lock-cost' });
  try {
    await child.next('ready', 60000);
    const out = [];
    for (let r = 0; r < reps; r++) {
      const res = await child.request('rep', {}, 'rep:done', 120000);
      out.push(res);
      ctx.log(
        `  lock rep ${r + 1}/${reps}: p50 ${res.libP50Us.toFixed(0)} vs ${res.rawP50Us.toFixed(0)} us (x${res.p50Ratio.toFixed(3)}), p99 ${res.libP99Us.toFixed(0)} vs ${res.rawP99Us.toFixed(0)} us`,
      );
    }
    return { reps: out };
  } finally {
    await child.stop();
  }
}

module.exports = { run };
