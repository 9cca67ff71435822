import { Child, withChild, type Message } from '../lib/children';
import { childScript, type ScenarioContext } from './context';

export interface BootRuns {
  boots: { coordinated: number[]; plain: number[] };
  ratios: number[];
}

/**
 * Figure 5: fresh processes, in ABBA order (C P P C, C P P C, ...) so that neither kind always boots right after
 * the other or on a warmer page cache. Repetition r pairs the r-th boot of each kind.
 */
export async function run(ctx: ScenarioContext, { jobs, reps }: { jobs: number; reps: number }): Promise<BootRuns> {
  const boots: BootRuns['boots'] = { coordinated: [], plain: [] };
  for (let r = 0; r < reps; r++) {
    const order = r % 2 === 0 ? (['coordinated', 'plain'] as const) : (['plain', 'coordinated'] as const);
    for (const kind of order) {
      const child = new Child(childScript('boot'), { args: [kind, ctx.url, `${ctx.prefix}-f5`, String(jobs)], name: `boot-${kind}` });
      await withChild(child, async () => {
        const res = await child.next<Message & { bootMs: number }>('result', 120000);
        await child.exitPromise;
        boots[kind].push(res.bootMs);
      });
    }
    ctx.log(`  boot rep ${r + 1}/${reps}: coordinated ${boots.coordinated[r].toFixed(0)} ms, plain ${boots.plain[r].toFixed(0)} ms`);
  }
  return { boots, ratios: boots.coordinated.map((c, i) => c / boots.plain[i]) };
}
