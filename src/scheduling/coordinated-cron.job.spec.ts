import { jest } from '@jest/globals';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { CoordinatedCronJob, WAKE_BEFORE_MS } from './coordinated-cron.job.js';
import { CronSchedule } from '../definition/cron-schedule.js';

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

  it(`wakes ${WAKE_BEFORE_MS} ms before each tick and sets a last short timer to it, without firing early`, () => {
    jest.useFakeTimers({ now: at('2026-01-01T00:00:00.500Z') });
    const delays: number[] = [];
    const original = globalThis.setTimeout;
    const spy = jest.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return original(fn, ms);
    }) as typeof setTimeout);
    const fired: string[] = [];
    const job = new CoordinatedCronJob(CronSchedule.parse('*/2 * * * * *'), () => fired.push(new Date().toISOString()));
    job.start();
    expect(delays).toEqual([1_500 - WAKE_BEFORE_MS]);
    jest.advanceTimersByTime(1_500 - WAKE_BEFORE_MS);
    expect(delays).toEqual([1_500 - WAKE_BEFORE_MS, WAKE_BEFORE_MS]);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(WAKE_BEFORE_MS - 1);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(fired).toEqual(['2026-01-01T00:00:02.000Z']);
    spy.mockRestore();
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
    // The process is frozen for 25 s: the system clock moves on, the timer runs once, late. (It was set to wake a
    // moment before the 00:10 tick; the clock is placed so that this wake-up comes exactly at 00:40.)
    jest.setSystemTime(at('2026-01-01T00:00:35.000Z').getTime() + WAKE_BEFORE_MS);
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
