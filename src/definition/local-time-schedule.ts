import { CronExpressionParser } from 'cron-parser';
import { CronSchedule } from './cron-schedule.js';
import { type Schedule } from './schedule.js';
import { instantOfWall, offsetMs } from './time-zones.js';
import { ZoneGroups } from './zone-groups.js';

/** A day each side of an instant covers any clock change near it. */
const AROUND_MS = 26 * 60 * 60 * 1000;
/** Groups are made from a little before now, so that recent catch-up and backfills are placed by the same groups. */
const GROUPS_LOOK_BACK_MS = 40 * 24 * 60 * 60 * 1000;
/** A cron expression always matches again within this many wall ticks of where a search starts (a repeated hour). */
const MAX_STEPS = 100_000;

let sharedGroups: ZoneGroups | undefined;

/** The zone groups of this process, made on first use and again once the horizon is near. */
function groupsAround(instant: number): ZoneGroups {
  const groups = sharedGroups;
  if (groups && instant >= groups.from && instant < groups.until - GROUPS_LOOK_BACK_MS) return groups;
  sharedGroups = ZoneGroups.build(Math.min(instant, Date.now()) - GROUPS_LOOK_BACK_MS);
  return sharedGroups;
}

/**
 * A cron expression read in every time zone at once: its occurrences are the instants at which it is due in some zone,
 * by that zone's wall clock. A daily `0 9 * * *` is due at 09:00 in Tokyo, then in Kolkata (at 03:30 UTC), then in
 * Berlin, and so on: a few dozen instants a day. On a day a zone's clocks go forward, a wall time it skips is due at
 * the first instant after the gap; a wall time it shows twice when they go back is due at its first instance only.
 * `timeZone` is the zone of tenants that name none.
 */
export class LocalTimeSchedule implements Schedule {
  private known?: { start: number; end: number };
  /**
   * Per group, the last answer of `nextIn`: for any instant in `[from, next)` the group's next instant is `next`.
   * Successive ticks move on by one instant, so each asks only the group that was due again.
   */
  private nextByGroup: Array<{ from: number; next: number } | undefined> = [];
  private cachedFor?: ZoneGroups;

  private constructor(
    readonly expression: string,
    readonly timeZone: string | undefined,
  ) {}

  /** Validates `expression` and `timeZone` as `CronSchedule.parse` does. Throws an `Error` saying what is wrong. */
  static parse(expression: string, timeZone?: string): LocalTimeSchedule {
    const plain = CronSchedule.parse(expression, timeZone);
    return new LocalTimeSchedule(plain.expression, timeZone);
  }

  next(after: Date): Date {
    const known = this.knownAround(after.getTime());
    if (known) return new Date(known.end);
    const at = after.getTime();
    const groups = groupsAround(at);
    let soonest = Number.POSITIVE_INFINITY;
    for (let index = 0; index < groups.groups.length; index++) {
      soonest = Math.min(soonest, this.nextInGroup(groups, index, at));
    }
    return new Date(soonest);
  }

  occurrenceAt(at: Date): Date {
    const known = this.knownAround(at.getTime());
    if (known) return new Date(known.start);
    const ms = at.getTime();
    let latest = Number.NEGATIVE_INFINITY;
    for (const group of groupsAround(ms).groups) latest = Math.max(latest, this.previousIn(group.representative, ms));
    const end = this.next(new Date(latest)).getTime();
    this.known = { start: latest, end };
    return new Date(latest);
  }

  prepare(after: Date): Date {
    this.known = undefined;
    const start = this.next(after).getTime();
    const end = this.next(new Date(start)).getTime();
    this.known = { start, end };
    return new Date(start);
  }

  shortestGap(from: Date, ticks: number): number {
    let previous = this.next(from).getTime();
    let shortest = Number.POSITIVE_INFINITY;
    for (let i = 1; i < ticks; i++) {
      const current = this.next(new Date(previous)).getTime();
      shortest = Math.min(shortest, current - previous);
      previous = current;
    }
    return shortest;
  }

  /** The zone groups due at `instant` (one of this schedule's occurrences), as indexes into `groupsAt(instant)`. */
  dueGroups(instant: Date): Set<number> {
    const at = instant.getTime();
    const groups = groupsAround(at);
    const due = new Set<number>();
    for (let index = 0; index < groups.groups.length; index++) {
      if (this.nextInGroup(groups, index, at - 1) === at) due.add(index);
    }
    return due;
  }

  /** The groups every zone is placed in around `instant`. */
  groupsAt(instant: Date): ZoneGroups {
    return groupsAround(instant.getTime());
  }

  /** Every zone the schedule is due in at `instant`, sorted. */
  dueZones(instant: Date): string[] {
    const groups = groupsAround(instant.getTime()).groups;
    return [...this.dueGroups(instant)].flatMap((index) => groups[index].zones).sort();
  }

  /** The next `count` occurrences in one zone, as instants. */
  nextRuns(zone: string, after: Date, count: number): Date[] {
    const runs: Date[] = [];
    for (let at = after.getTime(); runs.length < count;) {
      at = this.nextIn(zone, at);
      runs.push(new Date(at));
    }
    return runs;
  }

  private nextInGroup(groups: ZoneGroups, index: number, after: number): number {
    if (this.cachedFor !== groups) {
      this.cachedFor = groups;
      this.nextByGroup = [];
    }
    const cached = this.nextByGroup[index];
    if (cached && cached.from <= after && after < cached.next) return cached.next;
    const next = this.nextIn(groups.groups[index].representative, after);
    this.nextByGroup[index] = { from: after, next };
    return next;
  }

  /** The first instant after `after` at which the expression is due by `zone`'s clock. */
  private nextIn(zone: string, after: number): number {
    // No wall tick earlier than this can land after `after`, whatever clock change lies ahead.
    const start = after + Math.min(offsetMs(zone, after), offsetMs(zone, after + AROUND_MS));
    const walls = this.wallTicks(start - 1);
    for (let step = 0; step < MAX_STEPS; step++) {
      const instant = instantOfWall(zone, walls.next().getTime());
      if (instant > after) return instant;
    }
    throw new Error(`"${this.expression}" is not due in ${zone} after ${new Date(after).toISOString()}`);
  }

  /** The latest instant at or before `at` at which the expression is due by `zone`'s clock. */
  private previousIn(zone: string, at: number): number {
    const start = at + Math.max(offsetMs(zone, at), offsetMs(zone, at - AROUND_MS));
    const walls = this.wallTicks(start + 1);
    for (let step = 0; step < MAX_STEPS; step++) {
      const instant = instantOfWall(zone, walls.prev().getTime());
      if (instant <= at) return instant;
    }
    throw new Error(`"${this.expression}" was not due in ${zone} before ${new Date(at).toISOString()}`);
  }

  /** The expression's ticks as wall times: read in UTC, where wall time and instant are the same number. */
  private wallTicks(from: number) {
    return CronExpressionParser.parse(this.expression, { currentDate: new Date(from), tz: 'UTC' });
  }

  private knownAround(ms: number): { start: number; end: number } | undefined {
    const known = this.known;
    return known && known.start <= ms && ms < known.end ? known : undefined;
  }
}
