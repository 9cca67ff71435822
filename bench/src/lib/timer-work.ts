import { lognormalDurations } from './rng';

/**
 * Figure 1's tenants: `t-00000` onwards, each with a lognormal duration drawn from `seed` (median 4 ms, sigma 1), so
 * every figure that reuses the workload times the very same work.
 */
export function figureOneTenants(tenants: number, seed: number) {
  const ids = Array.from({ length: tenants }, (_, i) => `t-${String(i).padStart(5, '0')}`);
  const durations = lognormalDurations(tenants, { seed, medianMs: 4, sigma: 1 });
  return { ids, durations, durationOf: new Map(ids.map((id, i) => [id, durations[i]])) };
}

/**
 * Figure 1's kind of tenant work: a timer of the tenant's own duration. It also measures each timer from the inside,
 * since Node's timers fire a little early or late: the sum and the longest of those give a strict lower bound of a
 * run's makespan at a given concurrency.
 */
export class TimerWork {
  private sum = 0;
  private longest = 0;

  constructor(private readonly durationOf: ReadonlyMap<string, number>) {}

  /** The tenant's work. */
  run(id: string): Promise<void> {
    const start = performance.now();
    return new Promise((resolve) =>
      setTimeout(() => {
        const took = performance.now() - start;
        this.sum += took;
        this.longest = Math.max(this.longest, took);
        resolve();
      }, this.durationOf.get(id)),
    );
  }

  /** Forgets what was measured so far (before a measured run). */
  reset(): void {
    this.sum = 0;
    this.longest = 0;
  }

  /** max(sum of the measured durations / concurrency, longest): no run at that concurrency can be shorter. */
  lowerBoundMs(concurrency: number): number {
    return Math.max(this.sum / concurrency, this.longest);
  }
}
