/** @jest-environment ./test/support/real-process-environment.cjs */
import KeyvRedis from '@keyv/redis';
import { afterEach, describe, expect, it } from '@jest/globals';
import { CacheModule } from '@nestjs/cache-manager';
import { Controller, Get, type INestApplication, Injectable, Module } from '@nestjs/common';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import terminus from '@nestjs/terminus/package.json' with { type: 'json' };
import { Test } from '@nestjs/testing';
import { ClsModule } from 'nestjs-cls';
import request from 'supertest';
import { CoordinatedCron, CoordinatedCronModule, CoordinatedCronRunner, type CronRun } from '../../src/index.js';
import { CoordinatedCronHealthIndicator, type StaleJob } from '../../src/terminus/index.js';
import { sleep, waitFor } from '../support/wait.js';
import { CapturingLogger } from '../support/app.js';
import { createHttpApp } from '../support/http-adapters.js';
import { CoordinatedCronScheduler } from '../support/internals.js';
import { uniquePrefix } from '../support/redis.js';
import { redisTarget, STORE_TARGETS, type StoreAppOptions } from '../support/store-targets.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';

const EVERY_SECOND = '* * * * * *';
const LOCK_TIMEOUT = 500;
/** Small, so a stopped per-second job goes down within seconds; the rule is staleAfter ticks plus this grace. */
const GRACE_MS = 200;

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly cron: CoordinatedCronHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.cron.isHealthy('cron', { grace: GRACE_MS })]);
  }
}

@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [CoordinatedCronHealthIndicator],
})
class HealthModule {}

/** What GET /health answered. */
interface Health {
  status: number;
  cron: { status: 'up' | 'down'; jobs?: number; paused?: string[]; stale?: StaleJob[]; message?: string };
}

