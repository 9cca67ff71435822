import { SETTINGS, type RunSettings } from '../config';
import {
  type InstanceRecord,
  type PhaseName,
  type RunnerRecord,
  type SentSignal,
  type WriteResult,
} from '../lib/records';
import { FenceTable } from '../runner/fence-table';
import { historyFromRecords, type History } from './history';

/** A made-up run: its id, tick, token and first record; `end` (when given) is when its summary line is logged. */
export interface MadeUpRun {
  runId: string;
  occurrence: number;
  token: number;
  start: number;
  end?: number;
  attempt?: number;
  resumedFrom?: string;
}

/** Midnight of a fixed day: made-up histories count their times in ms from here. */
export const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number): string => new Date(T0 + ms).toISOString();

/**
 * Makes up small histories for the checker's tests, record by record, as the runner and the instances would have
 * written them (library lines in the library's own format). Times are ms after `T0`. By default the fleet is ready at
 * 0, settles at 4000 and stops at 5000, and the due window holds the plain job's ticks 1000, 2000 and 3000.
 */
export class HistoryBuilder {
  readonly settings: RunSettings;
  private readonly runner: RunnerRecord[] = [];
  private readonly instances = new Map<string, InstanceRecord[]>();
  private readonly sink = new FenceTable();
  private seq = 0;

  constructor(
    overrides: Partial<RunSettings> = {},
    options: { persistence?: boolean; plannedFaults?: number; crashLossMs?: number } = {},
  ) {
    this.settings = { ...SETTINGS, dueFromMs: 1000, tailMs: 1000, ...overrides };
    const plan = Array.from({ length: options.plannedFaults ?? 0 }, (_, i) => ({
      id: i + 1,
      atMs: 0,
      kind: 'instance-kill' as const,
      durationMs: 0,
    }));
    this.runner.push({
      type: 'start',
      at: T0 - 1000,
      seed: 1,
      store: 'redis',
      storeLabel: 'made up',
      persistence: options.persistence ?? true,
      crashLossMs: options.crashLossMs ?? 2100,
      minutes: 0,
      settings: this.settings,
      plan,
      build: 'made up',
    });
  }

  get plain(): string {
    return this.settings.plain.name;
  }
  get perTenant(): string {
    return this.settings.perTenant.name;
  }

  phases(ready = 0, settled = 4000, stopped = 5000): this {
    const names: Array<[PhaseName, number]> = [
      ['ready', ready],
      ['faults-from', ready],
      ['faults-until', settled],
      ['settled', settled],
      ['stopped', stopped],
    ];
    for (const [name, at] of names) this.runner.push({ type: 'phase', at: T0 + at, name });
    return this;
  }

  process(instanceId: string, pid: number, offsetMs = 0): this {
    this.runner.push({
      type: 'process',
      at: T0 - 500,
      instanceId,
      slot: Number(instanceId.slice(1, 2)),
      pid,
      offsetMs,
    });
    this.runner.push({ type: 'skew', at: T0 - 400, instanceId, skewMs: offsetMs, rttMs: 1 });
    return this;
  }

  private add(instanceId: string, at: number, record: Record<string, unknown>): void {
    const list = this.instances.get(instanceId) ?? [];
    list.push({ t: T0 + at, ...record } as InstanceRecord);
    this.instances.set(instanceId, list);
  }

  line(instanceId: string, at: number, text: string, level = 'log'): this {
    this.add(instanceId, at, { type: 'log', level, context: 'CoordinatedCron', text });
    return this;
  }

  /** A write through the real fence rule, unless `accepted` forces the answer (a broken sink). */
  write(
    instanceId: string,
    at: number,
    w: { job: string; runId: string; occurrence: number; token: number; tenant?: string },
    accepted?: boolean,
  ): WriteResult {
    const verdict = this.sink.write(w.job, w.token);
    const ok = accepted ?? verdict.accepted;
    const record = {
      type: 'write',
      at: T0 + at,
      seq: ++this.seq,
      key: w.job,
      token: w.token,
      runId: w.runId,
      occurrence: iso(w.occurrence),
      instanceId,
      highestBefore: verdict.highestBefore,
      accepted: ok,
      ...(w.tenant ? { tenant: w.tenant } : {}),
      ...(ok ? {} : { why: 'lower-token' }),
    };
    this.runner.push(record as RunnerRecord);
    return ok ? 'accepted' : 'refused';
  }

  /** The fields every record of `run` carries; a resumed run's resume line comes first, as the library logs it. */
  private begin(instanceId: string, job: string, run: MadeUpRun) {
    if (run.attempt && run.attempt > 1) {
      const text =
        `job=${job} run=${run.runId} fence=${run.token} resuming occurrence=${iso(run.occurrence)} ` +
        `(attempt ${run.attempt}): run ${run.resumedFrom} stopped renewing its lease without finishing`;
      this.line(instanceId, run.start - 2, text, 'warn');
    }
    return { job, runId: run.runId, occurrence: iso(run.occurrence), token: run.token };
  }

