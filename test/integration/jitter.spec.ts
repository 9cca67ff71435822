/** @jest-environment ./test/support/real-process-environment.cjs */
import { jest } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CoordinatedCron, CoordinatedCronRunner, type CronRun } from '../../src/index.js';
import { sleep, waitFor } from '../support/wait.js';
import { createTestApp } from '../support/app.js';
import { claimKey } from '../support/internals.js';
import { connectRedis, deleteKeys, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';

/** Records the milliseconds from the occurrence's tick to the moment its handler started. */
function recordLateness(into: number[], { context }: CronRun): void {
  into.push(Date.now() - Date.parse(context.occurrence));
}

describe('jitter: where in its window an occurrence runs', () => {
  failOnUnhandledRejections();

  it.each([
    [false, 'at the tick, whatever the draw'],
    [true, 'at the drawn moment of the window'],
  ])(
    'with the module option jitter: %s, a scheduled run starts %s (each draw made late in a 1900 ms window)',
    async (jitter) => {
      const random = jest.spyOn(Math, 'random').mockReturnValue(0.99);
      const prefix = uniquePrefix('jitter-option');
      const seen: number[] = [];
      @Injectable()
      class Jobs {
        @CoordinatedCron('windowed', { cron: '*/2 * * * * *', jitter: 1900 })
        run(run: CronRun) {
          recordLateness(seen, run);
        }
      }
      const { app } = await createTestApp({ providers: [Jobs], options: { keyPrefix: prefix, jitter } });
      try {
        await waitFor('a scheduled run', () => seen.length > 0, { timeoutMs: 10_000, intervalMs: 10 });
        if (jitter) {
          // floor(0.99 * 1900): the delay the draw asked for, and less than the window.
          expect(seen[0]).toBeGreaterThanOrEqual(1881);
          expect(seen[0]).toBeLessThan(1881 + 1_000);
        } else {
          // No delay at all: only the timer's and the claim's own latency, far below the 1881 ms a draw would add.
          expect(seen[0]).toBeGreaterThanOrEqual(0);
          expect(seen[0]).toBeLessThan(1_000);
        }
      } finally {
        random.mockRestore();
        await app.close();
        await deleteKeys(REDIS_URL, prefix);
      }
    },
  );

  it('spreads runs over the window: each job and each tick draws its own delay', async () => {
    const prefix = uniquePrefix('jitter-spread');
    const seen: number[] = [];
    // Three jobs on one every-second schedule: three fresh draws per tick.
    @Injectable()
    class Jobs {
      @CoordinatedCron('spread-a', { cron: '* * * * * *', jitter: 800 })
      a(run: CronRun) {
        recordLateness(seen, run);
      }
      @CoordinatedCron('spread-b', { cron: '* * * * * *', jitter: 800 })
      b(run: CronRun) {
        recordLateness(seen, run);
      }
      @CoordinatedCron('spread-c', { cron: '* * * * * *', jitter: 800 })
      c(run: CronRun) {
        recordLateness(seen, run);
      }
    }
    const { app } = await createTestApp({ providers: [Jobs], options: { keyPrefix: prefix } });
    try {
      await waitFor('twelve scheduled runs', () => seen.length >= 12, { timeoutMs: 20_000, intervalMs: 20 });
      for (const ms of seen) expect(ms).toBeGreaterThanOrEqual(0);
      // Twelve uniform draws over 800 ms all within 200 ms of each other: about 2 in a million. One draw reused for
      // every run, or none, leaves only timer noise.
      expect(Math.max(...seen) - Math.min(...seen)).toBeGreaterThan(200);
    } finally {
      await app.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });

  it('draws afresh on every tick: with draws that follow the clock, runs alternate between both ends of the window', async () => {
    // Even seconds draw early, odd seconds late. Keyed to the clock rather than to the call count, so that anything
    // else calling Math.random in between changes nothing.
    const random = jest
      .spyOn(Math, 'random')
      .mockImplementation(() => (Math.floor(Date.now() / 1000) % 2 === 0 ? 0.05 : 0.95));
    const runs: Array<{ occurrence: number; lateness: number }> = [];
    @Injectable()
    class Jobs {
      @CoordinatedCron('alternating', { cron: '* * * * * *', jitter: 800 })
      run({ context }: CronRun) {
        runs.push({
          occurrence: Date.parse(context.occurrence),
          lateness: Date.now() - Date.parse(context.occurrence),
        });
      }
    }
    const { app } = await createTestApp({ providers: [Jobs], cache: 'none' });
    try {
      await waitFor('four scheduled runs', () => runs.length >= 4, { timeoutMs: 15_000, intervalMs: 20 });
      for (const { occurrence, lateness } of runs) {
        // The occurrence is the tick the schedule names, never the moment a timer fired: every instance claims it.
        expect(occurrence % 1000).toBe(0);
        const drawn = (occurrence / 1000) % 2 === 0 ? 40 : 760;
        expect({
          occurrence: new Date(occurrence).toISOString(),
          early: lateness >= drawn,
          late: lateness < drawn + 500,
        }).toEqual({
          occurrence: new Date(occurrence).toISOString(),
          early: true,
          late: true,
        });
      }
    } finally {
      random.mockRestore();
      await app.close();
    }
  });

  it('without lockTtl, a won occurrence stays claimed until the next window opens, then not a moment longer', async () => {
    const prefix = uniquePrefix('default-ttl');
    let runs = 0;
    @Injectable()
    class Jobs {
      @CoordinatedCron('every-three', '*/3 * * * * *')
      run() {
        runs += 1;
      }
    }
    const redis = await connectRedis();
    // Schedules stopped at once: only the test's triggers run the job.
    const boot = async () => {
      const booted = await createTestApp({ providers: [Jobs], options: { keyPrefix: prefix } });
      await booted.app.get(SchedulerRegistry).getCronJob('every-three').stop();
      return booted;
    };
    const first = await boot();
    let second: Awaited<ReturnType<typeof createTestApp>> | undefined;
    try {
      const runner = first.app.get(CoordinatedCronRunner);
      // Just after a tick, so the time left to the next window is well above the one-second minimum claim.
      const tick = runner.jobs()[0].nextOccurrence;
      await sleep(tick.getTime() - Date.now() + 20);
      const won = await runner.trigger('every-three');
      expect(won).toMatchObject({ outcome: 'completed', occurrence: tick.toISOString() });
      const nextWindow = tick.getTime() + 3_000;
      const key = claimKey(prefix, 'every-three', tick);
      const ttl = await redis.pTTL(key);
      expect(ttl).toBeGreaterThan(0);
      // Set from the moment of the claim: Redis counts it from when the command arrived, a few ms later.
      expect(ttl).toBeLessThanOrEqual(3_000);

      // A restarted instance inside the window does not run it again.
      await first.app.close();
      second = await boot();
      const again = await second.app.get(CoordinatedCronRunner).trigger('every-three', { occurrence: tick });
      expect(again).toMatchObject({ outcome: 'skipped', skipReason: 'duplicate' });
      expect(runs).toBe(1);

      const gone = await waitFor(
        'the claim to expire',
        async () => ((await redis.exists(key)) === 0 ? Date.now() : undefined),
        {
          timeoutMs: 10_000,
          intervalMs: 10,
        },
      );
      expect(gone).toBeGreaterThanOrEqual(nextWindow - 50);
      expect(gone).toBeLessThan(nextWindow + 1_000);
    } finally {
      await first.app.close();
      await second?.app.close();
      await redis.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });
});
