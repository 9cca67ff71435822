import { type FaultKind, type RunSettings } from '../config';
import { createRng } from '../lib/rng';

export type StoreRestartMode = 'crash' | 'clean';

/** One fault of the schedule, fixed by the seed before the run starts. */
export interface PlannedFault {
  id: number;
  /** When it starts, in ms after the chaos phase began. */
  atMs: number;
  kind: FaultKind;
  /** The instance (index) of an instance fault. */
  target?: number;
  /**
   * Kills and pauses: `holder` aims at whichever instance is running a job at that moment (found by the sink's latest
   * writes), falling back to `target`; a random instance holds a run only a fraction of the time, and a fault on a
   * holder is the one that tests takeovers and fencing.
   */
  aim?: 'holder' | 'target';
  /** Down time (kill, store restart, clock restart) or stopped time (pauses). */
  durationMs: number;
  /** Store restarts: SIGKILL (`crash`, may lose the last second of writes) or SIGTERM (`clean`). */
  mode?: StoreRestartMode;
  /** Clock restarts: the offset the instance runs with from then on (0: the right clock again). */
  offsetMs?: number;
}

const round = (ms: number): number => Math.round(ms);

/**
 * The fault schedule of a run: a fault every `gapMs` (drawn), each of a kind drawn by weight among those that the
 * fleet can take at that moment (never more than `maxImpairedInstances` instances down or stopped at once; one store
 * fault at a time). Pure: the same seed and settings give the same schedule.
 */
export function planFaults(seed: number, chaosMs: number, settings: RunSettings): PlannedFault[] {
  const f = settings.faults;
  const rng = createRng(seed);
  const plan: PlannedFault[] = [];
  /** Until when each instance is impaired, and the clock offset it runs with. */
  const busyUntil = Array.from({ length: settings.instances }, () => 0);
  const offsets = Array.from({ length: settings.instances }, () => 0);
  let storeBusyUntil = 0;
  for (let at = round(rng.between(...f.gapMs)); at < chaosMs; at += round(rng.between(...f.gapMs))) {
    const free = busyUntil.flatMap((until, i) => (until <= at ? [i] : []));
    const impaired = settings.instances - free.length;
    const instanceFaultsOk = free.length > 0 && impaired < f.maxImpairedInstances;
    const storeOk = storeBusyUntil <= at;
    const weights: Partial<Record<FaultKind, number>> = {};
    for (const [kind, weight] of Object.entries(f.weights) as Array<[FaultKind, number]>) {
      const onStore = kind.startsWith('store-');
      // A kind left out (`--faults`) has weight 0: never drawn, and no reason to draw at all when it is the only one.
      if (weight > 0 && ((onStore && storeOk) || (!onStore && instanceFaultsOk))) weights[kind] = weight;
    }
    if (Object.keys(weights).length === 0) continue;
    const kind = rng.pick(weights as Record<FaultKind, number>);
    const fault: PlannedFault = { id: plan.length + 1, atMs: at, kind, durationMs: 0 };
    switch (kind) {
      case 'instance-kill':
      case 'instance-pause':
      case 'instance-clock': {
        const target = free[rng.below(free.length)];
        fault.target = target;
        if (kind !== 'instance-clock') fault.aim = rng.chance(f.holderShare) ? 'holder' : 'target';
        if (kind === 'instance-kill') {
          fault.durationMs = round(rng.between(...f.killDownMs));
          busyUntil[target] = at + fault.durationMs + f.bootAllowanceMs;
        } else if (kind === 'instance-pause') {
          fault.durationMs = round(rng.between(...f.pauseLeases) * settings.leaseTtlMs);
          busyUntil[target] = at + fault.durationMs;
        } else {
          const heal = offsets[target] !== 0 && rng.chance(f.clockHealShare);
          const size = round(rng.between(...f.clockOffsetMs));
          fault.offsetMs = heal ? 0 : rng.chance(0.5) ? size : -size;
          offsets[target] = fault.offsetMs;
          fault.durationMs = round(rng.between(...f.killDownMs));
          // A graceful stop first: up to the shutdown timeout, then the boot.
          busyUntil[target] = at + settings.shutdownTimeoutMs + fault.durationMs + f.bootAllowanceMs;
        }
        break;
      }
      case 'store-pause':
        fault.durationMs = round(rng.between(...f.storePauseMs));
        storeBusyUntil = at + fault.durationMs;
        break;
      case 'store-restart':
        fault.durationMs = round(rng.between(...f.storeDownMs));
        fault.mode = rng.chance(f.storeCrashShare) ? 'crash' : 'clean';
        storeBusyUntil = at + fault.durationMs + 1000;
        break;
    }
    plan.push(fault);
  }
  return plan;
}
