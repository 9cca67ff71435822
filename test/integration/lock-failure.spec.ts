/** @jest-environment ./test/support/real-process-environment.cjs */
import { Injectable } from '@nestjs/common';
import { CoordinatedCron, CoordinatedCronRunner, type CronContextValue, type JobRunReport } from '../../src/index.js';
import { CapturingLogger, createTestApp } from '../support/app.js';
import { uniquePrefix } from '../support/redis.js';
import { freePort, OwnRedisServer } from '../support/redis-server.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';

const LOCK_TIMEOUT = 500;

function jobsCounting(counter: { runs: number }) {
  @Injectable()
  class Jobs {
    @CoordinatedCron('guarded-job', '0 0 1 1 *')
    run() {
      counter.runs += 1;
    }
  }
  return Jobs;
}

async function triggerTimed(runner: CoordinatedCronRunner, occurrence: Date): Promise<{ report: JobRunReport; ms: number }> {
  const started = Date.now();
  const report = await runner.trigger('guarded-job', { occurrence });
  return { report, ms: Date.now() - started };
}

function expectLockErrorSkips(results: Array<{ report: JobRunReport; ms: number }>, logger: CapturingLogger) {
  for (const { report, ms } of results) {
    expect(report).toMatchObject({ outcome: 'skipped', skipReason: 'lock-error' });
    expect(report.error).toEqual(expect.any(String));
    expect(ms).toBeLessThan(LOCK_TIMEOUT + 500);
  }
  const errorLines = logger.lines.filter((l) => l.level === 'error' && /reason=lock-error/.test(l.message));
  expect(errorLines.length).toBe(results.length);
  for (const line of errorLines) expect(line.message).toMatch(/job=guarded-job run=[0-9a-f-]{36} /);
}

describe('lock store failure: skip, never double-run', () => {
  const unhandled = failOnUnhandledRejections();

  it('a default-constructed KeyvRedis aimed at a closed port: every run is skipped/lock-error, the body never runs', async () => {
    const port = await freePort();
    const counter = { runs: 0 };
    const errors: CronContextValue[] = [];
    const { app, logger } = await createTestApp({
      providers: [jobsCounting(counter)],
      cache: { redisUrl: `redis://127.0.0.1:${port}` },
      options: { keyPrefix: uniquePrefix('closed'), lockTimeout: LOCK_TIMEOUT, onError: (_e, c) => errors.push(c) },
    });
    await app.init();
    try {
      const runner = app.get(CoordinatedCronRunner);
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await triggerTimed(runner, new Date(Date.UTC(2026, 0, 1, 0, 0, i * 10))));
      expectLockErrorSkips(results, logger);
      expect(counter.runs).toBe(0);
      expect(errors.map((c) => c.jobName)).toEqual(['guarded-job', 'guarded-job', 'guarded-job']);
      expect(unhandled.calls).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('a Redis that stops answering (SIGSTOP): runs are skipped within the bound; after SIGCONT they run again', async () => {
    const server = await OwnRedisServer.start();
    const counter = { runs: 0 };
    const { app, logger } = await createTestApp({
      providers: [jobsCounting(counter)],
      cache: { redisUrl: server.url },
      options: { keyPrefix: uniquePrefix('paused'), lockTimeout: LOCK_TIMEOUT },
    });
    try {
      await app.init();
      const runner = app.get(CoordinatedCronRunner);
      const healthy = await runner.trigger('guarded-job', { occurrence: new Date(Date.UTC(2026, 0, 1, 0, 0, 0)) });
      expect(healthy.outcome).toBe('completed');
      expect(counter.runs).toBe(1);

      server.pause();
      const results = [];
      for (let i = 1; i <= 3; i++) results.push(await triggerTimed(runner, new Date(Date.UTC(2026, 0, 1, 0, 0, i * 10))));
      expectLockErrorSkips(results, logger);
      expect(counter.runs).toBe(1);

      server.resume();
      // The connection survives the pause; give queued commands a moment to drain, then a fresh occurrence runs.
      let resumed: JobRunReport | undefined;
      const deadline = Date.now() + 10_000;
      for (let i = 10; Date.now() < deadline; i++) {
        resumed = await runner.trigger('guarded-job', { occurrence: new Date(Date.UTC(2026, 0, 1, 0, 1, i)) });
        if (resumed.outcome === 'completed') break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(resumed?.outcome).toBe('completed');
      expect(counter.runs).toBe(2);
      // Claims that timed out while paused were compensated: none of those occurrences is held.
      const retried = await runner.trigger('guarded-job', { occurrence: new Date(Date.UTC(2026, 0, 1, 0, 0, 10)) });
      expect(retried.outcome).toBe('completed');
      expect(unhandled.calls).toEqual([]);
    } finally {
      server.resume();
      await app.close();
      server.kill();
    }
  });
  it("lockFailure 'run': a dead store does not stop the job; the error is logged with its identity", async () => {
    const port = await freePort();
    const counter = { runs: 0 };
    const { app, logger } = await createTestApp({
      providers: [jobsCounting(counter)],
      cache: { redisUrl: `redis://127.0.0.1:${port}` },
      options: { keyPrefix: uniquePrefix('run-anyway'), lockTimeout: LOCK_TIMEOUT, lockFailure: 'run' },
    });
    try {
      const report = await app.get(CoordinatedCronRunner).trigger('guarded-job', { occurrence: new Date(Date.UTC(2026, 0, 1)) });
      expect(report.outcome).toBe('completed');
      expect(counter.runs).toBe(1);
      const lines = logger.lines.filter((l) => l.level === 'error' && l.message.includes('lockFailure=run'));
      expect(lines.map((l) => l.message)).toEqual([
        expect.stringMatching(new RegExp(`^job=guarded-job run=${report.runId} lock store failed, running without`)),
      ]);
      expect(unhandled.calls).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
