import { Injectable } from '@nestjs/common';
import { CoordinatedCron, CoordinatedCronRunner, CronContext, type CronRun } from '../../src/index.js';
import { createTestApp } from '../support/app.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../support/redis.js';

describe('smoke', () => {
  it('runs a job once and reports duplicate the second time', async () => {
    const calls: string[] = [];
    @Injectable()
    class Jobs {
      constructor(private readonly ctx: CronContext) {}
      @CoordinatedCron('smoke', '0 0 1 1 *')
      run(run: CronRun) {
        calls.push(`${this.ctx.get()?.jobName}:${run.context.runId}`);
      }
    }
    const prefix = uniquePrefix('smoke');
    const { app, logger } = await createTestApp({ providers: [Jobs], options: { keyPrefix: prefix } });
    await app.init();
    try {
      const runner = app.get(CoordinatedCronRunner);
      const occurrence = new Date('2026-01-01T03:00:00Z');
      const first = await runner.trigger('smoke', { occurrence });
      const second = await runner.trigger('smoke', { occurrence });
      expect(first.outcome).toBe('completed');
      expect(second).toMatchObject({ outcome: 'skipped', skipReason: 'duplicate' });
      expect(calls).toEqual([`smoke:${first.runId}`]);
      expect(logger.matching(/outcome=completed/)).toHaveLength(1);
      expect(logger.matching(/lock store: redis/)).toHaveLength(1);
    } finally {
      await app.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });
});
