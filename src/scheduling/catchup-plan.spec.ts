import { CronSchedule } from '../definition/cron-schedule.js';
import { MAX_CATCHUP_OCCURRENCES, planCatchup } from './catchup-plan.js';

const hourly = CronSchedule.parse('0 * * * *', 'UTC');
const at = (iso: string) => new Date(iso);
const isos = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('planCatchup', () => {
  it('catches up nothing for a job with no ledger record (its first deploy)', () => {
    expect(planCatchup(hourly, { mode: 'all', now: at('2026-03-01T10:30:00Z'), windowMs: 86_400_000 })).toEqual([]);
  });

  it("catches up nothing under 'none'", () => {
    const plan = planCatchup(hourly, {
      mode: 'none',
      lastClaimed: at('2026-03-01T08:00:00Z'),
      now: at('2026-03-01T10:30:00Z'),
    });
    expect(plan).toEqual([]);
  });

  it('by default (one period) runs only the tick whose window is still open', () => {
    const plan = planCatchup(hourly, {
      mode: 'all',
      lastClaimed: at('2026-03-01T07:00:00Z'),
      now: at('2026-03-01T10:30:00Z'),
    });
    expect(isos(plan)).toEqual(['2026-03-01T10:00:00.000Z']);
  });

  it('by default catches up nothing when the last claimed tick is the current one', () => {
    const plan = planCatchup(hourly, {
      mode: 'latest',
      lastClaimed: at('2026-03-01T10:00:00Z'),
      now: at('2026-03-01T10:59:59Z'),
    });
    expect(plan).toEqual([]);
  });

  it("'all' lists every missed tick inside the window, oldest first; 'latest' only the newest", () => {
    const input = {
      lastClaimed: at('2026-03-01T05:00:00Z'),
      now: at('2026-03-01T10:30:00Z'),
      windowMs: 3 * 3_600_000,
    };
    // 07:30 is the window's start: 08:00, 09:00, 10:00 qualify; 06:00 and 07:00 are too old.
    expect(isos(planCatchup(hourly, { ...input, mode: 'all' }))).toEqual([
      '2026-03-01T08:00:00.000Z',
      '2026-03-01T09:00:00.000Z',
      '2026-03-01T10:00:00.000Z',
    ]);
    expect(isos(planCatchup(hourly, { ...input, mode: 'latest' }))).toEqual(['2026-03-01T10:00:00.000Z']);
  });

  it('never goes back past the last claimed occurrence, whatever the window', () => {
    const plan = planCatchup(hourly, {
      mode: 'all',
      lastClaimed: at('2026-03-01T09:00:00Z'),
      now: at('2026-03-01T10:30:00Z'),
      windowMs: 86_400_000,
    });
    expect(isos(plan)).toEqual(['2026-03-01T10:00:00.000Z']);
  });

  it('keeps at most the newest MAX_CATCHUP_OCCURRENCES ticks', () => {
    const everySecond = CronSchedule.parse('* * * * * *', 'UTC');
    const plan = planCatchup(everySecond, {
      mode: 'all',
      lastClaimed: at('2026-03-01T00:00:00Z'),
      now: at('2026-03-01T01:00:00Z'),
      windowMs: 3_600_000,
    });
    expect(plan).toHaveLength(MAX_CATCHUP_OCCURRENCES);
    expect(plan.at(-1)?.toISOString()).toBe('2026-03-01T01:00:00.000Z');
  });

  it('after an outage, looks only before the occurrence whose claim answered again, then picks the newest', () => {
    const input = {
      lastClaimed: at('2026-03-01T06:59:59.999Z'),
      now: at('2026-03-01T10:30:00Z'),
      windowMs: 6 * 3_600_000,
      before: at('2026-03-01T09:00:00Z'),
    };
    expect(isos(planCatchup(hourly, { ...input, mode: 'all' }))).toEqual([
      '2026-03-01T07:00:00.000Z',
      '2026-03-01T08:00:00.000Z',
    ]);
    expect(isos(planCatchup(hourly, { ...input, mode: 'latest' }))).toEqual(['2026-03-01T08:00:00.000Z']);
    // With the default window, a tick whose next one has come is too old, whatever `before` says.
    expect(planCatchup(hourly, { ...input, windowMs: undefined, mode: 'latest' })).toEqual([]);
  });
});
