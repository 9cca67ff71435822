import { abbaOrder } from '../lib/abba';
import { Child, withChild, type Message } from '../lib/children';
import type { ProgressMeasure, ProgressSide } from '../children/progress';
import { childScript, type ScenarioContext } from './context';

export interface ProgressResult {
  lowerBoundMs: number;
  reps: Array<Record<ProgressSide, ProgressMeasure>>;
}


/** Figure 11: figure 1's workload through a job that records progress and one that does not, side by side. */
export async function run(
  ctx: ScenarioContext,
  { tenants, concurrency, seed, reps }: { tenants: number; concurrency: number; seed: number; reps: number },
): Promise<ProgressResult> {
  const child = new Child(childScript('progress'), {
    args: [ctx.url, `${ctx.prefix}-f11`, String(tenants), String(concurrency), String(seed)],
    name: 'progress',
  });
  return withChild(child, async () => {
    const ready = await child.next<Message & { lowerBoundMs: number }>('ready', 60000);
    const out: ProgressResult['reps'] = [];
    for (let r = 0; r < reps; r++) {
      const order = abbaOrder<ProgressSide>(r, ['on', 'off']);
      const { results } = await child.request<Message & { results: ProgressMeasure[] }>('rep', { order }, 120000);
      const by = Object.fromEntries(results.map((x) => [x.side, x])) as Record<ProgressSide, ProgressMeasure>;
      out.push(by);
      ctx.log(
        `  progress rep ${r + 1}/${reps} (${order.join(', ')}): recorded ${by.on.makespanMs.toFixed(0)} ms (${by.on.commands} commands),` +
          ` not recorded ${by.off.makespanMs.toFixed(0)} ms (${by.off.commands}), ratio ${(by.on.makespanMs / by.off.makespanMs).toFixed(3)}`,
      );
    }
    return { lowerBoundMs: ready.lowerBoundMs, reps: out };
  });
}