  /** ` attempt=… resumed-from=…` of a resumed run's summary line. */
  private attempt(run: MadeUpRun): string {
    return run.attempt && run.attempt > 1 ? ` attempt=${run.attempt} resumed-from=${run.resumedFrom}` : '';
  }

  /**
   * A plain run: start record, one write, end record and its summary line at `end` (no end and no summary when the
   * holder died first: pass `end: undefined`).
   */
  plainRun(instanceId: string, run: MadeUpRun): this {
    const base = this.begin(instanceId, this.plain, run);
    this.add(instanceId, run.start, { type: 'plain-start', ...base });
    const result = this.write(instanceId, run.start + 1, {
      job: this.plain,
      runId: run.runId,
      occurrence: run.occurrence,
      token: run.token,
    });
    if (run.end === undefined) return this;
    this.add(instanceId, run.end, { type: 'plain-end', ...base, result });
    const attempt = this.attempt(run);
    const outcome = result === 'accepted' ? 'completed' : 'failed';
    return this.line(
      instanceId,
      run.end + 1,
      `job=${this.plain} run=${run.runId} fence=${run.token} occurrence=${iso(run.occurrence)} instance=${instanceId} outcome=${outcome}${attempt} duration=${run.end - run.start}ms`,
    );
  }

  /** A write by a run after its summary would have been logged: a holder that wakes and writes late. */
  lateWrite(
    instanceId: string,
    at: number,
    run: { runId: string; occurrence: number; token: number },
    accepted?: boolean,
  ): this {
    this.write(instanceId, at, { job: this.plain, ...run }, accepted);
    return this;
  }

  /** A skip summary line; `catchup` for a late run's. */
  skip(instanceId: string, at: number, occurrence: number, reason: string, job = this.plain, catchup = false): this {
    return this.line(
      instanceId,
      at,
      `job=${job} run=s${at}${instanceId} occurrence=${iso(occurrence)} instance=${instanceId} outcome=skipped reason=${reason}${catchup ? ' catchup=true' : ''} duration=0ms`,
      reason === 'duplicate' ? 'debug' : 'warn',
    );
  }

  /** A per-tenant run over `tenants`, one every `stepMs` from `start`; its summary only when `end` is given. */
  tenantRun(instanceId: string, run: MadeUpRun & { tenants: string[]; stepMs?: number }): this {
    const base = this.begin(instanceId, this.perTenant, run);
    this.add(instanceId, run.start - 1, { type: 'grant', ...base });
    run.tenants.forEach((tenant, i) => {
      const at = run.start + i * (run.stepMs ?? 10);
      this.add(instanceId, at, { type: 'tenant-start', ...base, tenant });
      const result = this.write(instanceId, at + 5, {
        job: this.perTenant,
        runId: run.runId,
        occurrence: run.occurrence,
        token: run.token,
        tenant,
      });
      this.add(instanceId, at + 6, { type: 'tenant-end', ...base, tenant, result });
    });
    if (run.end === undefined) return this;
    const n = run.tenants.length;
    const attempt = this.attempt(run);
    return this.line(
      instanceId,
      run.end,
      `job=${this.perTenant} run=${run.runId} fence=${run.token} occurrence=${iso(run.occurrence)} instance=${instanceId} outcome=completed${attempt} tenants=${n} succeeded=${n} failed=0 disabled=0 unprocessed=0 duration=${run.end - run.start}ms`,
    );
  }

  signal(target: string, pid: number, at: number, signal: SentSignal): this {
    this.runner.push({ type: 'signal', at: T0 + at, target, pid, signal });
    return this;
  }

  exit(target: string, pid: number, at: number, code: number | null, signal: string | null): this {
    this.runner.push({ type: 'exit', at: T0 + at, target, pid, code, signal });
    return this;
  }

  storeUp(at: number): this {
    this.runner.push({ type: 'store-up', at: T0 + at, pid: 99 });
    return this;
  }

  fault(
    id: number,
    at: number,
    kind: 'instance-kill' | 'instance-pause' | 'store-pause' | 'store-restart' | 'instance-clock',
    target: string,
  ): this {
    this.runner.push({ type: 'fault', at: T0 + at, id, kind, target, durationMs: 0 });
    return this;
  }

  record(instanceId: string, at: number, record: Record<string, unknown>): this {
    this.add(instanceId, at, record);
    return this;
  }

  build(): History {
    return historyFromRecords(this.runner, this.instances);
  }
}
