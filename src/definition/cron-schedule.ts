import { validateCronExpression } from 'cron';
import { CronExpressionParser } from 'cron-parser';
import { type Schedule } from './schedule.js';

/**
 * Pure window math over one cron schedule. Every instant the library claims comes from here, so all instances
 * agree on an occurrence however late their timers fire.
 */
export class CronSchedule implements Schedule {
  /**
   * Two consecutive ticks, remembered so the hot path of a tick (which occurrence is this? when does the next
   * window open?) costs no parsing: `prepare()` fills it ahead of time, off that path.
   */
  private known?: { start: number; end: number };

  private constructor(
    readonly expression: string,
    readonly timeZone: string | undefined,
  ) {}

  /**
   * Parses and validates `expression` (5 fields, 6 with seconds first, or an `@alias`) in `timeZone`.
   * Throws an `Error` whose message says what is wrong.
   */
  static parse(expression: string, timeZone?: string): CronSchedule {
    if (typeof expression !== 'string' || expression.trim() === '') {
      throw new Error('the cron expression is empty');
    }
    const trimmed = expression.trim();
    const fields = trimmed.split(/\s+/).length;
    if (!trimmed.startsWith('@') && fields !== 5 && fields !== 6) {
      throw new Error(`a cron expression has 5 or 6 fields, "${trimmed}" has ${fields}`);
    }
    if (timeZone !== undefined) {
      assertTimeZone(timeZone);
    }
    // The job is registered as a CronJob of the `cron` package, whose parser knows less syntax (no L, #, ?).
    const registrable = validateCronExpression(trimmed);
    if (!registrable.valid) {
      throw new Error(`${registrable.error?.message ?? 'rejected'} (the scheduler's cron package cannot run it)`);
    }
    const schedule = new CronSchedule(trimmed, timeZone);
    // Parsing alone accepts some impossible dates; asking for one tick proves the schedule fires at all.
    schedule.next(new Date());
    return schedule;
  }

  /** The first tick strictly after `after`. */
  next(after: Date): Date {
    const known = this.knownAround(after);
    return known ? new Date(known.end) : this.iterate(after).next().toDate();
  }

  /** The latest tick at or before `at`: the occurrence whose window `at` falls in. */
  occurrenceAt(at: Date): Date {
    const known = this.knownAround(at);
    if (known) return new Date(known.start);
    let tick = this.iterate(new Date(at.getTime() + 1))
      .prev()
      .toDate();
    // Around a DST gap, prev() can step over a tick that next() produces; walk forward so both agree.
    let later = this.next(tick);
    while (later.getTime() <= at.getTime()) {
      tick = later;
      later = this.next(later);
    }
    this.known = { start: tick.getTime(), end: later.getTime() };
    return tick;
  }

  /**
   * Works out the tick after `after` and the one after that now, so that handling the coming tick needs no
   * parsing. Returns the coming tick.
   */
  prepare(after: Date): Date {
    const start = this.iterate(after).next().toDate();
    this.known = { start: start.getTime(), end: this.iterate(start).next().getTime() };
    return start;
  }

  /** The shortest gap between consecutive ticks among the next `ticks` ticks after `from`, in ms. */
  shortestGap(from: Date, ticks: number): number {
    const iterator = this.iterate(from);
    let previous = iterator.next().getTime();
    let shortest = Number.POSITIVE_INFINITY;
    for (let i = 1; i < ticks; i++) {
      const current = iterator.next().getTime();
      shortest = Math.min(shortest, current - previous);
      previous = current;
    }
    return shortest;
  }

  private knownAround(at: Date): { start: number; end: number } | undefined {
    const known = this.known;
    const ms = at.getTime();
    return known && known.start <= ms && ms < known.end ? known : undefined;
  }

  private iterate(currentDate: Date) {
    return CronExpressionParser.parse(this.expression, { currentDate, tz: this.timeZone });
  }
}

function assertTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new Error(`"${timeZone}" is not an IANA time zone`);
  }
}

/** A fresh uniform delay in `[0, windowMs)`: each instance draws its own, every occurrence. */
export function randomDelay(windowMs: number, random: () => number = Math.random): number {
  return windowMs > 0 ? Math.floor(random() * windowMs) : 0;
}
