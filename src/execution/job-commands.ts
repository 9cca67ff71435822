import { GAP_SAMPLE_TICKS } from '../common/constants.js';
import { parseDuration } from '../common/duration.js';
import { parseSchedule } from '../definition/job-definition.factory.js';
import { type JobDefinition } from '../definition/job-definition.js';
import { isTimeZone } from '../definition/time-zones.js';
import { type JobPause, type ScheduleOverride } from '../interfaces/index.js';
import { InvalidJobCommandError } from './errors/job-control.errors.js';

/** Options of `CoordinatedCronRunner.pause` and `pauseTenant`. */
export interface PauseOptions {
  /** Shown in `describe()` and the admin page. */
  reason?: string;
  /** Resumes by itself then: a Date, an ISO date string, or a duration from now (`'2h'`, `'30m'`). */
  until?: Date | string;
}

/** Options of `CoordinatedCronRunner.reschedule`: what it leaves out stays as the code says. */
export interface RescheduleOptions {
  cron?: string;
  /** Window length: ms or a duration string (`'90s'`). */
  jitter?: number | string;
  timeZone?: string;
  /** Shown in `describe()` and the admin page. */
  reason?: string;
}

const MAX_REASON_LENGTH = 500;

/**
 * The pause record an operator's command stores, checked: a reason of at most 500 characters, an `until` in the
 * future. `command` names the call in the error (`pause("billing")`). Throws `InvalidJobCommandError`.
 */
export function pauseRecordOf(command: string, options: PauseOptions, now: number, by: string): JobPause {
  const record: JobPause = { since: new Date(now).toISOString(), by };
  const reason = reasonOf(command, options.reason);
  if (reason !== undefined) record.reason = reason;
  if (options.until !== undefined) {
    const until = resolveUntil(options.until, now);
    if (until === undefined) {
      throw new InvalidJobCommandError(
        `${command}: until ${JSON.stringify(options.until)} is neither a date nor a duration such as '2h'`,
      );
    }
    if (until <= now) throw new InvalidJobCommandError(`${command}: until must be in the future`);
    record.until = new Date(until).toISOString();
  }
  return record;
}

/**
 * The override a `reschedule` stores, checked against the job before anything is stored: a cron that parses (in
 * its zone, or in every zone for a local-time job), a known zone, a jitter shorter than the gap between two ticks,
 * and at least one of them. Throws `InvalidJobCommandError` naming what is wrong.
 */
export function scheduleOverrideOf(job: JobDefinition, options: RescheduleOptions, by: string): ScheduleOverride {
  const command = `reschedule("${job.name}")`;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidJobCommandError(
      `${command}: give { cron?, jitter?, timeZone?, reason? }, or null to go back to the code's schedule`,
    );
  }
  const known = ['cron', 'jitter', 'timeZone', 'reason'];
  for (const key of Object.keys(options)) {
    if (!known.includes(key))
      throw new InvalidJobCommandError(`${command}: unknown field ${key}; the fields are ${known.join(', ')}`);
  }
  const { cron, jitter, timeZone } = options;
  if (cron === undefined && jitter === undefined && timeZone === undefined) {
    throw new InvalidJobCommandError(
      `${command}: give a cron, a jitter or a timeZone (null goes back to the code's schedule)`,
    );
  }
  if (cron !== undefined && (typeof cron !== 'string' || cron.trim() === '')) {
    throw new InvalidJobCommandError(`${command}: cron must be a non-empty string such as '*/15 * * * *'`);
  }
  if (timeZone !== undefined && !isTimeZone(timeZone)) {
    throw new InvalidJobCommandError(`${command}: "${String(timeZone)}" is not an IANA time zone`);
  }
  let schedule;
  try {
    schedule = parseSchedule(cron ?? job.cron, timeZone ?? job.timeZone, job.perTenant?.localTime === true);
  } catch (error) {
    throw new InvalidJobCommandError(`${command}: invalid cron ${JSON.stringify(cron)}: ${(error as Error).message}`);
  }
  const override: ScheduleOverride = { by };
  if (cron !== undefined) override.cron = cron.trim();
  if (timeZone !== undefined) override.timeZone = timeZone;
  if (jitter !== undefined) {
    const jitterMs = typeof jitter === 'number' || typeof jitter === 'string' ? parseDuration(jitter) : undefined;
    if (jitterMs === undefined) {
      throw new InvalidJobCommandError(
        `${command}: jitter ${JSON.stringify(jitter)} is neither ms nor a duration such as '90s'`,
      );
    }
    override.jitterMs = jitterMs;
  }
  const jitterMs = override.jitterMs ?? job.jitterMs;
  if (jitterMs > 0) {
    const gap = schedule.shortestGap(new Date(), GAP_SAMPLE_TICKS);
    if (jitterMs >= gap) {
      throw new InvalidJobCommandError(
        `${command}: a jitter of ${jitterMs}ms is not shorter than the ${gap}ms between two ticks; windows would overlap`,
      );
    }
  }
  const reason = reasonOf(command, options.reason);
  if (reason !== undefined) override.reason = reason;
  return override;
}

function reasonOf(command: string, reason: unknown): string | undefined {
  if (reason === undefined) return undefined;
  if (typeof reason !== 'string' || reason.length > MAX_REASON_LENGTH) {
    throw new InvalidJobCommandError(`${command}: reason must be a string of at most ${MAX_REASON_LENGTH} characters`);
  }
  return reason.trim() === '' ? undefined : reason.trim();
}

function resolveUntil(until: Date | string, now: number): number | undefined {
  if (until instanceof Date) return Number.isNaN(until.getTime()) ? undefined : until.getTime();
  if (typeof until !== 'string' || until.trim() === '') return undefined;
  const duration = parseDuration(until);
  if (duration !== undefined) return now + duration;
  // Only full ISO dates: Date.parse alone accepts too many loose forms.
  if (!/^\d{4}-\d{2}-\d{2}T/.test(until.trim())) return undefined;
  const at = Date.parse(until);
  return Number.isNaN(at) ? undefined : at;
}
