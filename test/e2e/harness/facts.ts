import { type JobRunRow, type Scenario } from './scenario.js';
import { type RunLine } from './sample-process.js';

export const LOG_CLEANUP = 'log-cleanup';
export const ANNOUNCEMENT_CLEANUP = 'announcement-cleanup';
export const BILLING_ARCHIVE = 'billing-archive';
export const AUTOMATION_SCHEDULER = 'automation-scheduler';
/** Registered only when SAMPLE_JOBS names it: runs each account by its own clock. */
export const DAILY_DIGEST = 'daily-digest';
export const ALL_JOBS = [LOG_CLEANUP, ANNOUNCEMENT_CLEANUP, BILLING_ARCHIVE, AUTOMATION_SCHEDULER];
export const TENANT_JOBS = [LOG_CLEANUP, BILLING_ARCHIVE];

export const SKIPPED_AS_TAKEN = new Set(['duplicate', 'overlap']);

/** The first tick of a `periodMs` schedule strictly after `at`. */
export function tickAfter(at: number, periodMs: number): number {
  return (Math.floor(at / periodMs) + 1) * periodMs;
}

export function ticksBetween(from: number, to: number, periodMs: number): number[] {
  const ticks: number[] = [];
  for (let tick = from; tick <= to; tick += periodMs) ticks.push(tick);
  return ticks;
}

export const iso = (ms: number) => new Date(ms).toISOString();

/** Tenants a per-tenant job should reach: active accounts without a disabling setting. */
export function enabledAccounts(scenario: Scenario, job: string): string[] {
  return scenario
    .database()
    .prepare(
      `SELECT id FROM accounts WHERE active = 1 AND id NOT IN
         (SELECT account_id FROM account_job_settings WHERE job_name = ? AND enabled = 0)
       ORDER BY id`,
    )
    .pluck()
    .all(job) as string[];
}

/** Distinct finished occurrences per job since `fromIso`. */
export function finishedOccurrenceCounts(scenario: Scenario, fromIso: string): Map<string, number> {
  const rows = scenario
    .database()
    .prepare(
      `SELECT job_name AS job, COUNT(DISTINCT occurrence) AS n FROM job_runs
       WHERE occurrence >= ? AND status <> 'running' GROUP BY job_name`,
    )
    .all(fromIso) as Array<{ job: string; n: number }>;
  return new Map(rows.map((row) => [row.job, row.n]));
}

export function groupByOccurrence(rows: JobRunRow[]): Map<string, JobRunRow[]> {
  const groups = new Map<string, JobRunRow[]>();
  for (const row of rows) {
    const key = `${row.job_name}@${row.occurrence}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return groups;
}

export function linesFor(lines: RunLine[], job: string, occurrence: string): RunLine[] {
  return lines.filter((line) => line.job === job && line.occurrence === occurrence);
}

/** Old log rows: every seeded old row is 90+ days old and every retention is at most 30 days. */
export function oldLogRowsByAccount(scenario: Scenario): Map<string, number> {
  const cutoff = Date.now() - 30 * 24 * 60 * 60 * 1000;
  const rows = scenario
    .database()
    .prepare('SELECT account_id AS id, COUNT(*) AS n FROM logs WHERE created_at < ? GROUP BY account_id')
    .all(cutoff) as Array<{ id: string; n: number }>;
  return new Map(rows.map((row) => [row.id, row.n]));
}

/** Fails with a count and the first few problems, instead of a wall of diff lines. */
export function expectNone(what: string, problems: string[]): void {
  expect({ [what]: problems.length, first: problems.slice(0, 15) }).toEqual({ [what]: 0, first: [] });
}
