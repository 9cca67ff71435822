import { Child, withChild, type Message } from '../lib/children';
import type { FanOutMeasure, FanOutSide } from '../children/fanout';
import { childScript, type ScenarioContext } from './context';

export interface FanOutResult {
  lowerBoundMs: number;
  sumMs: number;
  longestMs: number;
  reps: Array<Record<FanOutSide, FanOutMeasure>>;
}

const ORDERS: FanOutSide[][] = [
  ['library', 'batches', 'pool'],
  ['pool', 'library', 'batches'],
  ['batches', 'pool', 'library'],
];

/** Figure 1: each repetition runs the library, fixed batches and the minimal pool once, in a rotating order. */
export async function run(
  ctx: ScenarioContext,
  { tenants, concurrency, seed, reps }: { tenants: number; concurrency: number; seed: number; reps: number },
): Promise<FanOutResult> {
  const child = new Child(childScript('fanout'), {
    args: [ctx.url, `${ctx.prefix}-f1`, String(tenants), String(concurrency), String(seed)],
    name: 'fanout',
  });
  return withChild(child, async () => {
    const ready = await child.next<Message & { lowerBoundMs: number; sumMs: number; longestMs: number }>('ready', 60000);
    const perRep: FanOutResult['reps'] = [];
    for (let r = 0; r < reps; r++) {
      const { results } = await child.request<Message & { results: FanOutMeasure[] }>('rep', { order: ORDERS[r % ORDERS.length] }, 120000);
      const by = Object.fromEntries(results.map((x) => [x.what, x])) as Record<FanOutSide, FanOutMeasure>;
      perRep.push(by);
      ctx.log(
        `  fanout rep ${r + 1}/${reps}: library ${by.library.ratio.toFixed(3)}, batches ${by.batches.ratio.toFixed(3)}, pool ${by.pool.ratio.toFixed(3)}`,
      );
    }
    return { lowerBoundMs: ready.lowerBoundMs, sumMs: ready.sumMs, longestMs: ready.longestMs, reps: perRep };
  });
}
