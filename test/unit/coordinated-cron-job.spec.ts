import { jest } from '@jest/globals';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { CoordinatedCronJob, CronSchedule } from '../support/internals.js';

const at = (iso: string) => new Date(iso);

describe('CoordinatedCronJob', () => {
  afterEach(() => jest.useRealTimers());

  function started(expression: string, now: string, zone?: string) {
    jest.useFakeTimers({ now: at(now) });
    const fired: Array<{ occurrence: string; firedAt: string }> = [];
    const job = new CoordinatedCronJob(CronSchedule.parse(expression, zone), (occurrence) =>
      fired.push({ occurrence: occurrence.toISOString(), firedAt: new Date().toISOString() }),
    );
    job.start();
    return { job, fired };
  }

  it('fires at each tick of its schedule, naming that tick as the occurrence', () => {
    const { job, fired } = started('*/2 * * * * *', '2026-01-01T00:00:00.500Z');
    expect(job).toBeInstanceOf(CronJob);
    expect(job.isActive).toBe(true);
    jest.advanceTimersByTime(1_499);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(1);
    jest.advanceTimersByTime(4_000);
    expect(fired).toEqual([
      { occurrence: '2026-01-01T00:00:02.000Z', firedAt: '2026-01-01T00:00:02.000Z' },
      { occurrence: '2026-01-01T00:00:04.000Z', firedAt: '2026-01-01T00:00:04.000Z' },
      { occurrence: '2026-01-01T00:00:06.000Z', firedAt: '2026-01-01T00:00:06.000Z' },
    ]);
    expect(job.lastDate()).toEqual(at('2026-01-01T00:00:06.000Z'));
    job.stop();
  });

  it('stops for good when stopped, also through SchedulerRegistry.deleteCronJob', () => {
    const { job, fired } = started('* * * * * *', '2026-01-01T00:00:00.000Z');
    const registry = new SchedulerRegistry();
    registry.addCronJob('tick', job);
    jest.advanceTimersByTime(2_000);
    expect(fired).toHaveLength(2);
    registry.deleteCronJob('tick');
    expect(job.isActive).toBe(false);
    jest.advanceTimersByTime(5_000);
    expect(fired).toHaveLength(2);
    job.start();
    jest.advanceTimersByTime(1_000);
    expect(fired).toHaveLength(3);
    job.stop();
  });

  it('a timer that wakes after the following tick runs only the latest occurrence', () => {
    const { job, fired } = started('*/10 * * * * *', '2026-01-01T00:00:05.000Z');
    // The process is frozen for 25 s: the system clock moves on, the timer runs once, late.
    jest.setSystemTime(at('2026-01-01T00:00:35.000Z'));
    jest.advanceTimersByTime(5_000);
    expect(fired[0]).toEqual({ occurrence: '2026-01-01T00:00:40.000Z', firedAt: '2026-01-01T00:00:40.000Z' });
    job.stop();
  });

  it('on a DST day fires at the tick the schedule names (02:30 Berlin does not exist on 2026-03-29)', () => {
    const { job, fired } = started('30 2 * * *', '2026-03-28T12:00:00.000Z', 'Europe/Berlin');
    jest.advanceTimersByTime(14 * 3_600_000);
    expect(fired).toEqual([{ occurrence: '2026-03-29T01:30:00.000Z', firedAt: '2026-03-29T01:30:00.000Z' }]);
    job.stop();
  });
});
