import { CronSchedule } from '../definition/cron-schedule.js';
import { type JobDescription } from '../interfaces/index.js';
import { fleetHealth, type FleetHealthContext } from './fleet-health.js';

const at = (iso: string) => new Date(iso);

function job(name: string, overrides: Partial<JobDescription> = {}): JobDescription {
  return {
    name,
    cron: '0 * * * *',
    timeZone: 'UTC',
    jitterMs: 0,
    schedule: { cron: '0 * * * *', jitterMs: 0, timeZone: 'UTC', source: 'code' },
    perTenant: false,
    nextOccurrences: [],
    overlap: 'skip',
    retry: { attempts: 1, backoffMs: 1_000, maxBackoffMs: 60_000 },
    consecutiveFailures: 0,
    recent: [],
    counts: { completed: 0, failed: 0, skipped: 0, interrupted: 0 },
    ...overrides,
  };
}

const completedAt = (occurrence: string) => ({ occurrence, finishedAt: occurrence.replace(':00.000Z', ':07.000Z') });

const context: FleetHealthContext = {
  now: at('2026-05-01T12:30:00Z'),
  bootedAt: at('2026-05-01T12:10:00Z'),
  options: { staleAfter: 2, graceMs: 0 },
  scheduleOf: (description) => CronSchedule.parse(description.cron, description.timeZone),
};

describe('fleetHealth', () => {
  it('is up while every job completed within its last two ticks', () => {
    const jobs = [
      job('a', { lastCompleted: completedAt('2026-05-01T12:00:00.000Z') }),
      job('b', { lastCompleted: completedAt('2026-05-01T11:00:00.000Z') }),
    ];
    expect(fleetHealth(jobs, context)).toEqual({ kind: 'up', jobs: 2, paused: [] });
  });

  it('is down naming each stale job, its last completed run and its failures in a row', () => {
    const jobs = [
      job('fresh', { lastCompleted: completedAt('2026-05-01T12:00:00.000Z') }),
      job('stopped', { lastCompleted: completedAt('2026-05-01T10:00:00.000Z') }),
      job('failing', { lastCompleted: completedAt('2026-05-01T09:00:00.000Z'), consecutiveFailures: 3 }),
    ];
    expect(fleetHealth(jobs, context)).toEqual({
      kind: 'down',
      jobs: 3,
      paused: [],
      stale: [
        {
          job: 'stopped',
          lastCompleted: { occurrence: '2026-05-01T10:00:00.000Z', finishedAt: '2026-05-01T10:00:07.000Z' },
          measuredFrom: '2026-05-01T10:00:00.000Z',
          staleSince: '2026-05-01T12:00:00.000Z',
          consecutiveFailures: 0,
        },
        {
          job: 'failing',
          lastCompleted: { occurrence: '2026-05-01T09:00:00.000Z', finishedAt: '2026-05-01T09:00:07.000Z' },
          measuredFrom: '2026-05-01T09:00:00.000Z',
          staleSince: '2026-05-01T11:00:00.000Z',
          consecutiveFailures: 3,
        },
      ],
    });
  });

  it('never counts a paused job as stale, and lists it', () => {
    const paused = job('paused', {
      lastCompleted: completedAt('2026-04-01T00:00:00.000Z'),
      paused: { since: '2026-04-01T00:00:01.000Z', by: 'ops', reason: 'migration' },
    });
    expect(fleetHealth([paused], context)).toEqual({ kind: 'up', jobs: 1, paused: ['paused'] });
  });

  it('measures a job that never completed from boot, and says so', () => {
    const never = job('never');
    expect(fleetHealth([never], context).kind).toBe('up');
    const later = fleetHealth([never], { ...context, now: at('2026-05-01T14:00:01Z') });
    expect(later).toMatchObject({
      kind: 'down',
      stale: [{ job: 'never', lastCompleted: null, measuredFrom: '2026-05-01T12:10:00.000Z' }],
    });
  });

  it("reads each job's schedule in force, window included", () => {
    // Overridden to every 10 minutes with a 5-minute window: 12:00 + two ticks + 5 min = 12:25 < 12:30.
    const rescheduled = job('rescheduled', {
      cron: '*/10 * * * *',
      jitterMs: 300_000,
      lastCompleted: completedAt('2026-05-01T12:00:00.000Z'),
    });
    expect(fleetHealth([rescheduled], context)).toMatchObject({
      kind: 'down',
      stale: [{ job: 'rescheduled', staleSince: '2026-05-01T12:25:00.000Z' }],
    });
  });
});
