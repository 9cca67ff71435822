import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type RunSettings } from '../config';
import { readJsonLines } from '../lib/jsonl';
import { INSTANCES_DIR, RUNNER_FILE, type InstanceRecord, type PhaseName, type RunnerRecord } from '../lib/records';
import { type PlannedFault } from '../runner/fault-plan';
import { type SinkWriteRecord } from '../runner/sink-server';
import { parseLibraryLine, type LibraryLine } from './log-lines';

/** What a Redis with `appendfsync everysec` may lose in a crash: histories recorded before the start record said so. */
const REDIS_CRASH_LOSS_MS = 2100;

/** A record of an instance, its time moved onto the runner's clock. */
export type InstanceEvent = InstanceRecord & { at: number; instanceId: string };
export type LineEvent = { at: number; instanceId: string; level: string; line: LibraryLine };

export interface ProcessInfo {
  instanceId: string;
  slot: number;
  pid: number;
  offsetMs: number;
  /** This process's clock minus the runner's, measured at boot; what is subtracted from its records' times. */
  skewMs: number;
  skewMeasured: boolean;
}

export interface FaultInfo {
  id: number;
  kind: PlannedFault['kind'];
  target: string;
  at: number;
  endAt?: number;
  durationMs: number;
  mode?: string;
  offsetMs?: number;
}

/** A recorded run, ready to judge: every time on the runner's clock, ordered. */
export interface History {
  /** When the runner wrote its start record (its store was up). */
  startedAt: number;
  seed: number;
  store: string;
  storeLabel: string;
  persistence: boolean;
  /** How long before a crash of the store an acknowledged write may be lost (see the start record). */
  crashLossMs: number;
  minutes: number;
  build: string;
  settings: RunSettings;
  plannedFaults: number;
  phases: Partial<Record<PhaseName, number>>;
  processes: ProcessInfo[];
  signals: Array<Extract<RunnerRecord, { type: 'signal' }>>;
  exits: Array<Extract<RunnerRecord, { type: 'exit' }>>;
  storeUps: number[];
  faults: FaultInfo[];
  skippedFaults: Array<{ id: number; why: string }>;
  writes: SinkWriteRecord[];
  events: InstanceEvent[];
  lines: LineEvent[];
  /** History lines that could not be read, and library lines that looked like run reports but could not be parsed. */
  unreadable: string[];
}

/** Builds a history from raw records (what the files hold): pure, so the checker's tests can make up histories. */
export function historyFromRecords(
  runner: readonly RunnerRecord[],
  instances: ReadonlyMap<string, readonly InstanceRecord[]>,
): History {
  const start = runner.find((r): r is Extract<RunnerRecord, { type: 'start' }> => r.type === 'start');
  if (!start) throw new Error('the history has no start record: not a chaos run directory, or the run never began');
  const h: History = {
    startedAt: start.at,
    seed: start.seed,
    store: start.store,
    storeLabel: start.storeLabel,
    persistence: start.persistence,
    crashLossMs: start.crashLossMs ?? REDIS_CRASH_LOSS_MS,
    minutes: start.minutes,
    build: start.build,
    settings: start.settings,
    plannedFaults: start.plan.length,
    phases: {},
    processes: [],
    signals: [],
    exits: [],
    storeUps: [],
    faults: [],
    skippedFaults: [],
    writes: [],
    events: [],
    lines: [],
    unreadable: [],
  };
  const skews = new Map<string, number>();
  const faults = new Map<number, FaultInfo>();
  for (const r of runner) {
    switch (r.type) {
      case 'phase':
        h.phases[r.name] = r.at;
        break;
      case 'process':
        h.processes.push({
          instanceId: r.instanceId,
          slot: r.slot,
          pid: r.pid,
          offsetMs: r.offsetMs,
          skewMs: r.offsetMs,
          skewMeasured: false,
        });
        break;
      case 'skew':
        skews.set(r.instanceId, r.skewMs);
        break;
      case 'signal':
        h.signals.push(r);
        break;
      case 'exit':
        h.exits.push(r);
        break;
      case 'store-up':
        h.storeUps.push(r.at);
        break;
      case 'fault': {
        const fault: FaultInfo = { id: r.id, kind: r.kind, target: r.target, at: r.at, durationMs: r.durationMs };
        if (r.mode !== undefined) fault.mode = r.mode;
        if (r.offsetMs !== undefined) fault.offsetMs = r.offsetMs;
        faults.set(r.id, fault);
        h.faults.push(fault);
        break;
      }
      case 'fault-end': {
        const fault = faults.get(r.id);
        if (fault) fault.endAt = r.at;
        break;
      }
      case 'fault-skipped':
        h.skippedFaults.push({ id: r.id, why: r.why });
        break;
      case 'write': {
        const { type: _type, ...write } = r;
        h.writes.push(write);
        break;
      }
    }
  }
  for (const p of h.processes) {
    const measured = skews.get(p.instanceId);
    if (measured !== undefined) {
      p.skewMs = measured;
      p.skewMeasured = true;
    }
  }
  const skewOf = new Map(h.processes.map((p) => [p.instanceId, p.skewMs]));
  for (const [instanceId, records] of instances) {
    const skew = skewOf.get(instanceId) ?? 0;
    for (const record of records) {
      const at = record.t - skew;
      h.events.push({ ...record, at, instanceId });
      if (record.type !== 'log' || record.context !== 'CoordinatedCron') continue;
      const line = parseLibraryLine(record.text);
      if (line.kind === 'unreadable') h.unreadable.push(`${instanceId}: ${line.why}: ${line.text}`);
      else if (line.kind !== 'other') h.lines.push({ at, instanceId, level: record.level, line });
    }
  }
  h.events.sort((a, b) => a.at - b.at);
  h.lines.sort((a, b) => a.at - b.at);
  h.writes.sort((a, b) => a.seq - b.seq);
  return h;
}

/** Reads a run directory written by the runner. */
export function loadHistory(dir: string): History {
  const unreadable: string[] = [];
  const runner = readJsonLines<RunnerRecord>(join(dir, RUNNER_FILE));
  if (runner.unreadable) unreadable.push(`${RUNNER_FILE}: ${runner.unreadable} line(s) not JSON`);
  const instances = new Map<string, InstanceRecord[]>();
  for (const name of readdirSync(join(dir, INSTANCES_DIR))) {
    if (!name.endsWith('.jsonl')) continue;
    const file = readJsonLines<InstanceRecord>(join(dir, INSTANCES_DIR, name));
    if (file.unreadable) unreadable.push(`${name}: ${file.unreadable} line(s) not JSON`);
    instances.set(name.slice(0, -'.jsonl'.length), file.records);
  }
  const history = historyFromRecords(runner.records, instances);
  history.unreadable.push(...unreadable);
  return history;
}
