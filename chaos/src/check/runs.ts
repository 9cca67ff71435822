import { type WriteResult } from '../lib/records';
import { type History } from './history';
import { type RunSummaryLine } from './log-lines';

/** One run that won a claim or a resume, as the records show it. */
export interface Run {
  runId: string;
  job: string;
  occurrence: string;
  occurrenceMs: number;
  instanceId: string;
  token: number;
  /** The first sign of the grant: the resume line, the tenant listing, or the first handler record. */
  grantAt: number;
  /** The earliest the grant may really have been: before `grantAt` by a lock timeout and any stop in between. */
  grantLo: number;
  /**
   * The latest the grant may really have been: `grantAt`, or earlier when a run that resumed this one was granted
   * before this one's first record (its holder was stopped right after the grant).
   */
  grantHi: number;
  /** The last record of the run (handler or library line). */
  lastAt: number;
  /** A handler call started (the plain body, or at least one tenant). */
  executed: boolean;
  firstBodyAt?: number;
  plainEnd?: WriteResult;
  tenantsStarted: Set<string>;
  summary?: RunSummaryLine;
  summaryAt?: number;
  attempt: number;
  resumedFrom?: string;
  catchup: boolean;
  leaseLostAt?: number;
  releaseFailed: boolean;
}

/** A skipped occurrence as one instance reported it. */
export interface Skip {
  at: number;
  instanceId: string;
  job: string;
  occurrence: string;
  occurrenceMs: number;
  reason: string;
  runId: string;
  /** A late run (catch-up) rather than a tick of the instance's own timer. */
  catchup: boolean;
}

export interface RunIndex {
  runs: Map<string, Run>;
  skips: Skip[];
  /** Summaries of runs that report an outcome other than a skip but with no fencing token: never expected. */
  tokenless: RunSummaryLine[];
}

export function indexRuns(h: History): RunIndex {
  const runs = new Map<string, Run>();
  const skips: Skip[] = [];
  const tokenless: RunSummaryLine[] = [];
  const touch = (
    at: number,
    instanceId: string,
    fields: { runId: string; job: string; occurrence: string; token: number },
  ): Run => {
    let run = runs.get(fields.runId);
    if (!run) {
      const occurrence = new Date(fields.occurrence).toISOString();
      run = {
        runId: fields.runId,
        job: fields.job,
        occurrence,
        occurrenceMs: Date.parse(occurrence),
        instanceId,
        token: fields.token,
        grantAt: at,
        grantLo: at,
        grantHi: at,
        lastAt: at,
        executed: false,
        tenantsStarted: new Set(),
        attempt: 1,
        catchup: false,
        releaseFailed: false,
      };
      runs.set(fields.runId, run);
    }
    run.grantAt = Math.min(run.grantAt, at);
    run.lastAt = Math.max(run.lastAt, at);
    if (!run.token && fields.token) run.token = fields.token;
    return run;
  };
  for (const e of h.events) {
    switch (e.type) {
      case 'grant':
        touch(e.at, e.instanceId, e);
        break;
      case 'plain-start':
      case 'tenant-start': {
        const run = touch(e.at, e.instanceId, e);
        run.executed = true;
        run.firstBodyAt = Math.min(run.firstBodyAt ?? e.at, e.at);
        if (e.type === 'tenant-start') run.tenantsStarted.add(e.tenant);
        break;
      }
      case 'plain-end':
        touch(e.at, e.instanceId, e).plainEnd = e.result;
        break;
      case 'tenant-end':
        touch(e.at, e.instanceId, e);
        break;
    }
  }
  for (const { at, instanceId, line } of h.lines) {
    switch (line.kind) {
      case 'resuming': {
        const run = touch(at, instanceId, {
          runId: line.runId,
          job: line.job,
          occurrence: line.occurrence,
          token: line.fence,
        });
        run.attempt = line.attempt;
        run.resumedFrom = line.resumedFrom;
        break;
      }
      case 'summary':
        if (line.outcome === 'skipped') {
          skips.push({
            at,
            instanceId,
            job: line.job,
            occurrence: line.occurrence,
            occurrenceMs: Date.parse(line.occurrence),
            reason: line.reason ?? '?',
            runId: line.runId,
            catchup: line.catchup,
          });
        } else if (line.fence > 0) {
          const run = touch(at, instanceId, {
            runId: line.runId,
            job: line.job,
            occurrence: line.occurrence,
            token: line.fence,
          });
          run.summary = line;
          run.summaryAt = at;
          run.attempt = line.attempt;
          if (line.resumedFrom) run.resumedFrom = line.resumedFrom;
          run.catchup = line.catchup;
        } else {
          tokenless.push(line);
        }
        break;
    }
  }
  // Second pass: these lines name a run by its id alone, which the first pass has made known.
  for (const { at, line } of h.lines) {
    if (line.kind !== 'lease-lost' && line.kind !== 'release-failed') continue;
    const run = runs.get(line.runId);
    if (!run) continue;
    if (line.kind === 'lease-lost') run.leaseLostAt = Math.min(run.leaseLostAt ?? at, at);
    else run.releaseFailed = true;
  }
  return { runs, skips, tokenless };
}

/** The order in which two runs were granted, as far as the history tells: by latest grant, then resume attempt. */
export const grantOrder = (a: Run, b: Run): number => a.grantHi - b.grantHi || a.attempt - b.attempt;

/** Whether `later` resumed `earlier`, directly or through runs that resumed one another: it was granted after it. */
export function resumedAfter(index: RunIndex, later: Run, earlier: Run): boolean {
  for (let run: Run | undefined = later, hops = 0; run?.resumedFrom && hops < 100; hops++) {
    if (run.resumedFrom === earlier.runId) return true;
    run = index.runs.get(run.resumedFrom);
  }
  return false;
}

/** Runs of each job and occurrence, in the order they were granted (call once grant bounds are known). */
export function runsByOccurrence(index: RunIndex): Map<string, Run[]> {
  const out = new Map<string, Run[]>();
  for (const run of index.runs.values()) {
    const key = occurrenceKey(run.job, run.occurrenceMs);
    const list = out.get(key) ?? [];
    list.push(run);
    out.set(key, list);
  }
  for (const list of out.values()) list.sort(grantOrder);
  return out;
}

export const occurrenceKey = (job: string, occurrenceMs: number): string => `${job}@${occurrenceMs}`;
