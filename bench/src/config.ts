/**
 * Sizes of every figure. Sized so the whole run stays under 6 minutes on 2 cores (about 4 when the machine is
 * quiet); the million-tenant run (figure 8) gets one repetition for that reason.
 */
const FANOUT = { tenants: 2000, concurrency: 16, seed: 20240605 };

export const CONFIG = {
  fanout: { ...FANOUT, reps: 5 },
  overhead: { tenants: 100000, concurrency: 64, reps: 5 },
  lock: { claims: 10000, reps: 5 },
  traffic: { instances: 5, occurrences: 50, reps: 5 },
  boot: { jobs: 500, reps: 5 },
  latency: { instances: 5, periodMs: 2000, ticks: 20, slices: 5 },
  bullmq: { instances: 5, pattern: '*/2 * * * * *', periodMs: 2000, ticks: 20, slices: 5 },
  scale: { tenants: 1000000, concurrency: 64, reps: 1, idleMs: 2000 },
  // Figure 2's run, measured `runs` times per process; three processes per repetition (no SDK, SDK, SDK with
  // traceTenants), so fewer repetitions.
  telemetry: { tenants: 100000, concurrency: 64, runs: 5, reps: 5 },
  // A 2 s run (40 tenants of 100 ms, 2 at a time) whose holder is killed 1 s in, after at least one lease renewal.
  resume: { instances: 3, leaseTtlMs: 2000, tenants: 40, tenantMs: 100, concurrency: 2, killAfterMs: 1000, reps: 3 },
  // Figure 1's workload, so the two figures describe the same run.
  progress: { ...FANOUT, reps: 6 },
};

export type Config = typeof CONFIG;
