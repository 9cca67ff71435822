import { Injectable } from '@nestjs/common';
import { CoordinatedCron, CoordinatedCronRunner, type JobRunReport } from '../../src/index.js';
import { createTestApp } from '../support/app.js';
import { uniquePrefix } from '../support/redis.js';
import { STORE_TARGETS } from '../support/store-targets.js';

describe.each(STORE_TARGETS)('duplicate suppression across instances ($name)', (target) => {
  target.use();

  it('two instances triggering the same 100 occurrences at the same instant run each exactly once', async () => {
    const prefix = uniquePrefix('dedup');
    const ranBy: Record<string, string[]> = {};
    const makeJobs = (instance: string) => {
      @Injectable()
      class Jobs {
        @CoordinatedCron('dedup-job', '0 0 1 1 *')
        async run({ context }: { context: { occurrence: string } }) {
          (ranBy[context.occurrence] ??= []).push(instance);
        }
      }
      return Jobs;
    };
    const a = await createTestApp({ providers: [makeJobs('a')], ...target.app(prefix, { instanceId: 'a' }) });
    const b = await createTestApp({ providers: [makeJobs('b')], ...target.app(prefix, { instanceId: 'b' }) });
    await a.app.init();
    await b.app.init();
    try {
      const runnerA = a.app.get(CoordinatedCronRunner);
      const runnerB = b.app.get(CoordinatedCronRunner);
      const base = Date.UTC(2026, 0, 1, 0, 0, 0);
      const reports: JobRunReport[][] = [];
      for (let i = 0; i < 100; i++) {
        const occurrence = new Date(base + i * 5000);
        // Alternate who calls first, so a lock that favoured the first caller would show.
        const [first, second] = i % 2 === 0 ? [runnerA, runnerB] : [runnerB, runnerA];
        reports.push(
          await Promise.all([first.trigger('dedup-job', { occurrence }), second.trigger('dedup-job', { occurrence })]),
        );
      }
      for (const pair of reports) {
        const outcomes = pair.map((r) => `${r.outcome}/${r.skipReason ?? ''}`).sort();
        expect(outcomes).toEqual(['completed/', 'skipped/duplicate']);
      }
      expect(Object.keys(ranBy)).toHaveLength(100);
      for (const runners of Object.values(ranBy)) expect(runners).toHaveLength(1);
      // Both instances won some occurrences: the race was real, not one side always first.
      const winners = new Set(
        reports
          .flat()
          .filter((r) => r.outcome === 'completed')
          .map((r) => r.instanceId),
      );
      expect(winners.size).toBe(2);
    } finally {
      await a.app.close();
      await b.app.close();
    }
  });

  it('a late instance does not run an occurrence that was already won (claim kept until the next window)', async () => {
    const prefix = uniquePrefix('late');
    let runs = 0;
    @Injectable()
    class Jobs {
      @CoordinatedCron('late-job', { cron: '0 0 1 1 *', lockTtl: '10m' })
      run() {
        runs += 1;
      }
    }
    const first = await createTestApp({ providers: [Jobs], ...target.app(prefix) });
    await first.app.init();
    const occurrence = new Date('2026-02-01T10:00:00Z');
    try {
      expect((await first.app.get(CoordinatedCronRunner).trigger('late-job', { occurrence })).outcome).toBe(
        'completed',
      );
    } finally {
      await first.app.close();
    }
    const restarted = await createTestApp({ providers: [Jobs], ...target.app(prefix) });
    await restarted.app.init();
    try {
      const again = await restarted.app.get(CoordinatedCronRunner).trigger('late-job', { occurrence });
      expect(again).toMatchObject({ outcome: 'skipped', skipReason: 'duplicate' });
      expect(runs).toBe(1);
    } finally {
      await restarted.app.close();
    }
  });
});
