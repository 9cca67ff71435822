/**
 * Reads the library's run lines (README, "Logs and job identity") back into facts. Only the lines the checker needs
 * are parsed; a line that looks like a run summary but cannot be read is returned as `unreadable`, which the checker
 * counts as a failure: a format change must not quietly turn reports into nothing.
 */
export type RunOutcome = 'completed' | 'failed' | 'skipped' | 'interrupted';

export interface RunSummaryLine {
  kind: 'summary';
  job: string;
  runId: string;
  fence: number;
  occurrence: string;
  instance: string;
  outcome: RunOutcome;
  reason?: string;
  attempt: number;
  resumedFrom?: string;
  catchup: boolean;
  tenants?: { total: number; succeeded: number; failed: number; disabled: number; unprocessed: number };
  error?: string;
}

export type LibraryLine =
  | RunSummaryLine
  | {
      kind: 'resuming';
      job: string;
      runId: string;
      fence: number;
      occurrence: string;
      attempt: number;
      resumedFrom: string;
    }
  | { kind: 'interrupted'; job: string; runId: string; unprocessed: string[]; cutOff: string[] }
  | { kind: 'pending-first'; job: string; runId: string; tenants: string[] }
  | { kind: 'pending-write-failed'; job: string; runId: string; tenants: string[] }
  | { kind: 'lease-lost'; job: string; runId: string; reason: string }
  | { kind: 'release-failed'; job: string; runId: string }
  | { kind: 'catching-up'; job: string; occurrences: string[] }
  | { kind: 'other' }
  | { kind: 'unreadable'; text: string; why: string };

const TAG = /^job=(\S+) run=(\S+)(?: fence=(\d+))?(?: tenant=\S+)? (.*)$/s;
const OUTCOMES = new Set<RunOutcome>(['completed', 'failed', 'skipped', 'interrupted']);

const ids = (list: string): string[] => (list.trim() === '' ? [] : list.trim().split(','));

/** `key=value` pairs of a summary line, up to its free-text `error=` part. */
function pairs(text: string): { fields: Map<string, string>; error?: string } {
  const at = text.indexOf(' error=');
  const head = at >= 0 ? text.slice(0, at) : text;
  const fields = new Map<string, string>();
  for (const token of head.split(' ')) {
    const eq = token.indexOf('=');
    if (eq > 0) fields.set(token.slice(0, eq), token.slice(eq + 1));
  }
  let error: string | undefined;
  if (at >= 0) {
    const raw = text.slice(at + ' error='.length);
    try {
      error = JSON.parse(raw) as string;
    } catch {
      error = raw;
    }
  }
  return { fields, error };
}

function summary(job: string, runId: string, fence: number, rest: string, text: string): LibraryLine {
  const { fields, error } = pairs(rest);
  const occurrence = fields.get('occurrence');
  const instance = fields.get('instance');
  const outcome = fields.get('outcome') as RunOutcome | undefined;
  if (!occurrence || Number.isNaN(Date.parse(occurrence)) || !instance || !outcome || !OUTCOMES.has(outcome)) {
    return { kind: 'unreadable', text, why: 'a run summary without a readable occurrence, instance or outcome' };
  }
  const line: RunSummaryLine = {
    kind: 'summary',
    job,
    runId,
    fence,
    occurrence: new Date(occurrence).toISOString(),
    instance,
    outcome,
    attempt: Number(fields.get('attempt') ?? 1),
    catchup: fields.get('catchup') === 'true',
  };
  const reason = fields.get('reason');
  if (reason) line.reason = reason;
  const from = fields.get('resumed-from');
  if (from && from !== '-') line.resumedFrom = from;
  if (fields.has('tenants')) {
    const n = (key: string) => Number(fields.get(key) ?? NaN);
    line.tenants = {
      total: n('tenants'),
      succeeded: n('succeeded'),
      failed: n('failed'),
      disabled: n('disabled'),
      unprocessed: n('unprocessed'),
    };
  }
  if (error !== undefined) line.error = error;
  if (outcome === 'skipped' && !line.reason) return { kind: 'unreadable', text, why: 'a skipped run without a reason' };
  return line;
}

export function parseLibraryLine(text: string): LibraryLine {
  const catching = /^job=(\S+) run=- catching up \d+ missed occurrence\(s\) since \S+: (.*)$/s.exec(text);
  if (catching) return { kind: 'catching-up', job: catching[1], occurrences: ids(catching[2]) };
  const tag = TAG.exec(text);
  if (!tag) return { kind: 'other' };
  const [, job, runId, fenceText, rest] = tag;
  const fence = Number(fenceText ?? 0);
  if (rest.startsWith('occurrence=') && rest.includes(' outcome=')) return summary(job, runId, fence, rest, text);
  let m = /^resuming occurrence=(\S+) \(attempt (\d+)\): run (\S+) /.exec(rest);
  if (m) {
    return {
      kind: 'resuming',
      job,
      runId,
      fence,
      occurrence: new Date(m[1]).toISOString(),
      attempt: Number(m[2]),
      resumedFrom: m[3],
    };
  }
  m = /^interrupted: unprocessed=\d+ ids=(\S*)(?: cut-off=\d+ cut-off-ids=(\S*))?/.exec(rest);
  if (m) return { kind: 'interrupted', job, runId, unprocessed: ids(m[1]), cutOff: ids(m[2] ?? '') };
  m = /^\d+ tenant\(s\) left unprocessed by an earlier run go first: (\S*)/.exec(rest);
  if (m) return { kind: 'pending-first', job, runId, tenants: ids(m[1]) };
  m = /^could not store \d+ unprocessed tenant\(s\) in the pending set .*; they are: (\S*)$/s.exec(rest);
  if (m) return { kind: 'pending-write-failed', job, runId, tenants: ids(m[1]) };
  m = /^running lease lost \((.*)\);/s.exec(rest);
  if (m) return { kind: 'lease-lost', job, runId, reason: m[1] };
  if (rest.startsWith('could not release its running lease')) return { kind: 'release-failed', job, runId };
  return { kind: 'other' };
}
