/**
 * The test's own reading of a zone's wall clock (through Intl, not through the library), and the few cron shapes the
 * local-time e2e builds from it: an oracle of which tenants are due at an instant that shares no code with the
 * library's schedule.
 */

export interface WallTime {
  hour: number;
  minute: number;
  second: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

export function wallTime(zone: string, at: number): WallTime {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hourCycle: 'h23',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(zone, format);
  }
  const part = (type: string) => Number(format.formatToParts(at).find((p) => p.type === type)!.value);
  return { hour: part('hour'), minute: part('minute'), second: part('second') };
}

/** A six-field cron `*\/<everySeconds> <minutes> <hours> * * *`, read on a wall clock; `'*'` is any value. */
export class LocalCron {
  constructor(
    readonly everySeconds: number,
    readonly minutes: number[] | '*',
    readonly hours: number[] | '*',
  ) {}

  /** Every `everySeconds` s during hours `hours` of `zone`'s clock, from the hour it shows at `at`. */
  static duringHours(everySeconds: number, zone: string, at: number, count: number): LocalCron {
    const { hour } = wallTime(zone, at);
    return new LocalCron(everySeconds, '*', range(hour, count, 24));
  }

  /** Every `everySeconds` s during minutes `minutes` of any hour of `zone`'s clock, from the minute it shows at `at`. */
  static duringMinutes(everySeconds: number, zone: string, at: number, count: number): LocalCron {
    const { minute } = wallTime(zone, at);
    return new LocalCron(everySeconds, range(minute, count, 60), '*');
  }

  toString(): string {
    const list = (values: number[] | '*') => (values === '*' ? '*' : values.join(','));
    return `*/${this.everySeconds} ${list(this.minutes)} ${list(this.hours)} * * *`;
  }

  /** Whether the cron is due at instant `at` by `zone`'s clock. */
  dueIn(zone: string, at: number): boolean {
    if (at % 1000 !== 0) return false;
    const { hour, minute, second } = wallTime(zone, at);
    return (
      second % this.everySeconds === 0 &&
      (this.minutes === '*' || this.minutes.includes(minute)) &&
      (this.hours === '*' || this.hours.includes(hour))
    );
  }

  /** Whether it is due in any of `zones` at `at`: a tick of the fleet's timer. */
  tickOf(zones: readonly string[], at: number): boolean {
    return zones.some((zone) => this.dueIn(zone, at));
  }

  /** Its ticks for `zones` in `(from, to]`. */
  ticksBetween(zones: readonly string[], from: number, to: number): number[] {
    const ticks: number[] = [];
    for (let at = Math.floor(from / 1000) * 1000 + 1000; at <= to; at += 1000) {
      if (this.tickOf(zones, at)) ticks.push(at);
    }
    return ticks;
  }
}

function range(start: number, count: number, modulo: number): number[] {
  return Array.from({ length: count }, (_, i) => (start + i) % modulo);
}
