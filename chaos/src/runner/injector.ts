import { type RunnerRecord } from '../lib/records';
import { sleep } from '../lib/net';
import { type StoreServer } from '../stores/store';
import { type PlannedFault } from './fault-plan';
import { type Fleet } from './fleet';

type WithoutAt<T> = T extends unknown ? Omit<T, 'at'> : never;

export interface InjectorDeps {
  fleet: Fleet;
  store: StoreServer;
  record: (record: WithoutAt<RunnerRecord>) => void;
  log: (line: string) => void;
  /** The slot of an instance running a job right now, if any (from the sink's latest writes). */
  holder: () => number | undefined;
  maxImpaired: number;
}

/**
 * Carries out the fault plan from `startAt` on: each fault at its planned time, several at once when their times
 * overlap. Resolves when the last one has ended (a stopped process continued, a killed one started again).
 */
export async function injectFaults(plan: readonly PlannedFault[], startAt: number, deps: InjectorDeps): Promise<void> {
  const running: Array<Promise<void>> = [];
  const busy = new Set<number>();
  for (const fault of plan) {
    await sleep(startAt + fault.atMs - Date.now());
    let target = fault.target;
    if (target !== undefined) {
      target = chooseTarget(fault, busy, deps);
      if (target === undefined) {
        deps.record({
          type: 'fault-skipped',
          id: fault.id,
          why: `more than ${deps.maxImpaired} instances would be impaired`,
        });
        continue;
      }
      busy.add(target);
    }
    const slot = target;
    running.push(
      inject({ ...fault, target: slot }, deps)
        .finally(() => {
          if (slot !== undefined) busy.delete(slot);
        })
        .catch((error: unknown) => {
          deps.record({ type: 'note', text: `fault ${fault.id} (${fault.kind}) failed: ${String(error)}` });
          deps.log(`fault ${fault.id} failed: ${String(error)}`);
        }),
    );
  }
  await Promise.all(running);
}

/**
 * The instance a planned instance fault hits: the current holder of a run when the fault aims at one, else the
 * planned instance, else any other; none when enough instances are impaired already (the plan assumed boot times
 * that a loaded machine can exceed).
 */
function chooseTarget(fault: PlannedFault, busy: ReadonlySet<number>, deps: InjectorDeps): number | undefined {
  if (busy.size >= deps.maxImpaired) return undefined;
  const free = (slot: number | undefined): slot is number =>
    slot !== undefined && !busy.has(slot) && deps.fleet.isRunning(slot);
  if (fault.aim === 'holder') {
    const holder = deps.holder();
    if (free(holder)) return holder;
  }
  if (free(fault.target)) return fault.target;
  for (let slot = 0; slot < deps.fleet.size; slot++) if (free(slot)) return slot;
  return undefined;
}

async function inject(fault: PlannedFault, { fleet, store, record, log }: InjectorDeps): Promise<void> {
  const target = fault.target === undefined ? 'store' : `i${fault.target}`;
  const index = fault.target ?? -1;
  if (fault.target !== undefined && !fleet.isRunning(index)) {
    record({ type: 'fault-skipped', id: fault.id, why: `${target} has no process at this moment` });
    return;
  }
  const detail = fault.mode
    ? ` ${fault.mode}`
    : fault.offsetMs !== undefined
      ? ` clock ${fault.offsetMs >= 0 ? '+' : ''}${fault.offsetMs} ms`
      : '';
  const aimed = fault.aim === 'holder' ? ' (aimed at a holder)' : '';
  log(`fault ${fault.id}: ${fault.kind} ${target}${detail}${aimed}, ${fault.durationMs} ms`);
  const { id, kind, durationMs, mode, offsetMs } = fault;
  record({
    type: 'fault',
    id,
    kind,
    target,
    durationMs,
    ...(mode ? { mode } : {}),
    ...(offsetMs !== undefined ? { offsetMs } : {}),
    ...(fault.aim ? { aim: fault.aim } : {}),
  });
  switch (kind) {
    case 'instance-kill':
      await fleet.stop(index, 'SIGKILL');
      await sleep(durationMs);
      await fleet.start(index, fleet.offsetOf(index));
      break;
    case 'instance-pause':
      fleet.signal(index, 'SIGSTOP');
      await sleep(durationMs);
      fleet.signal(index, 'SIGCONT');
      break;
    case 'instance-clock':
      await fleet.stop(index, 'SIGTERM');
      await sleep(durationMs);
      await fleet.start(index, offsetMs ?? 0);
      break;
    case 'store-pause':
      store.pause();
      await sleep(durationMs);
      store.resume();
      break;
    case 'store-restart':
      await store.restart(mode === 'clean' ? 'clean' : 'crash', durationMs);
      break;
  }
  record({ type: 'fault-end', id });
}
