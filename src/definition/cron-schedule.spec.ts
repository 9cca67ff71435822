import { jest } from '@jest/globals';
import { CronSchedule, randomDelay } from './cron-schedule.js';

const at = (iso: string) => new Date(iso);
const iso = (date: Date) => date.toISOString();

describe('CronSchedule.parse', () => {
  it('accepts 5 fields, 6 fields and @aliases', () => {
    expect(CronSchedule.parse('0 3 * * *', 'UTC').expression).toBe('0 3 * * *');
    expect(CronSchedule.parse('  */10 * * * * *  ', 'UTC').expression).toBe('*/10 * * * * *');
    expect(iso(CronSchedule.parse('@daily', 'UTC').next(at('2026-01-01T05:00:00Z')))).toBe('2026-01-02T00:00:00.000Z');
  });

  it.each([
    ['', 'empty'],
    ['* * * *', 'has 4'],
    ['* * * * * * *', 'has 7'],
    ['61 * * * *', '61'],
    ['0 0 31 2 *', 'day of month'],
  ])('rejects %p with a reason', (expression, reason) => {
    expect(() => CronSchedule.parse(expression, 'UTC')).toThrow(reason);
  });

  it('rejects a time zone that is not IANA', () => {
    expect(() => CronSchedule.parse('0 3 * * *', 'Europe/Atlantis')).toThrow(
      '"Europe/Atlantis" is not an IANA time zone',
    );
  });
});

describe('CronSchedule window math (UTC)', () => {
  const daily = CronSchedule.parse('0 3 * * *', 'UTC');
  const tenSeconds = CronSchedule.parse('*/10 * * * * *', 'UTC');

  it('maps an instant exactly on a tick to that tick', () => {
    expect(iso(daily.occurrenceAt(at('2026-01-15T03:00:00.000Z')))).toBe('2026-01-15T03:00:00.000Z');
    expect(iso(tenSeconds.occurrenceAt(at('2026-01-01T00:00:10.000Z')))).toBe('2026-01-01T00:00:10.000Z');
  });

  it('maps an instant between ticks to the latest tick before it', () => {
    expect(iso(daily.occurrenceAt(at('2026-01-15T02:59:59.999Z')))).toBe('2026-01-14T03:00:00.000Z');
    expect(iso(daily.occurrenceAt(at('2026-01-15T03:00:00.001Z')))).toBe('2026-01-15T03:00:00.000Z');
    expect(iso(daily.occurrenceAt(at('2026-01-15T23:00:00Z')))).toBe('2026-01-15T03:00:00.000Z');
    expect(iso(tenSeconds.occurrenceAt(at('2026-01-01T00:00:19.999Z')))).toBe('2026-01-01T00:00:10.000Z');
  });

  it('gives every instant of one window the same occurrence, so late timers still compete for one key', () => {
    const occurrences = new Set<string>();
    for (let offset = 0; offset < 10_000; offset += 437) {
      occurrences.add(iso(tenSeconds.occurrenceAt(new Date(Date.parse('2026-01-01T00:00:20Z') + offset))));
    }
    expect([...occurrences]).toEqual(['2026-01-01T00:00:20.000Z']);
  });

  it('next is strictly after the instant, even on a tick', () => {
    expect(iso(daily.next(at('2026-01-15T03:00:00.000Z')))).toBe('2026-01-16T03:00:00.000Z');
    expect(iso(daily.next(at('2026-01-15T02:59:59.999Z')))).toBe('2026-01-15T03:00:00.000Z');
    expect(iso(tenSeconds.next(at('2026-01-01T00:00:10.000Z')))).toBe('2026-01-01T00:00:20.000Z');
  });

  it('finds the shortest gap of an uneven schedule', () => {
    expect(CronSchedule.parse('0,5 * * * *', 'UTC').shortestGap(at('2026-01-01T00:00:00Z'), 24)).toBe(5 * 60_000);
    expect(tenSeconds.shortestGap(at('2026-01-01T00:00:00Z'), 24)).toBe(10_000);
    // Weekdays only: the 24 ticks include weekends, but the shortest gap is still one day.
    expect(CronSchedule.parse('0 9 * * 1-5', 'UTC').shortestGap(at('2026-01-01T00:00:00Z'), 24)).toBe(86_400_000);
  });
});

