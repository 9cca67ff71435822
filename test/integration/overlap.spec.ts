import { Injectable } from '@nestjs/common';
import { CoordinatedCron, CoordinatedCronRunner, type CronRun } from '../../src/index.js';
import { createTestApp } from '../support/app.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../support/redis.js';

describe('overlap: a job never runs twice at once', () => {
  it('a run longer than the lease TTL keeps its lease; another instance reports overlap for every later occurrence', async () => {
    const prefix = uniquePrefix('overlap');
    const starts: string[] = [];
    let running = 0;
    let maxRunning = 0;
    let aborted = false;
    const make = (name: string) => {
      @Injectable()
      class Jobs {
        @CoordinatedCron('long-job', '0 0 1 1 *')
        async run({ signal }: CronRun) {
          starts.push(name);
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((resolve) => setTimeout(resolve, name === 'a' ? 1500 : 10));
          aborted ||= signal.aborted;
          running -= 1;
        }
      }
      return Jobs;
    };
    // Lease TTL 300 ms: the 1.5 s run outlives it five times over, so only renewal keeps it.
    const options = { keyPrefix: prefix, leaseTtl: 300 };
    const a = await createTestApp({ providers: [make('a')], options: { ...options, instanceId: 'a' } });
    const b = await createTestApp({ providers: [make('b')], options: { ...options, instanceId: 'b' } });
    await a.app.init();
    await b.app.init();
    try {
      const base = Date.UTC(2026, 0, 1);
      const long = a.app.get(CoordinatedCronRunner).trigger('long-job', { occurrence: new Date(base) });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const during = [];
      for (let i = 1; i <= 6; i++) {
        during.push(await b.app.get(CoordinatedCronRunner).trigger('long-job', { occurrence: new Date(base + i * 1000) }));
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const longReport = await long;
      expect(longReport.outcome).toBe('completed');
      for (const report of during) expect(report).toMatchObject({ outcome: 'skipped', skipReason: 'overlap' });
      expect(starts).toEqual(['a']);
      expect(maxRunning).toBe(1);
      expect(aborted).toBe(false);
      b.logger.lines.length = 0;
      // Released with compare-and-delete on completion: the next occurrence runs at once.
      const after = await b.app.get(CoordinatedCronRunner).trigger('long-job', { occurrence: new Date(base + 10_000) });
      expect(after.outcome).toBe('completed');
    } finally {
      await a.app.close();
      await b.app.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });

  it('in one process, a second occurrence while the first still runs is skipped as overlap', async () => {
    const prefix = uniquePrefix('overlap-local');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    @Injectable()
    class Jobs {
      @CoordinatedCron('slow-local', '0 0 1 1 *')
      async run() {
        await gate;
      }
    }
    const { app } = await createTestApp({ providers: [Jobs], cache: 'none', options: { keyPrefix: prefix } });
    await app.init();
    try {
      const runner = app.get(CoordinatedCronRunner);
      const first = runner.trigger('slow-local', { occurrence: new Date(Date.UTC(2026, 0, 1, 0, 0, 0)) });
      await new Promise((resolve) => setImmediate(resolve));
      const second = await runner.trigger('slow-local', { occurrence: new Date(Date.UTC(2026, 0, 1, 0, 0, 1)) });
      expect(second).toMatchObject({ outcome: 'skipped', skipReason: 'overlap' });
      release();
      expect((await first).outcome).toBe('completed');
    } finally {
      release();
      await app.close();
    }
  });
});
