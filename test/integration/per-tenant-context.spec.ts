/** @jest-environment ./test/support/real-process-environment.cjs */
import { Injectable, type INestApplicationContext, type Type } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import {
  CoordinatedCron,
  CoordinatedCronConfigurationError,
  type CoordinatedCronModuleOptions,
  CronContext,
  type CronContextValue,
  PerTenant,
} from '../../src/index.js';
import { createTestApp } from '../support/app.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';
import { JOB, CRON, ids, nextOccurrence, settingsFor, tenantJob, withApp } from '../support/per-tenant.js';
import { deferred, sleep } from '../support/wait.js';

describe('@PerTenant fan-out: tenant context and boot errors (real Redis)', () => {
  failOnUnhandledRejections();
  it('gives each tenant its own CLS child context: CronContext names the tenant, and values set in one stay there', async () => {
    const tenants = ids(4);
    const { type } = settingsFor({ tenants: () => tenants });
    const seen = new Map<string, { context?: CronContextValue; before: unknown; after: unknown }>();
    let arrived = 0;
    const allSet = deferred();

    @Injectable()
    class ClsJobs {
      constructor(
        private readonly cls: ClsService,
        private readonly cron: CronContext,
      ) {}

      @CoordinatedCron(JOB, CRON)
      @PerTenant({ concurrency: 4 })
      async handle(tenantId: string) {
        const before = this.cls.get('current-tenant');
        this.cls.set('current-tenant', tenantId);
        // All four run at once and each waits until every one has written: a shared store would show the last write.
        if (++arrived === tenants.length) allSet.resolve();
        await allSet.promise;
        await sleep(1);
        seen.set(tenantId, {
          context: this.cron.get(),
          before,
          after: this.cls.get('current-tenant'),
        });
      }
    }

    await withApp({ providers: [ClsJobs], settings: type }, async ({ app, runner }) => {
      const occurrence = nextOccurrence();
      const report = await runner.trigger(JOB, { occurrence });
      expect(report.outcome).toBe('completed');
      expect([...seen.keys()].sort()).toEqual([...tenants].sort());
      for (const tenantId of tenants) {
        const entry = seen.get(tenantId)!;
        expect(entry.context).toEqual({
          jobName: JOB,
          runId: report.runId,
          occurrence: occurrence.toISOString(),
          instanceId: report.instanceId,
          fencingToken: report.fencingToken,
          tenantId,
        });
        expect(entry.before).toBeUndefined();
        expect(entry.after).toBe(tenantId);
      }
      expect(app.get(CronContext).get()).toBeUndefined();
    });
  });

  describe('boot errors', () => {
    /**
     * NestFactory.createApplicationContext runs the init hooks itself, so both module-option errors (thrown while
     * the options provider is built) and decorator errors (thrown by the explorer's onModuleInit) surface there.
     */
    async function bootError(providers: Type[], options: CoordinatedCronModuleOptions): Promise<string> {
      let booted: INestApplicationContext | undefined;
      try {
        booted = (await createTestApp({ providers, options, cache: 'none' })).app;
      } catch (error) {
        expect(error).toBeInstanceOf(CoordinatedCronConfigurationError);
        return (error as Error).message;
      }
      await booted.close();
      throw new Error('expected the boot to fail');
    }

    const { type: Settings } = settingsFor({ tenants: () => ['a'] });
    const noop = () => undefined;

    it('@PerTenant without @CoordinatedCron names the class and method', async () => {
      @Injectable()
      class Orphan {
        @PerTenant()
        refreshQuotas(_tenantId: string) {
          return undefined;
        }
      }
      const message = await bootError([Orphan], { tenantSettings: Settings });
      expect(message).toBe(
        '(Orphan.refreshQuotas): @PerTenant() needs @CoordinatedCron(name, window) on the same method; ' +
          'add it, or remove @PerTenant().',
      );
    });

    it('@PerTenant with no tenantSettings names the job, class and method', async () => {
      const message = await bootError([tenantJob(noop)], {});
      expect(message).toContain(`Job "${JOB}" (TenantJobs.handle)`);
      expect(message).toContain('needs a tenant settings provider');
      expect(message).toContain('tenantSettings');
    });

    it.each([0, -1, 1.5])('module concurrency %p is rejected when the app is created', async (concurrency) => {
      const message = await bootError([tenantJob(noop)], { tenantSettings: Settings, concurrency });
      expect(message).toBe(
        `CoordinatedCronModule option concurrency ${concurrency} must be a positive integer, e.g. 5.`,
      );
    });

    it.each([0, -1, 1.5])('@PerTenant concurrency %p names the job, class and method', async (concurrency) => {
      const message = await bootError([tenantJob(noop, { concurrency })], { tenantSettings: Settings });
      expect(message).toBe(
        `Job "${JOB}" (TenantJobs.handle): @PerTenant concurrency ${concurrency} must be a positive integer, e.g. 5.`,
      );
    });

    it('an unparseable module tenantTimeout is rejected when the app is created', async () => {
      const message = await bootError([tenantJob(noop)], { tenantSettings: Settings, tenantTimeout: 'a while' });
      expect(message).toContain('CoordinatedCronModule option tenantTimeout "a while" is not a duration');
    });

    it('an unparseable @PerTenant tenantTimeout names the job, class and method', async () => {
      const message = await bootError([tenantJob(noop, { tenantTimeout: 'a while' })], { tenantSettings: Settings });
      expect(message).toContain(
        `Job "${JOB}" (TenantJobs.handle): @PerTenant tenantTimeout "a while" is not a duration`,
      );
      expect(message).toContain("'30s'");
    });
  });
});
