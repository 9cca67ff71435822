/**
 * Everything a chaos run is made of, in one place. The runner writes these settings into the history it records, and
 * the checker reads them back from there, so a history is always judged by the settings it was recorded with.
 */

/** A job of the chaos app. Schedules are "every N seconds" (N divides 60), so its ticks are multiples of N s. */
export interface JobSettings {
  name: string;
  everySeconds: number;
  jitterMs: number;
}

export interface TenantJobSettings extends JobSettings {
  tenants: number;
  /** Each tenant's work takes a uniform time in this range. */
  tenantMs: [number, number];
  concurrency: number;
}

export interface PlainJobSettings extends JobSettings {
  /** The body writes to the sink, works for a uniform time in this range, then writes again. */
  bodyMs: [number, number];
}

export interface RunSettings {
  plain: PlainJobSettings;
  perTenant: TenantJobSettings;
  instances: number;
  /** Module options of every instance. */
  leaseTtlMs: number;
  lockTimeoutMs: number;
  shutdownTimeoutMs: number;
  /** The jobs' `lockTtl`: how long a claimed occurrence stays claimed. */
  lockTtlMs: number;
  catchupWindowMs: number;
  /** Phases, from the moment every instance first reported ready. */
  dueFromMs: number;
  faultsFromMs: number;
  /** Quiet time after the last fault (every instance up, store up) before the fleet is stopped. */
  settleMs: number;
  /** Ticks this close to the stop are not counted as due: their runs may still be under way. */
  tailMs: number;
  /** A run that starts this much before its tick (by the real clock) started early. */
  earlyToleranceMs: number;
  faults: FaultSettings;
}

export interface FaultSettings {
  /** Time between the starts of two faults. */
  gapMs: [number, number];
  weights: Record<FaultKind, number>;
  /** A killed instance is started again after this long. */
  killDownMs: [number, number];
  /** An instance is stopped (SIGSTOP) for this many lease periods. */
  pauseLeases: [number, number];
  storePauseMs: [number, number];
  /** Between a store's stop and its start again. */
  storeDownMs: [number, number];
  /** Share of store restarts that are a crash (SIGKILL) rather than a clean shutdown (SIGTERM). */
  storeCrashShare: number;
  /** Size of a clock offset, either way. */
  clockOffsetMs: [number, number];
  /** An instance whose clock is already off is given the right clock back with this probability. */
  clockHealShare: number;
  /** Share of kills and pauses aimed at an instance that is running a job at that moment. */
  holderShare: number;
  /** Never more instances than this killed, stopped or restarting at once, so the rest keep the fleet going. */
  maxImpairedInstances: number;
  /** What the planner assumes an instance takes to boot (a killed one is counted impaired until then). */
  bootAllowanceMs: number;
}

export type FaultKind = 'instance-kill' | 'instance-pause' | 'store-pause' | 'store-restart' | 'instance-clock';
export const FAULT_KINDS: readonly FaultKind[] = [
  'instance-kill',
  'instance-pause',
  'store-pause',
  'store-restart',
  'instance-clock',
];

export const SETTINGS: RunSettings = {
  plain: { name: 'chaos-every-second', everySeconds: 1, jitterMs: 400, bodyMs: [50, 350] },
  perTenant: {
    name: 'chaos-per-tenant',
    everySeconds: 5,
    jitterMs: 1000,
    tenants: 200,
    tenantMs: [10, 30],
    concurrency: 5,
  },
  instances: 4,
  leaseTtlMs: 1500,
  // Below the lease, so a renewal that hangs fails before the lease it renews could lapse.
  lockTimeoutMs: 1000,
  shutdownTimeoutMs: 3000,
  // Longer than any clock offset the run injects: README's Guarantees tolerate a skew only below the claim's life.
  lockTtlMs: 10_000,
  catchupWindowMs: 30_000,
  dueFromMs: 2000,
  faultsFromMs: 5000,
  settleMs: 15_000,
  tailMs: 6000,
  earlyToleranceMs: 100,
  faults: {
    gapMs: [2000, 6000],
    weights: {
      'instance-kill': 3,
      'instance-pause': 3,
      'store-pause': 2,
      'store-restart': 1.5,
      'instance-clock': 1,
    },
    killDownMs: [300, 2000],
    pauseLeases: [1, 3],
    storePauseMs: [1000, 3000],
    storeDownMs: [200, 1500],
    storeCrashShare: 0.5,
    clockOffsetMs: [1000, 2000],
    clockHealShare: 0.5,
    holderShare: 0.5,
    maxImpairedInstances: 2,
    bootAllowanceMs: 4000,
  },
};
