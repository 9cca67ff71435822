import { HealthIndicatorService } from '@nestjs/terminus';
import { LockStoreError } from '../common/errors/index.js';
import { type CoordinatedCronRunner } from '../execution/coordinated-cron.runner.js';
import { type JobDescription } from '../interfaces/index.js';
import { CoordinatedCronHealthIndicator } from './coordinated-cron-health.indicator.js';

/** A runner whose describeAll() the test settles by hand, counting the calls. */
function fakeRunner() {
  const pending: Array<{ resolve(jobs: JobDescription[]): void; reject(error: unknown): void }> = [];
  const runner = {
    calls: 0,
    describeAll: () => {
      runner.calls += 1;
      return new Promise<JobDescription[]>((resolve, reject) => pending.push({ resolve, reject }));
    },
  };
  return { runner, pending };
}

describe('CoordinatedCronHealthIndicator', () => {
  it('reads nothing until asked, and checks that overlap share one read', async () => {
    const { runner, pending } = fakeRunner();
    const indicator = new CoordinatedCronHealthIndicator(
      new HealthIndicatorService(),
      runner as unknown as CoordinatedCronRunner,
    );
    expect(runner.calls).toBe(0);
    const first = indicator.isHealthy('cron');
    const second = indicator.isHealthy('cron');
    expect(runner.calls).toBe(1);
    pending[0].resolve([]);
    expect(await first).toEqual({ cron: { status: 'up', jobs: 0, paused: [] } });
    expect(await second).toEqual({ cron: { status: 'up', jobs: 0, paused: [] } });
    // Once settled, the next check reads afresh.
    const third = indicator.isHealthy('cron');
    expect(runner.calls).toBe(2);
    pending[1].resolve([]);
    await third;
  });

  it('answers down, naming the error, when the store does not answer', async () => {
    const { runner, pending } = fakeRunner();
    const indicator = new CoordinatedCronHealthIndicator(
      new HealthIndicatorService(),
      runner as unknown as CoordinatedCronRunner,
    );
    const check = indicator.isHealthy('cron');
    pending[0].reject(new LockStoreError('redis lock store: readPause did not answer within 2000ms'));
    expect(await check).toEqual({
      cron: {
        status: 'down',
        message:
          'the lock store did not answer: LockStoreError: redis lock store: readPause did not answer within 2000ms',
      },
    });
  });
});