describe('CronSchedule in time zones', () => {
  it('reads the expression in the given zone', () => {
    const kolkata = CronSchedule.parse('0 9 * * 1-5', 'Asia/Kolkata');
    // 09:00 IST = 03:30Z. Sunday 2026-01-11 falls back to Friday; the next is Monday.
    expect(iso(kolkata.occurrenceAt(at('2026-01-11T12:00:00Z')))).toBe('2026-01-09T03:30:00.000Z');
    expect(iso(kolkata.next(at('2026-01-11T12:00:00Z')))).toBe('2026-01-12T03:30:00.000Z');
    const newYork = CronSchedule.parse('0 3 * * *', 'America/New_York');
    expect(iso(newYork.occurrenceAt(at('2026-01-15T08:00:00Z')))).toBe('2026-01-15T08:00:00.000Z');
    expect(iso(newYork.occurrenceAt(at('2026-01-15T07:59:59.999Z')))).toBe('2026-01-14T08:00:00.000Z');
  });

  describe('Europe/Berlin on the spring DST day (2026-03-29, 02:00 CET → 03:00 CEST)', () => {
    const berlin = CronSchedule.parse('0 3 * * *', 'Europe/Berlin');

    it('keeps 03:00 local on both sides of the switch', () => {
      expect(iso(berlin.next(at('2026-03-27T12:00:00Z')))).toBe('2026-03-28T02:00:00.000Z');
      expect(iso(berlin.next(at('2026-03-28T12:00:00Z')))).toBe('2026-03-29T01:00:00.000Z');
      expect(iso(berlin.occurrenceAt(at('2026-03-29T00:59:59.999Z')))).toBe('2026-03-28T02:00:00.000Z');
      expect(iso(berlin.occurrenceAt(at('2026-03-29T01:00:00Z')))).toBe('2026-03-29T01:00:00.000Z');
    });

    it('sees the 23-hour day as the shortest gap, and keeps a claim for exactly that long', () => {
      expect(berlin.shortestGap(at('2026-03-27T12:00:00Z'), 3)).toBe(23 * 3_600_000);
      const occurrence = at('2026-03-28T02:00:00Z');
      // A claim lives until the next window opens: 23 hours on that day.
      expect(berlin.next(occurrence).getTime() - occurrence.getTime()).toBe(23 * 3_600_000);
    });

    it('fires an hourly schedule once per real hour across the switch', () => {
      const hourly = CronSchedule.parse('0 * * * *', 'Europe/Berlin');
      const ticks: string[] = [];
      let cursor = at('2026-03-28T22:30:00Z');
      for (let i = 0; i < 4; i++) ticks.push(iso((cursor = hourly.next(cursor))));
      expect(ticks).toEqual([
        '2026-03-28T23:00:00.000Z',
        '2026-03-29T00:00:00.000Z',
        '2026-03-29T01:00:00.000Z',
        '2026-03-29T02:00:00.000Z',
      ]);
    });

    it('agrees with next() about which tick a moment belongs to, for a time inside the skipped hour', () => {
      // 02:30 does not exist that day. Whatever tick next() yields for it must also be the occurrence of that
      // tick, or the run on that day claims (and reports) the previous day's occurrence key.
      const skipped = CronSchedule.parse('30 2 * * *', 'Europe/Berlin');
      const tick = skipped.next(at('2026-03-28T12:00:00Z'));
      expect(iso(skipped.occurrenceAt(tick))).toBe(iso(tick));
    });
  });

  it.each([
    ['0 3 * * *', 'Europe/Berlin', '2026-03-25T00:00:00Z'],
    ['0 * * * *', 'Europe/Berlin', '2026-10-24T20:00:00Z'],
    ['*/15 * * * *', 'Europe/Berlin', '2026-10-25T00:00:00Z'],
    ['0 1 * * *', 'America/New_York', '2026-10-30T00:00:00Z'],
  ])('maps each tick of %p in %s around a DST switch to itself', (expression, zone, from) => {
    const schedule = CronSchedule.parse(expression, zone);
    let tick = at(from);
    for (let i = 0; i < 12; i++) {
      tick = schedule.next(tick);
      expect(iso(schedule.occurrenceAt(tick))).toBe(iso(tick));
      expect(iso(schedule.occurrenceAt(new Date(tick.getTime() + 59_999)))).toBe(iso(tick));
    }
  });
});

