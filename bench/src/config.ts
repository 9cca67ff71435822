/**
 * Sizes of every figure. Sized so the whole run stays under 5 minutes on 2 cores (about 3 when the machine is
 * quiet); the million-tenant run (figure 8) gets one repetition for that reason.
 */
export const CONFIG = {
  fanout: { tenants: 2000, concurrency: 16, seed: 20240605, reps: 5 },
  overhead: { tenants: 100000, concurrency: 64, reps: 5 },
  lock: { claims: 10000, reps: 5 },
  traffic: { instances: 5, occurrences: 50, reps: 5 },
  boot: { jobs: 500, reps: 5 },
  latency: { instances: 5, periodMs: 2000, ticks: 20, slices: 5 },
  bullmq: { instances: 5, pattern: '*/2 * * * * *', periodMs: 2000, ticks: 20, slices: 5 },
  scale: { tenants: 1000000, concurrency: 64, reps: 1, idleMs: 2000 },
  // Figure 2's run, measured `runs` times per process; three processes per repetition (no SDK, SDK, SDK with
  // traceTenants), so fewer repetitions.
  telemetry: { tenants: 100000, concurrency: 64, runs: 3, reps: 3 },
};

export type Config = typeof CONFIG;
