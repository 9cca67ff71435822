import { CronSchedule } from '../definition/cron-schedule.js';
import { LocalTimeSchedule } from '../definition/local-time-schedule.js';
import { staleness, type StalenessInput } from './staleness.js';

const at = (iso: string) => new Date(iso);
const hourly = CronSchedule.parse('0 * * * *', 'UTC');

function input(overrides: Partial<StalenessInput>): StalenessInput {
  return {
    schedule: hourly,
    lastCompleted: at('2026-05-01T10:00:00Z'),
    bootedAt: at('2026-05-01T00:00:00Z'),
    jitterMs: 0,
    graceMs: 0,
    staleAfter: 2,
    now: at('2026-05-01T10:30:00Z'),
    ...overrides,
  };
}

describe('staleness', () => {
  it('is stale only once the staleAfter-th tick after the last completed occurrence has passed', () => {
    // Last completed 10:00; ticks 11:00 and 12:00 may pass without a completed run, not one instant more.
    expect(staleness(input({ now: at('2026-05-01T12:00:00Z') }))).toEqual({
      kind: 'fresh',
      measuredFrom: at('2026-05-01T10:00:00Z'),
      staleAt: at('2026-05-01T12:00:00Z'),
    });
    expect(staleness(input({ now: at('2026-05-01T12:00:00.001Z') })).kind).toBe('stale');
  });

  it('counts staleAfter ticks: 1 allows none missed, 3 allows two', () => {
    const now = at('2026-05-01T12:30:00Z');
    expect(staleness(input({ staleAfter: 1, now })).kind).toBe('stale');
    expect(staleness(input({ staleAfter: 2, now })).kind).toBe('stale');
    expect(staleness(input({ staleAfter: 3, now })).kind).toBe('fresh');
    expect(staleness(input({ staleAfter: 3, now })).staleAt).toEqual(at('2026-05-01T13:00:00Z'));
  });

  it("adds the job's window and a run's grace to the last tick allowed", () => {
    const result = staleness(input({ jitterMs: 15 * 60_000, graceMs: 5 * 60_000, now: at('2026-05-01T12:19:00Z') }));
    expect(result).toMatchObject({ kind: 'fresh', staleAt: at('2026-05-01T12:20:00Z') });
    expect(staleness(input({ jitterMs: 15 * 60_000, graceMs: 5 * 60_000, now: at('2026-05-01T12:21:00Z') })).kind).toBe(
      'stale',
    );
  });

  it('measures a job that never completed from boot, so a fresh deploy is not stale at once', () => {
    const bootedAt = at('2026-05-01T10:20:00Z');
    const fresh = staleness(input({ lastCompleted: undefined, bootedAt, now: at('2026-05-01T11:59:00Z') }));
    expect(fresh).toEqual({ kind: 'fresh', measuredFrom: bootedAt, staleAt: at('2026-05-01T12:00:00Z') });
    expect(staleness(input({ lastCompleted: undefined, bootedAt, now: at('2026-05-01T12:01:00Z') })).kind).toBe(
      'stale',
    );
  });

  it('measures from the last completed occurrence even when that is older than the boot', () => {
    // A restart does not make a job that stopped long ago healthy again.
    const result = staleness(
      input({ lastCompleted: at('2026-04-01T00:00:00Z'), bootedAt: at('2026-05-01T10:29:00Z') }),
    );
    expect(result).toMatchObject({ kind: 'stale', measuredFrom: at('2026-04-01T00:00:00Z') });
  });

  it("follows the schedule's ticks, not a fixed period: a weekday job is not stale over the weekend", () => {
    const weekdays = CronSchedule.parse('0 9 * * 1-5', 'UTC');
    // Friday 2026-05-01 09:00 completed; the next two ticks are Monday and Tuesday.
    const friday = at('2026-05-01T09:00:00Z');
    expect(staleness(input({ schedule: weekdays, lastCompleted: friday, now: at('2026-05-04T12:00:00Z') })).kind).toBe(
      'fresh',
    );
    expect(staleness(input({ schedule: weekdays, lastCompleted: friday, now: at('2026-05-05T09:00:01Z') })).kind).toBe(
      'stale',
    );
  });

  it('counts the ticks of a schedule read in its own zone', () => {
    const berlin = CronSchedule.parse('0 3 * * *', 'Europe/Berlin');
    // 03:00 in Berlin is 01:00 UTC in May.
    const result = staleness(input({ schedule: berlin, lastCompleted: at('2026-05-01T01:00:00Z'), staleAfter: 1 }));
    expect(result.staleAt).toEqual(at('2026-05-02T01:00:00Z'));
  });

  it('counts the instants of a local-time schedule, which fires once per zone group', () => {
    const local = LocalTimeSchedule.parse('0 9 * * *', 'UTC');
    const from = at('2026-05-01T00:00:00Z');
    const result = staleness(input({ schedule: local, lastCompleted: from, staleAfter: 2 }));
    expect(result.staleAt).toEqual(local.next(local.next(from)));
    // Several zones are due within a day, so two ticks are well under a day.
    expect(result.staleAt.getTime() - from.getTime()).toBeLessThan(24 * 3_600_000);
  });
});
