/** @jest-environment ./test/support/real-process-environment.cjs */
import { Injectable } from '@nestjs/common';
import { CoordinatedCron, CoordinatedCronRunner, type CronRun, type JobRunReport } from '../../src/index.js';
import { deferred, sleep } from '../support/wait.js';
import { createTestApp } from '../support/app.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';

describe('overlap: a job never runs twice at once', () => {
  failOnUnhandledRejections();

  it('a run longer than the lease TTL keeps its lease; another instance reports overlap for every later occurrence', async () => {
    const prefix = uniquePrefix('overlap');
    const leaseTtl = 750;
    const starts: string[] = [];
    let running = 0;
    let maxRunning = 0;
    let abortedWhileRunning = false;
    const aStarted = deferred();
    // a's run ends when the test says so, not after a fixed sleep that a loaded machine could outlast.
    const finishA = deferred();
    const make = (name: string) => {
      @Injectable()
      class Jobs {
        @CoordinatedCron('long-job', '0 0 1 1 *')
        async run({ signal }: CronRun) {
          starts.push(name);
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          if (name === 'a') {
            aStarted.resolve();
            await finishA.promise;
          }
          abortedWhileRunning ||= signal.aborted;
          running -= 1;
        }
      }
      return Jobs;
    };
    const options = { keyPrefix: prefix, leaseTtl };
    const a = await createTestApp({ providers: [make('a')], options: { ...options, instanceId: 'a' } });
    const b = await createTestApp({ providers: [make('b')], options: { ...options, instanceId: 'b' } });
    try {
      const base = Date.UTC(2026, 0, 1);
      const runStartedAt = Date.now();
      const long = a.app.get(CoordinatedCronRunner).trigger('long-job', { occurrence: new Date(base) });
      await aStarted.promise;
      const during: JobRunReport[] = [];
      // Six attempts spread over at least four lease periods: only renewal can keep the lease that long.
      for (let i = 1; i <= 6 || Date.now() - runStartedAt < 4 * leaseTtl; i++) {
        during.push(
          await b.app.get(CoordinatedCronRunner).trigger('long-job', { occurrence: new Date(base + i * 1000) }),
        );
        await sleep(leaseTtl / 2);
      }
      finishA.resolve();
      const longReport = await long;
      expect(longReport.outcome).toBe('completed');
      expect(Date.parse(longReport.finishedAt) - Date.parse(longReport.startedAt)).toBeGreaterThan(4 * leaseTtl);
      for (const report of during) expect(report).toMatchObject({ outcome: 'skipped', skipReason: 'overlap' });
      expect(starts).toEqual(['a']);
      expect(maxRunning).toBe(1);
      expect(abortedWhileRunning).toBe(false);
      expect(a.logger.matching(/running lease lost/)).toEqual([]);
      // Released with compare-and-delete on completion: the next occurrence runs at once.
      const after = await b.app
        .get(CoordinatedCronRunner)
        .trigger('long-job', { occurrence: new Date(base + 100_000) });
      expect(after.outcome).toBe('completed');
    } finally {
      finishA.resolve();
      await a.app.close();
      await b.app.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });

  it('in one process, a second occurrence while the first still runs is skipped as overlap', async () => {
    const prefix = uniquePrefix('overlap-local');
    const started = deferred();
    const gate = deferred();
    @Injectable()
    class Jobs {
      @CoordinatedCron('slow-local', '0 0 1 1 *')
      async run() {
        started.resolve();
        await gate.promise;
      }
    }
    const { app } = await createTestApp({ providers: [Jobs], cache: 'none', options: { keyPrefix: prefix } });
    try {
      const runner = app.get(CoordinatedCronRunner);
      const first = runner.trigger('slow-local', { occurrence: new Date(Date.UTC(2026, 0, 1, 0, 0, 0)) });
      await started.promise;
      const second = await runner.trigger('slow-local', { occurrence: new Date(Date.UTC(2026, 0, 1, 0, 0, 1)) });
      expect(second).toMatchObject({ outcome: 'skipped', skipReason: 'overlap' });
      gate.resolve();
      expect((await first).outcome).toBe('completed');
    } finally {
      gate.resolve();
      await app.close();
    }
  });
});
