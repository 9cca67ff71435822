import { Child, withChild, type Message } from '../lib/children';
import type { OverheadResult } from '../children/overhead';
import { childScript, type ScenarioContext } from './context';

export interface OverheadRuns {
  library: OverheadResult[];
  bare: OverheadResult[];
  libraryLogLines: number[];
}

/** Figure 2: a fresh process per repetition and per side, library and bare pool alternating. */
export async function run(
  ctx: ScenarioContext,
  { tenants, concurrency, reps }: { tenants: number; concurrency: number; reps: number },
): Promise<OverheadRuns> {
  const out: OverheadRuns = { library: [], bare: [], libraryLogLines: [] };
  for (let r = 0; r < reps; r++) {
    const modes = r % 2 === 0 ? (['library', 'bare'] as const) : (['bare', 'library'] as const);
    for (const mode of modes) {
      const child = new Child(childScript('overhead'), {
        args: [mode, ctx.url, `${ctx.prefix}-f2-${r}`, String(tenants), String(concurrency)],
        name: `overhead-${mode}`,
        execArgv: ['--expose-gc'],
      });
      await withChild(child, async () => {
        const result = await child.next<Message & OverheadResult>('result', 120000);
        await child.exitPromise;
        out[mode].push(result);
        if (mode === 'library') out.libraryLogLines.push(child.stdoutLines);
      });
    }
    const l = out.library[r];
    const b = out.bare[r];
    ctx.log(
      `  overhead rep ${r + 1}/${reps}: library ${Math.round(l.tenantsPerSec)}/s +${l.rssGrowthMB.toFixed(1)} MB, bare ${Math.round(b.tenantsPerSec)}/s +${b.rssGrowthMB.toFixed(1)} MB`,
    );
  }
  return out;
}
