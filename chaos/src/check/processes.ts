import { type History } from './history';

export interface ProcessFindings {
  /** Exits that no signal of the runner asked for, or that ended otherwise than the signal implies. */
  unexpectedExits: Array<{ target: string; pid: number; code: number | null; signal: string | null; at: number }>;
  /** Instance processes with no recorded exit although the run stopped the fleet. */
  neverExited: string[];
  unhandled: Array<{ instanceId: string; kind: string; message: string }>;
  started: number;
}

/** Signals that ask a process to shut down by itself: SIGTERM; and for PostgreSQL, `pg_ctl stop -m fast | immediate`. */
const STOP_SIGNALS: ReadonlySet<string> = new Set(['SIGTERM', 'SIGINT', 'SIGQUIT']);

/**
 * An exit is expected only after the runner sent that very process SIGKILL (and it died of it) or asked it to stop
 * (and it left with code 0: the app closed cleanly; for the store, its own shutdown, which PostgreSQL's postmaster
 * also ends with 0 after an immediate one). Anything else (a crash, a boot failure, a shutdown that hung until its
 * bound) is unexpected.
 */
export function checkProcesses(h: History): ProcessFindings {
  const unexpectedExits: ProcessFindings['unexpectedExits'] = [];
  for (const exit of h.exits) {
    const asked = h.signals.filter((s) => s.target === exit.target && s.pid === exit.pid && s.at <= exit.at);
    const killed = asked.some((s) => s.signal === 'SIGKILL') && exit.signal === 'SIGKILL';
    const stopped = asked.some((s) => STOP_SIGNALS.has(s.signal)) && exit.code === 0;
    if (!killed && !stopped) {
      unexpectedExits.push({ target: exit.target, pid: exit.pid, code: exit.code, signal: exit.signal, at: exit.at });
    }
  }
  const exited = new Set(h.exits.map((e) => `${e.target}:${e.pid}`));
  const neverExited =
    h.phases.stopped === undefined
      ? []
      : h.processes.filter((p) => !exited.has(`${p.instanceId}:${p.pid}`)).map((p) => p.instanceId);
  const unhandled = h.events.flatMap((e) =>
    e.type === 'unhandled' ? [{ instanceId: e.instanceId, kind: e.kind, message: e.message }] : [],
  );
  return { unexpectedExits, neverExited, unhandled, started: h.processes.length };
}
