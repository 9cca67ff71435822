import { LocalTimeSchedule } from './local-time-schedule.js';
import { instantOfWall, offsetMs } from './time-zones.js';

const at = (iso: string) => new Date(iso);
const isos = (dates: Date[]) => dates.map((date) => date.toISOString());

describe('instantOfWall: the instant a zone shows a wall time', () => {
  it('is the one instant on an ordinary day', () => {
    expect(new Date(instantOfWall('Europe/Berlin', Date.parse('2026-06-01T09:00:00Z'))).toISOString()).toBe(
      '2026-06-01T07:00:00.000Z',
    );
  });

  it('is the first instant after the gap for a wall time the clocks skip', () => {
    // New York, 2026-03-08: 02:00 EST becomes 03:00 EDT at 07:00Z; 02:30 never shows.
    expect(new Date(instantOfWall('America/New_York', Date.parse('2026-03-08T02:30:00Z'))).toISOString()).toBe(
      '2026-03-08T07:00:00.000Z',
    );
  });

  it('is the first instance of a wall time the clocks show twice', () => {
    // New York, 2026-11-01: 02:00 EDT becomes 01:00 EST at 06:00Z; 01:30 shows at 05:30Z and again at 06:30Z.
    expect(new Date(instantOfWall('America/New_York', Date.parse('2026-11-01T01:30:00Z'))).toISOString()).toBe(
      '2026-11-01T05:30:00.000Z',
    );
  });
});

describe('LocalTimeSchedule: one zone', () => {
  const schedule = (cron: string) => LocalTimeSchedule.parse(cron);

  it('America/New_York, spring forward: 02:30 runs once, at 03:00 EDT, on the day it does not exist', () => {
    expect(isos(schedule('30 2 * * *').nextRuns('America/New_York', at('2026-03-06T12:00:00Z'), 3))).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-08T07:00:00.000Z', // the gap: the first instant after it, 03:00 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
    ]);
  });

  it('America/New_York, fall back: 01:30 runs once, at its first instance', () => {
    expect(isos(schedule('30 1 * * *').nextRuns('America/New_York', at('2026-10-30T12:00:00Z'), 3))).toEqual([
      '2026-10-31T05:30:00.000Z', // 01:30 EDT
      '2026-11-01T05:30:00.000Z', // 01:30 EDT, not 01:30 EST (06:30Z) an hour later
      '2026-11-02T06:30:00.000Z', // 01:30 EST
    ]);
  });

  it('Europe/Berlin, both changes', () => {
    const daily = schedule('30 2 * * *');
    expect(isos(daily.nextRuns('Europe/Berlin', at('2026-03-27T12:00:00Z'), 3))).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // 02:30 does not exist: 03:00 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
    expect(isos(daily.nextRuns('Europe/Berlin', at('2026-10-23T12:00:00Z'), 3))).toEqual([
      '2026-10-24T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST, the first of the two
      '2026-10-26T01:30:00.000Z', // 02:30 CET
    ]);
  });

  it("Australia/Lord_Howe's half-hour changes", () => {
    // 2026-04-05 02:00 LHDT (+11) becomes 01:30 LHST (+10:30) at 15:00Z on the 4th: 01:45 shows twice.
    expect(isos(schedule('45 1 * * *').nextRuns('Australia/Lord_Howe', at('2026-04-03T00:00:00Z'), 3))).toEqual([
      '2026-04-03T14:45:00.000Z',
      '2026-04-04T14:45:00.000Z', // 01:45 at +11, not at +10:30 (15:15Z)
      '2026-04-05T15:15:00.000Z',
    ]);
    // 2026-10-04 02:00 LHST (+10:30) becomes 02:30 LHDT (+11) at 15:30Z on the 3rd: 02:15 does not exist.
    expect(isos(schedule('15 2 * * *').nextRuns('Australia/Lord_Howe', at('2026-10-02T00:00:00Z'), 3))).toEqual([
      '2026-10-02T15:45:00.000Z',
      '2026-10-03T15:30:00.000Z', // the first instant after the gap: 02:30 LHDT
      '2026-10-04T15:15:00.000Z',
    ]);
  });

  it('half-hour and 45-minute zones are exact', () => {
    const nine = schedule('0 9 * * *');
    const from = at('2026-12-04T00:00:00Z');
    expect(isos(nine.nextRuns('Asia/Kolkata', from, 1))).toEqual(['2026-12-04T03:30:00.000Z']);
    expect(isos(nine.nextRuns('Asia/Kathmandu', from, 1))).toEqual(['2026-12-04T03:15:00.000Z']);
    expect(isos(nine.nextRuns('America/St_Johns', from, 1))).toEqual(['2026-12-04T12:30:00.000Z']);
    // Adelaide keeps summer time in December: 09:00 ACDT (+10:30) is 22:30Z the day before.
    expect(isos(nine.nextRuns('Australia/Adelaide', from, 1))).toEqual(['2026-12-04T22:30:00.000Z']);
    expect(offsetMs('Australia/Adelaide', Date.parse('2026-12-04T00:00:00Z'))).toBe(10.5 * 3_600_000);
  });
});