describe('randomDelay', () => {
  it('spans [0, window) with the injected random source at both ends', () => {
    expect(randomDelay(90_000, () => 0)).toBe(0);
    expect(randomDelay(90_000, () => 0.999999)).toBe(89_999);
    expect(randomDelay(90_000, () => 0.5)).toBe(45_000);
    expect(randomDelay(1, () => 0.999999)).toBe(0);
  });

  it('is 0 without a window and then does not draw', () => {
    const random = jest.fn(() => 0.7);
    expect(randomDelay(0, random)).toBe(0);
    expect(random).not.toHaveBeenCalled();
  });

  it('spreads the default source over the whole window: each tenth of it gets its share of the draws', () => {
    const window = 1_000;
    const draws = 20_000;
    const tenths = new Array<number>(10).fill(0);
    for (let i = 0; i < draws; i++) tenths[Math.floor(randomDelay(window) / (window / 10))] += 1;
    // 2,000 expected per tenth, standard deviation about 42: 1,600 to 2,400 is nearly ten deviations either way.
    for (const count of tenths) {
      expect(count).toBeGreaterThan(1_600);
      expect(count).toBeLessThan(2_400);
    }
  });

  it('stays an integer inside the window for the default source', () => {
    for (let i = 0; i < 2_000; i++) {
      const delay = randomDelay(250);
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(250);
    }
  });
});

describe('CronSchedule remembered interval', () => {
  // A prepared or remembered interval must never change an answer, only its cost.
  // Away from DST gaps: inside one, the parser's own next() depends on where it starts (see the test below).
  it.each([
    ['*/7 * * * * *', undefined],
    ['30 2 * * *', 'Europe/Berlin'],
    ['0 9,17 * * 1-5', 'America/New_York'],
  ])('%s (%s) answers the same with and without preparation across many instants', (expression, zone) => {
    const cached = CronSchedule.parse(expression, zone);
    const start = at('2026-04-02T00:00:00Z').getTime();
    let checked = 0;
    for (let ms = start; ms < start + 5 * 86_400_000; ms += 1_234_567) {
      const instant = new Date(ms);
      const fresh = CronSchedule.parse(expression, zone);
      cached.prepare(new Date(ms - 3_600_000));
      expect(cached.occurrenceAt(instant)).toEqual(fresh.occurrenceAt(instant));
      expect(cached.next(instant)).toEqual(CronSchedule.parse(expression, zone).next(instant));
      checked += 1;
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('after prepare, the coming tick is answered from the remembered interval', () => {
    const schedule = CronSchedule.parse('*/2 * * * * *', 'UTC');
    schedule.prepare(at('2026-01-01T00:00:00.000Z'));
    const iterate = jest.spyOn(schedule as unknown as { iterate: () => unknown }, 'iterate');
    const tick = at('2026-01-01T00:00:02.000Z');
    expect(schedule.occurrenceAt(new Date(tick.getTime() + 7))).toEqual(tick);
    expect(schedule.next(tick)).toEqual(at('2026-01-01T00:00:04.000Z'));
    expect(iterate).not.toHaveBeenCalled();
  });
});
