import { jest } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { ClsModule } from 'nestjs-cls';
import {
  CoordinatedCron,
  CoordinatedCronModule,
  CoordinatedCronRunner,
  type CronRun,
  MemoryLockStore,
  PerTenant,
  type TenantSettingsProvider,
} from '../../src/index.js';
import { CapturingLogger, createTestApp } from '../support/app.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../support/redis.js';

const yearly = '0 0 1 1 *';

describe('module setup', () => {
  it.each([
    ['no CacheModule', 'none' as const],
    ['an in-memory CacheModule', 'memory' as const],
  ])(
    'with %s it falls back to an in-process store and warns once that suppression is per-process',
    async (_l, cache) => {
      let runs = 0;
      @Injectable()
      class Jobs {
        @CoordinatedCron('local-job', yearly)
        run() {
          runs += 1;
        }
      }
      const { app, logger } = await createTestApp({ providers: [Jobs], cache });
      try {
        const runner = app.get(CoordinatedCronRunner);
        const occurrence = new Date('2026-01-01T00:00:00Z');
        const reports = await Promise.all([
          runner.trigger('local-job', { occurrence }),
          runner.trigger('local-job', { occurrence }),
        ]);
        expect(reports.map((r) => r.outcome).sort()).toEqual(['completed', 'skipped']);
        expect(runs).toBe(1);
        const warnings = logger.lines.filter((l) => l.level === 'warn' && /per-process only/.test(l.message));
        expect(warnings).toHaveLength(1);
      } finally {
        await app.close();
      }
    },
  );

  it('an explicit lockStore wins over the cache', async () => {
    const store = new MemoryLockStore();
    const claim = jest.spyOn(store, 'claim');
    @Injectable()
    class Jobs {
      @CoordinatedCron('explicit-store', yearly)
      run() {}
    }
    const { app } = await createTestApp({ providers: [Jobs], options: { lockStore: store } });
    try {
      await app.get(CoordinatedCronRunner).trigger('explicit-store', { occurrence: new Date('2026-01-01T00:00:00Z') });
      // One atomic claim on the explicit store, in the store's own terms: the job and its occurrence.
      expect(claim).toHaveBeenCalledTimes(1);
      expect(claim).toHaveBeenCalledWith(
        expect.objectContaining({ job: 'explicit-store', occurrence: new Date('2026-01-01T00:00:00Z') }),
      );
    } finally {
      await app.close();
    }
  });

  it('forRootAsync: options from a factory, tenant settings built with a dependency from `imports`', async () => {
    @Injectable()
    class TenantDirectory {
      ids = ['acme', 'globex'];
    }
    @Module({ providers: [TenantDirectory], exports: [TenantDirectory] })
    class DirectoryModule {}
    @Injectable()
    class DirectorySettings implements TenantSettingsProvider {
      constructor(private readonly directory: TenantDirectory) {}
      listTenants() {
        return this.directory.ids;
      }
      isEnabled() {
        return true;
      }
    }
    const seen: string[] = [];
    @Injectable()
    class Jobs {
      @CoordinatedCron('async-configured', yearly)
      @PerTenant()
      run(tenantId: string, { context }: CronRun) {
        seen.push(`${tenantId}@${context.instanceId}`);
      }
    }
    const prefix = uniquePrefix('async');
    @Module({
      imports: [
        ScheduleModule.forRoot(),
        ClsModule.forRoot({ global: true }),
        CoordinatedCronModule.forRootAsync({
          imports: [DirectoryModule],
          useFactory: () => ({ keyPrefix: prefix, instanceId: 'async-node', tenantSettings: DirectorySettings }),
        }),
      ],
      providers: [Jobs],
    })
    class AsyncAppModule {}
    const app = await Test.createTestingModule({ imports: [AsyncAppModule] })
      .setLogger(new CapturingLogger())
      .compile();
    await app.init();
    try {
      const report = await app
        .get(CoordinatedCronRunner)
        .trigger('async-configured', { occurrence: new Date('2026-01-01T00:00:00Z') });
      expect(report.outcome).toBe('completed');
      expect(seen.sort()).toEqual(['acme@async-node', 'globex@async-node']);
    } finally {
      await app.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });

  it('registers each job in SchedulerRegistry under its name, lists it, and unregisters it at shutdown', async () => {
    @Injectable()
    class Jobs {
      @CoordinatedCron('listed', { cron: '*/30 * * * *', jitter: '5m' })
      run() {}
    }
    const { app } = await createTestApp({ providers: [Jobs], cache: 'none' });
    const registry = app.get(SchedulerRegistry);
    expect(registry.doesExist('cron', 'listed')).toBe(true);
    const [info] = app.get(CoordinatedCronRunner).jobs();
    expect(info).toMatchObject({ name: 'listed', cron: '*/30 * * * *', jitterMs: 300_000 });
    expect(info.nextOccurrence.getTime()).toBeGreaterThan(Date.now());
    expect(info.nextOccurrence.getUTCMinutes() % 30).toBe(0);
    await app.close();
    expect(registry.doesExist('cron', 'listed')).toBe(false);
  });

  it('a scheduled run starts inside its window: at or after the tick, before tick + jitter', async () => {
    const prefix = uniquePrefix('window');
    const lateness: number[] = [];
    @Injectable()
    class Jobs {
      @CoordinatedCron('windowed', { cron: '* * * * * *', jitter: 400 })
      run({ context }: CronRun) {
        lateness.push(Date.now() - Date.parse(context.occurrence));
      }
    }
    const { app } = await createTestApp({ providers: [Jobs], options: { keyPrefix: prefix } });
    try {
      const deadline = Date.now() + 8000;
      while (lateness.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(lateness.length).toBeGreaterThanOrEqual(3);
      for (const ms of lateness) {
        expect(ms).toBeGreaterThanOrEqual(0);
        // 400 ms of window plus room for a loaded machine's timers and Redis: a bound that catches a delay drawn
        // from the wrong range, not a latency figure. jitter.spec.ts pins the drawn delay itself.
        expect(ms).toBeLessThan(400 + 1_600);
      }
    } finally {
      await app.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });

  it('an unknown job name and an invalid occurrence are rejected by trigger', async () => {
    @Injectable()
    class Jobs {
      @CoordinatedCron('known', yearly)
      run() {}
    }
    const { app } = await createTestApp({ providers: [Jobs], cache: 'none' });
    try {
      const runner = app.get(CoordinatedCronRunner);
      await expect(runner.trigger('unknown')).rejects.toThrow(
        'no coordinated cron job named "unknown"; known jobs: known',
      );
      await expect(runner.trigger('known', { occurrence: new Date('nope') })).rejects.toThrow('is not a valid Date');
    } finally {
      await app.close();
    }
  });
  it('is global by default, like ScheduleModule, and scoped with isGlobal: false', () => {
    expect(CoordinatedCronModule.forRoot().global).toBe(true);
    expect(CoordinatedCronModule.forRoot({ isGlobal: false }).global).toBe(false);
    expect(CoordinatedCronModule.forRootAsync({ useFactory: () => ({}), isGlobal: false }).global).toBe(false);
  });
});
