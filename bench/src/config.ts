/**
 * Sizes of every figure. Sized so the whole run stays under 15 minutes on 2 cores; the million-tenant runs (figures 8
 * and 16) get one repetition for that reason, and figure 15 watches the baselines' minute ticks in the same stretch of
 * time as the idle fleets.
 */
const FANOUT = { tenants: 2000, concurrency: 16, seed: 20240605 };

const LOCAL_TIME_ZONES = [
  'America/Los_Angeles', 'America/Denver', 'America/Chicago', 'America/New_York', 'America/Halifax',
  'America/St_Johns', 'America/Sao_Paulo', 'America/Argentina/Buenos_Aires', 'America/Mexico_City', 'America/Bogota',
  'America/Anchorage', 'Pacific/Honolulu', 'Pacific/Marquesas', 'Atlantic/Azores', 'Atlantic/Cape_Verde',
  'Europe/London', 'Europe/Berlin', 'Europe/Helsinki', 'Europe/Moscow', 'Africa/Lagos', 'Africa/Cairo',
  'Africa/Nairobi', 'Asia/Tehran', 'Asia/Dubai', 'Asia/Kabul', 'Asia/Karachi', 'Asia/Kolkata', 'Asia/Kathmandu',
  'Asia/Dhaka', 'Asia/Yangon', 'Asia/Bangkok', 'Asia/Shanghai', 'Australia/Eucla', 'Asia/Tokyo',
  'Australia/Adelaide', 'Australia/Sydney', 'Australia/Lord_Howe', 'Pacific/Auckland', 'Pacific/Chatham',
  'Pacific/Kiritimati',
];

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
  // Figure 1's workload again: with a retry policy that nothing fails into, and without; then 5% of the tenants (drawn
  // by a seed of their own) fail their first call, under a backoff short enough for the run's tail.
  retry: {
    ...FANOUT,
    reps: 6,
    failing: FANOUT.tenants * 0.05,
    failingSeed: 20241114,
    overheadRetry: { attempts: 3, backoff: '1s' },
    recoveryRetry: { attempts: 2, backoff: 50 },
  },
  // Figure 3's comparison on the bench's own PostgreSQL: fewer claims, each round trip being longer.
  postgresClaim: { claims: 5000, reps: 5 },
  // Five instances of each system, `jobs` nightly jobs each; a 30 s window. The baselines fire at minute resolution:
  // their start latency is watched over a few minute ticks in the same stretch of time (see scenarios/postgres-idle).
  // 100,000 tenants spread evenly over 40 zones (half-hour, 45-minute and DST zones among them), a daily cron read in
  // each tenant's zone; the instant measured is 09:00 in Kolkata (no clock changes), a whole number of days ago.
  localTime: {
    tenants: 100000,
    zones: LOCAL_TIME_ZONES,
    cron: '0 9 * * *',
    instantZone: 'Asia/Kolkata',
    concurrency: FANOUT.concurrency,
    seed: FANOUT.seed,
    reps: 5,
  },
  // Five instances and a control process, 20 changes, on Redis and then on PostgreSQL.
  reschedule: { instances: 5, changes: 20 },
  // Figure 8 on PostgreSQL, with a lease of 3 s (renewed every second) that the run must keep renewing.
  postgresScale: { tenants: 1000000, concurrency: 64, reps: 1, idleMs: 2000, leaseTtlMs: 3000 },
  postgresIdle: { instances: 5, jobs: 10, windowMs: 30000, settleMs: 12000, flushMs: 11000, minuteTicks: 3, lastTickWaitMs: 50000 },
};

export type Config = typeof CONFIG;
