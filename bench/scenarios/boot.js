'use strict';

const path = require('node:path');
const { Child } = require('../lib/children');

const SCRIPT = path.join(__dirname, '..', 'children', 'boot.js');

/**
 * Figure 5: fresh processes, in ABBA order (C P P C, C P P C, ...) so that neither kind always boots right after
 * the other or on a warmer page cache. Repetition r pairs the r-th boot of each kind.
 */
async function run(ctx, { jobs, reps }) {
  const boots = { coordinated: [], plain: [] };
  for (let r = 0; r < reps; r++) {
    const order = r % 2 === 0 ? ['coordinated', 'plain'] : ['plain', 'coordinated'];
    for (const kind of order) {
      const child = new Child(SCRIPT, { args: [kind, ctx.url, `${ctx.prefix}-f5`, String(jobs)], name: `boot-${kind}` });
      try {
        const res = await child.next('result', 120000);
        await child.exitPromise;
        boots[kind].push(res.bootMs);
      } finally {
        await child.stop();
      }
    }
    ctx.log(
      `  boot rep ${r + 1}/${reps}: coordinated ${boots.coordinated[r].toFixed(0)} ms, plain ${boots.plain[r].toFixed(0)} ms`,
    );
  }
  return {
    boots,
    ratios: boots.coordinated.map((c, i) => c / boots.plain[i]),
  };
}

module.exports = { run };