describe('LocalTimeSchedule: every zone at once', () => {
  const nine = LocalTimeSchedule.parse('0 9 * * *', 'UTC');

  it('fires at every instant the expression is due in some zone, each with the zones due then', () => {
    const dayStart = Date.parse('2026-12-05T00:00:00Z');
    const instants: Date[] = [];
    for (let tick = nine.next(new Date(dayStart - 1)); tick.getTime() < dayStart + 86_400_000; tick = nine.next(tick)) {
      instants.push(tick);
    }
    // One instant per distinct UTC offset in use that day: a few dozen, each a quarter hour apart at the least.
    expect(instants.length).toBeGreaterThan(25);
    expect(instants.length).toBeLessThan(45);
    for (let i = 1; i < instants.length; i++) {
      expect(instants[i].getTime() - instants[i - 1].getTime()).toBeGreaterThanOrEqual(15 * 60_000);
    }
    const byZone = new Map<string, string[]>();
    for (const instant of instants) {
      const zones = nine.dueZones(instant);
      expect(zones.length).toBeGreaterThan(0);
      for (const zone of zones) byZone.set(zone, [...(byZone.get(zone) ?? []), instant.toISOString()]);
    }
    // Every zone is due exactly once that day, at its own 09:00.
    expect(byZone.get('Asia/Kolkata')).toEqual(['2026-12-05T03:30:00.000Z']);
    expect(byZone.get('Asia/Kathmandu')).toEqual(['2026-12-05T03:15:00.000Z']);
    expect(byZone.get('America/St_Johns')).toEqual(['2026-12-05T12:30:00.000Z']);
    expect(byZone.get('UTC')).toEqual(['2026-12-05T09:00:00.000Z']);
    expect(byZone.get('Europe/Berlin')).toEqual(['2026-12-05T08:00:00.000Z']);
    for (const [, due] of byZone) expect(due).toHaveLength(1);
  });

  it('names occurrences by the schedule: every instant in a window gives the same occurrence', () => {
    const tick = at('2026-12-05T03:30:00Z');
    expect(nine.occurrenceAt(tick).toISOString()).toBe('2026-12-05T03:30:00.000Z');
    expect(nine.occurrenceAt(at('2026-12-05T03:40:00Z')).toISOString()).toBe('2026-12-05T03:30:00.000Z');
    expect(nine.next(tick).toISOString()).toBe('2026-12-05T04:00:00.000Z');
    expect(nine.occurrenceAt(at('2026-12-05T03:29:59.999Z')).toISOString()).toBe('2026-12-05T03:15:00.000Z');
  });

  it('a zone is due at the gap instant on the day its clocks skip the wall time', () => {
    expect(nine.dueZones(at('2026-03-08T07:00:00Z'))).not.toContain('America/New_York');
    const halfPastTwo = LocalTimeSchedule.parse('30 2 * * *');
    expect(halfPastTwo.dueZones(at('2026-03-08T07:00:00Z'))).toContain('America/New_York');
    // ... and not at the second instance of a repeated wall time.
    const halfPastOne = LocalTimeSchedule.parse('30 1 * * *');
    expect(halfPastOne.dueZones(at('2026-11-01T05:30:00Z'))).toContain('America/New_York');
    expect(halfPastOne.dueZones(at('2026-11-01T06:30:00Z'))).not.toContain('America/New_York');
  });
});
