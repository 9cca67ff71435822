/**
 * Wall-clock time in IANA time zones, from the platform's own zone data (`Intl`): how far a zone's clock is from UTC
 * at an instant, and at which instant a zone's clock shows a given wall time, with the two rules a local schedule needs
 * on days the clocks change. Wall times are written as if they were UTC instants (`Date.UTC(y, m, d, h, mi, s)`).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  return format;
}

/** Whether `zone` is a time zone this platform knows (an IANA name or alias). */
export function isTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || zone === '') return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The zone of this process, as `Intl` resolves it. */
export function processTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Milliseconds the zone's clock is ahead of UTC at `instantMs` (whole seconds; negative west of Greenwich). */
export function offsetMs(zone: string, instantMs: number): number {
  const seconds = Math.floor(instantMs / 1000) * 1000;
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of formatter(zone).formatToParts(seconds)) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        hour = Number(part.value);
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      case 'second':
        second = Number(part.value);
        break;
    }
  }
  return Date.UTC(year, month - 1, day, hour, minute, second) - seconds;
}

/** The wall time the zone's clock shows at `instantMs`. */
export function wallAt(zone: string, instantMs: number): number {
  return instantMs + offsetMs(zone, instantMs);
}

/** A day each side: no zone changes its clock twice that close together. */
const AROUND_MS = 26 * 60 * 60 * 1000;

/**
 * The instant at which the zone's clock shows `wallMs`. A wall time the clock shows twice (the hour repeated when the
 * clocks go back) is its first instance; one it never shows (skipped when the clocks go forward) becomes the first
 * instant after the gap, the moment the clock jumps.
 */
export function instantOfWall(zone: string, wallMs: number): number {
  const before = offsetMs(zone, wallMs - AROUND_MS);
  const after = offsetMs(zone, wallMs + AROUND_MS);
  let first: number | undefined;
  for (const offset of before === after ? [before] : [before, after]) {
    const instant = wallMs - offset;
    if (offsetMs(zone, instant) === offset && (first === undefined || instant < first)) first = instant;
  }
  if (first !== undefined) return first;
  // In a gap: the clock jumps from before the wall time to after it at some instant between these two.
  return transitionBetween(zone, wallMs - after, wallMs - before, before);
}

/** The first instant in `(from, to]` at which the zone's offset is no longer `offsetBefore` (to the second). */
export function transitionBetween(zone: string, from: number, to: number, offsetBefore: number): number {
  let low = Math.floor(from / 1000) * 1000;
  let high = Math.ceil(to / 1000) * 1000;
  while (high - low > 1000) {
    const middle = low + Math.floor((high - low) / 2000) * 1000;
    if (offsetMs(zone, middle) === offsetBefore) low = middle;
    else high = middle;
  }
  return high;
}