const apps: INestApplication[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** A Nest HTTP app as an app with a health endpoint has it: the jobs, the cron module, terminus. */
async function healthApp(jobs: unknown, store: StoreAppOptions): Promise<INestApplication> {
  const cache =
    typeof store.cache === 'object'
      ? [CacheModule.register({ isGlobal: true, stores: [new KeyvRedis(store.cache.redisUrl)] })]
      : [];

  @Module({
    imports: [
      ScheduleModule.forRoot(),
      ClsModule.forRoot({ global: true }),
      ...cache,
      CoordinatedCronModule.forRoot({ lockTimeout: LOCK_TIMEOUT, ...store.options }),
      HealthModule,
    ],
    providers: [jobs as never],
  })
  class AppModule {}

  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .setLogger(new CapturingLogger())
    .compile();
  const app = await createHttpApp(moduleRef, 'express');
  apps.push(app);
  await app.get(CoordinatedCronScheduler, { strict: false }).whenBooted();
  return app;
}

async function health(app: INestApplication): Promise<Health> {
  const response = await request(app.getHttpServer()).get('/health');
  // Terminus answers 200 with `info` when every indicator is up, 503 with `error` otherwise; `details` has both.
  return { status: response.status, cron: response.body?.details?.cron };
}

function untilHealth(app: INestApplication, what: string, accept: (health: Health) => boolean): Promise<Health> {
  let last: Health | undefined;
  return waitFor(
    what,
    async () => {
      last = await health(app);
      return accept(last) && last;
    },
    { timeoutMs: 20_000, intervalMs: 100, diagnostics: () => `last answer: ${JSON.stringify(last)}` },
  );
}

const isUp = (h: Health) => h.status === 200 && h.cron.status === 'up';
const staleNames = (h: Health) => (h.cron.stale ?? []).map((stale) => stale.job).sort();

describe('CoordinatedCronHealthIndicator in a Nest app with @nestjs/terminus', () => {
  const unhandled = failOnUnhandledRejections();
  redisTarget.use();

  it("runs on the terminus major of this leg's NestJS: 12 on NestJS 12, 11 on NestJS 11", () => {
    expect(terminus.version.split('.')[0]).toBe(process.env.CC_EXPECT_NEST_MAJOR ?? '12');
  });

  it('is up while jobs complete, goes down for a stopped job after staleAfter ticks, and comes back up', async () => {
    @Injectable()
    class Jobs {
      @CoordinatedCron('steady', EVERY_SECOND)
      steady() {}

      @CoordinatedCron('stoppable', EVERY_SECOND)
      stoppable() {}
    }
    const app = await healthApp(Jobs, redisTarget.app(uniquePrefix('health-stop')));
    const runner = app.get(CoordinatedCronRunner);
    await waitFor(
      'both jobs to complete a run',
      async () => (await runner.describeAll()).every((job) => job.lastCompleted),
      { timeoutMs: 10_000 },
    );
    expect(await health(app)).toEqual({ status: 200, cron: { status: 'up', jobs: 2, paused: [] } });

    // The timer stops, as when a job "silently stops": nothing fails, it just never runs again.
    await app.get(SchedulerRegistry).getCronJob('stoppable').stop();
    const down = await untilHealth(app, 'the stopped job to go stale', (h) => h.status === 503);
    const seenAt = Date.now();
    expect(down.cron.status).toBe('down');
    expect(down.cron.message).toBe('1 of 2 jobs have not completed a run in time: stoppable');
    expect(staleNames(down)).toEqual(['stoppable']);
    const [stale] = down.cron.stale!;
    const last = (await runner.describe('stoppable')).lastCompleted!;
    expect(stale).toEqual({
      job: 'stoppable',
      lastCompleted: last,
      measuredFrom: last.occurrence,
      // Two ticks of a per-second schedule after the last completed occurrence, no window, plus the grace.
      staleSince: new Date(Date.parse(last.occurrence) + 2_000 + GRACE_MS).toISOString(),
      consecutiveFailures: 0,
    });
    expect(seenAt).toBeGreaterThan(Date.parse(stale.staleSince));

    await app.get(SchedulerRegistry).getCronJob('stoppable').start();
    await untilHealth(app, 'the restarted job to complete and the check to be up again', isUp);
    expect(unhandled.calls).toEqual([]);
  });

  it('never counts a paused job as stale, however long it has not run', async () => {
    @Injectable()
    class Jobs {
      @CoordinatedCron('pausable', EVERY_SECOND)
      pausable() {}
    }
    const app = await healthApp(Jobs, redisTarget.app(uniquePrefix('health-pause')));
    const runner = app.get(CoordinatedCronRunner);
    await waitFor('a completed run', async () => (await runner.describe('pausable')).lastCompleted, {
      timeoutMs: 10_000,
    });
    await runner.pause('pausable', { reason: 'maintenance' });
    // A run that had started before the pause may still complete: read the last one once the pause is in place.
    await sleep(1_100);
    const last = (await runner.describe('pausable')).lastCompleted!;
    // Wait well past the moment the job would be stale if it were not paused.
    const wouldBeStaleAt = Date.parse(last.occurrence) + 2_000 + GRACE_MS;
    await sleep(Math.max(0, wouldBeStaleAt - Date.now()) + 1_000);
    expect((await runner.describe('pausable')).lastCompleted).toEqual(last);
    expect(await health(app)).toEqual({ status: 200, cron: { status: 'up', jobs: 1, paused: ['pausable'] } });
    expect(unhandled.calls).toEqual([]);
  });

  it('goes down for a job whose runs keep failing, whether it once completed or never did', async () => {
    const bootedAfter = new Date();
    @Injectable()
    class Jobs {
      private calls = 0;

      @CoordinatedCron('flaky', EVERY_SECOND)
      flaky() {
        this.calls += 1;
        if (this.calls > 1) throw new Error('the upstream is gone');
      }

      @CoordinatedCron('broken', EVERY_SECOND)
      broken({ context }: CronRun) {
        throw new Error(`${context.jobName} cannot work`);
      }
    }
    const app = await healthApp(Jobs, redisTarget.app(uniquePrefix('health-fail')));
    const down = await untilHealth(app, 'both failing jobs to go stale', (h) => staleNames(h).length === 2);
    expect(down.status).toBe(503);
    expect(staleNames(down)).toEqual(['broken', 'flaky']);
    const stale = new Map(down.cron.stale!.map((s) => [s.job, s]));
    const flaky = stale.get('flaky')!;
    expect(flaky.lastCompleted).not.toBeNull();
    expect(flaky.measuredFrom).toBe(flaky.lastCompleted!.occurrence);
    expect(flaky.consecutiveFailures).toBeGreaterThanOrEqual(2);
    // Never completed: measured from this instance's boot.
    const broken = stale.get('broken')!;
    expect(broken.lastCompleted).toBeNull();
    expect(Date.parse(broken.measuredFrom)).toBeGreaterThanOrEqual(bootedAfter.getTime());
    expect(broken.consecutiveFailures).toBeGreaterThanOrEqual(2);
    expect(unhandled.calls).toEqual([]);
  });
});

describe.each(STORE_TARGETS)('CoordinatedCronHealthIndicator and a store that stops answering ($name)', (target) => {
  const unhandled = failOnUnhandledRejections();
  target.use();

  it('goes down within lockTimeout when the store stops answering, and comes back up when it answers again', async () => {
    @Injectable()
    class Jobs {
      @CoordinatedCron('steady', EVERY_SECOND)
      steady() {}
    }
    const server = await target.ownServer();
    const app = await healthApp(Jobs, target.app(uniquePrefix('health-store'), {}, server));
    await untilHealth(app, 'a completed run and the check up', isUp);

    server.pause();
    try {
      const started = Date.now();
      const down = await health(app);
      const ms = Date.now() - started;
      expect(down.status).toBe(503);
      expect(down.cron.status).toBe('down');
      expect(down.cron.message).toMatch(/^the lock store did not answer: LockStoreError: .* within 500ms/);
      // A bound, not a speed: without one the check would hang as long as the store does. Slack for a loaded machine.
      expect(ms).toBeLessThan(LOCK_TIMEOUT + 2_500);
    } finally {
      server.resume();
    }
    await untilHealth(app, 'the store to answer and the check to be up again', isUp);
    expect(unhandled.calls).toEqual([]);
  });
});
