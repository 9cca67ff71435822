'use strict';

const path = require('node:path');
const { Child } = require('../lib/children');

const SCRIPT = path.join(__dirname, '..', 'children', 'overhead.js');

/** Figure 2: a fresh process per repetition and per side, library and bare pool alternating. */
async function run(ctx, { tenants, concurrency, reps }) {
  const out = { library: [], bare: [], libraryLogLines: [] };
  for (let r = 0; r < reps; r++) {
    const modes = r % 2 === 0 ? ['library', 'bare'] : ['bare', 'library'];
    for (const mode of modes) {
      const child = new Child(SCRIPT, {
        args: [mode, ctx.url, `${ctx.prefix}-f2-${r}`, String(tenants), String(concurrency)],
        name: `overhead-${mode}`,
        execArgv: ['--expose-gc'],
      });
      try {
        const result = await child.next('result', 120000);
        await child.exitPromise;
        out[mode].push(result);
        if (mode === 'library') out.libraryLogLines.push(child.stdoutLines);
      } finally {
        await child.stop();
      }
    }
    const l = out.library[r];
    const b = out.bare[r];
    ctx.log(
      `  overhead rep ${r + 1}/${reps}: library ${Math.round(l.tenantsPerSec)}/s +${l.rssGrowthMB.toFixed(1)} MB, bare ${Math.round(b.tenantsPerSec)}/s +${b.rssGrowthMB.toFixed(1)} MB`,
    );
  }
  return out;
}

module.exports = { run };
