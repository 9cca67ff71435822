/** @jest-environment ./test/support/real-process-environment.cjs */
import { jest } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import {
  CoordinatedCron,
  CoordinatedCronRunner,
  CronContext,
  type CronContextValue,
  type CronRun,
} from '../../src/index.js';
import { waitFor } from '../support/wait.js';
import { createTestApp, fenceOf } from '../support/app.js';
import { claimKey, OccurrenceExecutor } from '../support/internals.js';
import { connectRedis, deleteKeys, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';

describe('containment and job identity', () => {
  const unhandled = failOnUnhandledRejections();

  it('throwing, rejecting and non-Error-throwing jobs are reported failed, logged with identity, passed to onError', async () => {
    const prefix = uniquePrefix('contain');
    const hooked: Array<{ error: unknown; context: CronContextValue }> = [];
    @Injectable()
    class Jobs {
      @CoordinatedCron('throws', '0 0 1 1 *')
      throws() {
        throw new Error('boom');
      }
      @CoordinatedCron('rejects', '0 0 1 1 *')
      async rejects() {
        await new Promise((resolve) => setTimeout(resolve, 5));
        throw new RangeError('later boom');
      }
      @CoordinatedCron('throws-string', '0 0 1 1 *')
      throwsString() {
        throw 'a bare string';
      }
      @CoordinatedCron('throws-undefined', '0 0 1 1 *')
      async throwsUndefined() {
        return Promise.reject(undefined);
      }
    }
    const { app, logger } = await createTestApp({
      providers: [Jobs],
      options: { keyPrefix: prefix, onError: (error, context) => hooked.push({ error, context }) },
    });
    await app.init();
    try {
      const runner = app.get(CoordinatedCronRunner);
      const occurrence = new Date('2026-03-01T10:00:00Z');
      const expected: Record<string, string> = {
        throws: 'Error: boom',
        rejects: 'RangeError: later boom',
        'throws-string': 'a bare string',
        'throws-undefined': 'undefined',
      };
      for (const [name, message] of Object.entries(expected)) {
        const report = await runner.trigger(name, { occurrence });
        expect(report).toMatchObject({ jobName: name, outcome: 'failed', error: message });
        const line = logger.lines.find(
          (l) =>
            l.level === 'error' &&
            l.message.startsWith(`job=${name} run=${report.runId} fence=${report.fencingToken} failed:`),
        );
        expect(line?.message).toContain(message);
        expect(hooked.find((h) => h.context.jobName === name)?.context.runId).toBe(report.runId);
      }
      expect(hooked.map((h) => h.error)).toEqual([
        expect.objectContaining({ message: 'boom' }),
        expect.objectContaining({ message: 'later boom' }),
        'a bare string',
        undefined,
      ]);
      expect(unhandled.calls).toEqual([]);
    } finally {
      await app.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });

  it('an onError hook that throws or rejects is itself contained', async () => {
    const prefix = uniquePrefix('hook');
    @Injectable()
    class Jobs {
      @CoordinatedCron('fails', '0 0 1 1 *')
      fails() {
        throw new Error('job failure');
      }
    }
    let calls = 0;
    const { app, logger } = await createTestApp({
      providers: [Jobs],
      options: {
        keyPrefix: prefix,
        onError: () => {
          calls += 1;
          if (calls === 1) throw new Error('reporter down');
          return Promise.reject(new Error('reporter rejected')) as unknown as void;
        },
      },
    });
    await app.init();
    try {
      const runner = app.get(CoordinatedCronRunner);
      expect((await runner.trigger('fails', { occurrence: new Date('2026-03-01T10:00:00Z') })).outcome).toBe('failed');
      expect((await runner.trigger('fails', { occurrence: new Date('2026-03-01T11:00:00Z') })).outcome).toBe('failed');
      await new Promise((resolve) => setImmediate(resolve));
      expect(logger.matching(/onError hook threw: Error: reporter down/)).toHaveLength(1);
      expect(logger.matching(/onError hook threw: Error: reporter rejected/)).toHaveLength(1);
      expect(unhandled.calls).toEqual([]);
    } finally {
      await app.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });

  it('a scheduled job that throws on every tick leaves the process and its schedule running', async () => {
    const prefix = uniquePrefix('scheduled-throw');
    let ticks = 0;
    @Injectable()
    class Jobs {
      @CoordinatedCron('every-second-throws', '* * * * * *')
      run() {
        ticks += 1;
        throw new Error(`tick ${ticks}`);
      }
    }
    const { app, logger } = await createTestApp({ providers: [Jobs], options: { keyPrefix: prefix, jitter: false } });
    await app.init();
    try {
      const deadline = Date.now() + 6000;
      while (ticks < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(ticks).toBeGreaterThanOrEqual(2);
      expect(logger.matching(/job=every-second-throws run=\S+ fence=\d+ failed: Error: tick 1/)).toHaveLength(1);
      expect(unhandled.calls).toEqual([]);
    } finally {
      await app.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });

  it('the scheduled callback has a second guard: a run that rejects anyway (a library bug) is logged, never unhandled', async () => {
    @Injectable()
    class Jobs {
      @CoordinatedCron('guarded-tick', '* * * * * *')
      run() {}
    }
    const { app, logger } = await createTestApp({ providers: [Jobs], cache: 'none', options: { jitter: false } });
    try {
      // The executor promises never to reject; make it break that promise and see the scheduler contain it.
      const run = jest
        .spyOn(app.get(OccurrenceExecutor), 'run')
        .mockImplementation(() => Promise.reject(new Error('library bug')));
      await waitFor('a scheduled tick', () => run.mock.calls.length > 0, { timeoutMs: 5_000, intervalMs: 10 });
      const contained =
        /^job=guarded-tick run=- scheduled callback failed unexpectedly \(contained\): Error: library bug$/;
      await waitFor('the contained failure to be logged', () => logger.matching(contained).length > 0, {
        timeoutMs: 2_000,
        intervalMs: 10,
      });
      expect(logger.lines.find((l) => contained.test(l.message))?.level).toBe('error');
    } finally {
      await app.close();
    }
  });

  it('CronContext.get() inside a job returns its identity, also deep in async calls; outside a job it is undefined', async () => {
    const prefix = uniquePrefix('cls');
    const seen: Array<CronContextValue | undefined> = [];
    @Injectable()
    class Deep {
      constructor(private readonly ctx: CronContext) {}
      async read() {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return this.ctx.get();
      }
    }
    @Injectable()
    class Jobs {
      constructor(
        private readonly deep: Deep,
        private readonly cls: ClsService,
      ) {}
      @CoordinatedCron('identity', '0 0 1 1 *')
      async run({ context }: CronRun) {
        this.cls.set('flow', 'identity-flow');
        seen.push(await this.deep.read(), context);
      }
    }
    const { app, logger } = await createTestApp({
      providers: [Jobs, Deep],
      options: { keyPrefix: prefix, instanceId: 'node-1' },
    });
    const redis = await connectRedis();
    try {
      const occurrence = new Date('2026-03-01T10:00:00Z');
      const report = await app.get(CoordinatedCronRunner).trigger('identity', { occurrence });
      const expected = {
        jobName: 'identity',
        runId: report.runId,
        occurrence: '2026-03-01T10:00:00.000Z',
        instanceId: 'node-1',
        fencingToken: report.fencingToken,
      };
      expect(seen).toEqual([expected, expected]);
      // instanceId names the process in the report, the log line and the lock value.
      expect(report.instanceId).toBe('node-1');
      expect(
        logger.matching(
          new RegExp(
            `^job=identity run=${report.runId}${fenceOf(report)} occurrence=\\S+ instance=node-1 outcome=completed`,
          ),
        ),
      ).toHaveLength(1);
      expect(await redis.get(claimKey(prefix, 'identity', occurrence))).toBe(`node-1:${report.runId}`);
      expect(app.get(CronContext).get()).toBeUndefined();
      // A value the job put in its context does not leak out of the run.
      const cls = app.get(ClsService);
      expect(cls.isActive() ? cls.get('flow') : undefined).toBeUndefined();
    } finally {
      await app.close();
      await redis.close();
      await deleteKeys(REDIS_URL, prefix);
    }
  });
});
