import type { RetryPolicy } from 'nestjs-coordinated-cron';
import { abbaOrder } from '../lib/abba';
import { Child, withChild, type Message } from '../lib/children';
import type { RecoveryMeasure, RetryMeasure, RetrySide } from '../children/retry';
import { childScript, type ScenarioContext } from './context';

export interface RetryResult {
  reps: Array<Record<RetrySide, RetryMeasure> & { recovery: RecoveryMeasure }>;
}


/**
 * Figure 19: figure 1's workload through a job with a retry policy and one without, side by side, none failing; then,
 * in the same repetition, through a job whose drawn tenants fail their first call, to see them succeed on a retry.
 */
export async function run(
  ctx: ScenarioContext,
  cfg: {
    tenants: number;
    concurrency: number;
    seed: number;
    failing: number;
    failingSeed: number;
    overheadRetry: RetryPolicy;
    recoveryRetry: RetryPolicy;
    reps: number;
  },
): Promise<RetryResult> {
  const policies = JSON.stringify({ overhead: cfg.overheadRetry, recovery: cfg.recoveryRetry });
  const child = new Child(childScript('retry'), {
    args: [ctx.url, `${ctx.prefix}-f19`, String(cfg.tenants), String(cfg.concurrency), String(cfg.seed), String(cfg.failing), String(cfg.failingSeed), policies],
    name: 'retry',
  });
  return withChild(child, async () => {
    await child.next('ready', 60000);
    const out: RetryResult['reps'] = [];
    for (let r = 0; r < cfg.reps; r++) {
      const order = abbaOrder<RetrySide>(r, ['on', 'off']);
      const { results } = await child.request<Message & { results: RetryMeasure[] }>('rep', { order }, 120000);
      const by = Object.fromEntries(results.map((x) => [x.side, x])) as Record<RetrySide, RetryMeasure>;
      const { result: recovery } = await child.request<Message & { result: RecoveryMeasure }>('recovery', {}, 120000);
      out.push({ ...by, recovery });
      ctx.log(
        `  retry rep ${r + 1}/${cfg.reps} (${order.join(', ')}): with retry ${by.on.makespanMs.toFixed(0)} ms, without ${by.off.makespanMs.toFixed(0)} ms,` +
          ` ratio ${(by.on.makespanMs / by.off.makespanMs).toFixed(3)}; ${recovery.recovered}/${recovery.failing} failing tenants recovered` +
          ` (calls ${JSON.stringify(recovery.tries)}, retried ${recovery.retried}) in ${recovery.makespanMs.toFixed(0)} ms`,
      );
    }
    return { reps: out };
  });
}
