import { Child, stopAll, withChild, type Message } from '../lib/children';
import type { LeaseRead } from '../children/lease-watcher';
import type { ScaleResult } from '../children/scale';
import { percentile } from '../lib/stats';
import { childScript, type ScenarioContext } from './context';

/** What the lease watcher saw while the run went. */
export interface LeaseWatch {
  /** Reads made between the run's start and end (a margin each side for the claim and the finish). */
  reads: number;
  /** Of those, reads that found no lease. */
  gaps: number;
  /** Holders seen during the run: 1 when the lease was held throughout by the run. */
  tokens: number;
  /** Reads where the lease had been renewed since the read before. */
  renewals: number;
  leastLeftMs: number;
  maxWaitMs: number;
  p99WaitMs: number;
  /** The longest read before the run, its process up and idle: the baseline. */
  idleMaxWaitMs: number;
}

export interface PostgresScaleRep extends ScaleResult {
  lease: LeaseWatch;
  leaseHeld: boolean;
  leaseTtlMs: number;
  logLines: number;
}

const JOB = 'bench-scale';
/** The claim comes right after the call starts and the finish right before it ends. */
const EDGE_MS = 50;

function leaseWatch(reads: readonly LeaseRead[], idle: readonly LeaseRead[], run: ScaleResult): LeaseWatch {
  const during = reads.filter((r) => r.at >= run.startedAt + EDGE_MS && r.at <= run.endedAt - EDGE_MS);
  let renewals = 0;
  for (let i = 1; i < during.length; i++) {
    const [a, b] = [during[i - 1], during[i]];
    if (a.token && a.token === b.token && b.expiresInMs > a.expiresInMs + 100) renewals++;
  }
  const waits = reads.map((r) => r.waitMs);
  return {
    reads: during.length,
    gaps: during.filter((r) => r.token === null).length,
    tokens: new Set(during.filter((r) => r.token).map((r) => r.token)).size,
    renewals,
    leastLeftMs: Math.min(...during.filter((r) => r.token).map((r) => r.expiresInMs)),
    maxWaitMs: Math.max(...waits),
    p99WaitMs: percentile(waits, 99),
    idleMaxWaitMs: Math.max(...idle.map((r) => r.waitMs)),
  };
}

/**
 * Figure 16: figure 8's million no-op tenants with the lock on PostgreSQL (the store records every finished tenant in
 * batches, as crash recovery wants), a short `leaseTtl` so that the run must renew its lease several times, and a
 * watcher process reading the lease through the library's store all along.
 */
export async function run(
  ctx: ScenarioContext,
  { tenants, concurrency, reps, idleMs, leaseTtlMs }: { tenants: number; concurrency: number; reps: number; idleMs: number; leaseTtlMs: number },
): Promise<{ reps: PostgresScaleRep[] }> {
  const url = await (await ctx.postgres()).database('ccbench_scale');
  const out: PostgresScaleRep[] = [];
  for (let r = 0; r < reps; r++) {
    const keyPrefix = `${ctx.prefix}-f16-${r}`;
    const watcher = new Child(childScript('lease-watcher'), { args: [url, keyPrefix, JOB, `${keyPrefix}-watcher`], name: 'lease-watcher' });
    const child = new Child(childScript('scale'), {
      args: [url, keyPrefix, String(tenants), String(concurrency), String(leaseTtlMs)],
      name: 'pg-scale',
      execArgv: ['--expose-gc'],
    });
    try {
      await Promise.all([watcher.next('ready', 60000), child.next('ready', 120000)]);
      await watcher.request('start', {}, 10000);
      await new Promise((resolve) => setTimeout(resolve, idleMs));
      const idle = (await watcher.request<Message & { reads: LeaseRead[] }>('stop', {}, 30000)).reads;
      await watcher.request('start', {}, 10000);
      const result = await withChild(child, () => child.request<Message & ScaleResult>('run', {}, 600000));
      const { reads } = await watcher.request<Message & { reads: LeaseRead[] }>('stop', {}, 30000);
      const lease = leaseWatch(reads, idle, result);
      const leaseHeld = lease.reads > 0 && lease.gaps === 0 && lease.tokens === 1 && result.abortedTenants === 0;
      out.push({ ...result, lease, leaseHeld, leaseTtlMs, logLines: child.stdoutLines });
      ctx.log(
        `  postgres scale rep ${r + 1}/${reps}: ${Math.round(result.tenantsPerSec)} tenants/s, +${result.rssGrowthMB.toFixed(1)} MB,` +
          ` loop delay max ${result.loopDelayMaxMs.toFixed(0)} ms; lease ${leaseHeld ? 'held' : 'NOT held'} throughout` +
          ` (${lease.reads} reads, ${lease.gaps} without it, ${lease.renewals} renewals seen, longest read ${lease.maxWaitMs.toFixed(1)} ms)`,
      );
    } finally {
      await stopAll([watcher, child]);
    }
  }
  return { reps: out };
}
