/** @jest-environment ./test/support/real-process-environment.cjs */
import { Injectable } from '@nestjs/common';
import {
  CoordinatedCron,
  CoordinatedCronRunner,
  type CronContextValue,
  type CronRun,
  type JobRunReport,
} from '../../src/index.js';
import { waitFor } from '../support/wait.js';
import { CapturingLogger, createTestApp, fenceOf } from '../support/app.js';
import { uniquePrefix } from '../support/redis.js';
import { freePort } from '../support/redis-server.js';
import { STORE_TARGETS } from '../support/store-targets.js';
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

async function triggerTimed(
  runner: CoordinatedCronRunner,
  occurrence: Date,
  name = 'guarded-job',
): Promise<{ report: JobRunReport; ms: number }> {
  const started = Date.now();
  const report = await runner.trigger(name, { occurrence });
  return { report, ms: Date.now() - started };
}

function expectLockErrorSkips(results: Array<{ report: JobRunReport; ms: number }>, logger: CapturingLogger) {
  for (const { report, ms } of results) {
    expect(report).toMatchObject({ outcome: 'skipped', skipReason: 'lock-error' });
    expect(report.error).toEqual(expect.any(String));
    // The promise is a bound, not a speed: a call without one would wait for good. The slack is for a loaded machine.
    expect(ms).toBeLessThan(LOCK_TIMEOUT + 2500);
  }
  const errorLines = logger.lines.filter((l) => l.level === 'error' && /reason=lock-error/.test(l.message));
  expect(errorLines.length).toBe(results.length);
  for (const line of errorLines) expect(line.message).toMatch(/job=guarded-job run=[0-9a-f-]{36} /);
}

describe.each(STORE_TARGETS)('lock store failure: skip, never double-run ($name)', (target) => {
  const unhandled = failOnUnhandledRejections();
  target.use();

  it('a client made with defaults, aimed at a closed port: every run is skipped/lock-error, the body never runs', async () => {
    const port = await freePort();
    const counter = { runs: 0 };
    const errors: CronContextValue[] = [];
    const { app, logger } = await createTestApp({
      providers: [jobsCounting(counter)],
      ...target.deadApp(port, {
        keyPrefix: uniquePrefix('closed'),
        lockTimeout: LOCK_TIMEOUT,
        onError: (_e, c) => errors.push(c),
      }),
    });
    await app.init();
    try {
      const runner = app.get(CoordinatedCronRunner);
      const results = [];
      for (let i = 0; i < 3; i++)
        results.push(await triggerTimed(runner, new Date(Date.UTC(2026, 0, 1, 0, 0, i * 10))));
      expectLockErrorSkips(results, logger);
      expect(counter.runs).toBe(0);
      expect(errors.map((c) => c.jobName)).toEqual(['guarded-job', 'guarded-job', 'guarded-job']);
      expect(unhandled.calls).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('a store that stops answering (SIGSTOP): runs are skipped within the bound; after SIGCONT they run again', async () => {
    const server = await target.ownServer();
    const counter = { runs: 0 };
    const { app, logger } = await createTestApp({
      providers: [jobsCounting(counter)],
      ...target.app(uniquePrefix('paused'), { lockTimeout: LOCK_TIMEOUT }, server),
    });
    try {
      await app.init();
      const runner = app.get(CoordinatedCronRunner);
      const healthy = await runner.trigger('guarded-job', { occurrence: new Date(Date.UTC(2026, 0, 1, 0, 0, 0)) });
      expect(healthy.outcome).toBe('completed');
      expect(counter.runs).toBe(1);

      server.pause();
      const results = [];
      for (let i = 1; i <= 3; i++)
        results.push(await triggerTimed(runner, new Date(Date.UTC(2026, 0, 1, 0, 0, i * 10))));
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
    }
  });

  it("lockFailure 'run': a dead store does not stop the job; the error is logged with its identity", async () => {
    const port = await freePort();
    const counter = { runs: 0 };
    const { app, logger } = await createTestApp({
      providers: [jobsCounting(counter)],
      ...target.deadApp(port, { keyPrefix: uniquePrefix('run-anyway'), lockTimeout: LOCK_TIMEOUT, lockFailure: 'run' }),
    });
    try {
      const report = await app
        .get(CoordinatedCronRunner)
        .trigger('guarded-job', { occurrence: new Date(Date.UTC(2026, 0, 1)) });
      expect(report.outcome).toBe('completed');
      expect(counter.runs).toBe(1);
      const lines = logger.lines.filter((l) => l.level === 'error' && l.message.includes('lockFailure=run'));
      expect(lines.map((l) => l.message)).toEqual([
        expect.stringMatching(
          new RegExp(`^job=guarded-job run=${report.runId}${fenceOf(report)} lock store failed, running without`),
        ),
      ]);
      expect(unhandled.calls).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('the store killed mid-run, then back: the run loses its lease, other runs skip at once, and runs resume after', async () => {
    const server = await target.ownServer();
    const runs = { quick: 0 };
    let started!: () => void;
    const longStarted = new Promise<void>((resolve) => (started = resolve));
    let abortReason: unknown;
    @Injectable()
    class Jobs {
      @CoordinatedCron('long-job', '0 0 1 1 *')
      async long({ signal }: CronRun) {
        started();
        // Runs until its signal aborts, or gives up so that a missing abort fails the assertions, not the timeout.
        abortReason = await new Promise((resolve) => {
          const timer = setTimeout(() => resolve(undefined), 10_000);
          signal.addEventListener('abort', () => (clearTimeout(timer), resolve(signal.reason)), { once: true });
        });
      }
      @CoordinatedCron('quick-job', '0 0 1 1 *')
      quick() {
        runs.quick += 1;
      }
    }
    // lockTimeout far above the lease: a skip that waited for it would show in the timing below.
    const { app, logger } = await createTestApp({
      providers: [Jobs],
      ...target.app(uniquePrefix('killed'), { lockTimeout: 5_000, leaseTtl: 900 }, server),
    });
    let back = false;
    try {
      const runner = app.get(CoordinatedCronRunner);
      const longRun = runner.trigger('long-job', { occurrence: new Date(Date.UTC(2026, 0, 1)) });
      await longStarted;
      await server.crash();
      // Until the client has seen the socket close, a call is sent and fails differently (the socket closed under it).
      await target.untilOutageNoticed(app);

      const duringOutage = new Date(Date.UTC(2026, 0, 2));
      const skipped = await triggerTimed(runner, duringOutage, 'quick-job');
      expect(skipped.report).toMatchObject({ outcome: 'skipped', skipReason: 'lock-error' });
      expect(skipped.report.error).toMatch(target.killedError);
      expect(skipped.ms).toBeLessThan(2_500);
      expect(runs.quick).toBe(0);

      const long = await longRun;
      expect((abortReason as Error | undefined)?.message).toMatch(/^running lease lost: not renewed for 900ms: /);
      expect((abortReason as Error | undefined)?.message).toMatch(target.killedError);
      const lost = logger.lines.filter((l) =>
        l.message.startsWith(`job=long-job run=${long.runId}${fenceOf(long)} running lease lost (`),
      );
      expect(lost.map((l) => l.level)).toEqual(['error']);

      await server.start();
      back = true;
      let resumed: JobRunReport | undefined;
      await waitFor(
        'a run after the store came back',
        async () => {
          resumed = await runner.trigger('quick-job', { occurrence: new Date(Date.UTC(2026, 0, 3)) });
          return resumed.outcome === 'completed';
        },
        { timeoutMs: 15_000, intervalMs: 200 },
      );
      expect(runs.quick).toBe(1);
      // The occurrence refused during the outage was not claimed behind its back when the store returned.
      expect((await runner.trigger('quick-job', { occurrence: duringOutage })).outcome).toBe('completed');
      expect(runs.quick).toBe(2);
    } finally {
      started();
      // Closing waits for whatever a Redis cache client has queued; with Redis still down that would be forever.
      if (!back) await server.start();
      await app.close();
    }
  });

  describe("lockFailure 'run' with the store down: never twice at once in one process", () => {
    function gatedJob(state: {
      running: number;
      maxRunning: number;
      calls: number;
      release: Promise<void>;
      started: () => void;
    }) {
      @Injectable()
      class Jobs {
        @CoordinatedCron('guarded-job', '0 0 1 1 *')
        async run() {
          state.calls += 1;
          state.running += 1;
          state.maxRunning = Math.max(state.maxRunning, state.running);
          state.started();
          await state.release;
          state.running -= 1;
        }
      }
      return Jobs;
    }

    it.each([
      ['while the first is running', false],
      ['when both start at the same instant', true],
    ])('a second occurrence %s is skipped as overlap', async (_label, simultaneous) => {
      const port = await freePort();
      let release!: () => void;
      let started!: () => void;
      const firstStarted = new Promise<void>((resolve) => (started = resolve));
      const state = { running: 0, maxRunning: 0, calls: 0, release: new Promise<void>((r) => (release = r)), started };
      // No store answers, so no lease can keep the runs apart: only the process's own guard can.
      const { app, logger } = await createTestApp({
        providers: [gatedJob(state)],
        ...target.deadApp(port, {
          keyPrefix: uniquePrefix('run-guard'),
          lockTimeout: LOCK_TIMEOUT,
          lockFailure: 'run',
        }),
      });
      try {
        const runner = app.get(CoordinatedCronRunner);
        const settled: JobRunReport[] = [];
        const trigger = (second: number) =>
          runner
            .trigger('guarded-job', { occurrence: new Date(Date.UTC(2026, 0, 1, 0, 0, second)) })
            .then((report) => (settled.push(report), report));
        const runs = simultaneous ? [trigger(0), trigger(1)] : [trigger(0)];
        await firstStarted;
        if (!simultaneous) runs.push(trigger(1));
        // Whichever got in first holds the job until released; the other must come back while it still runs.
        await waitFor(
          'one trigger to come back, or both to have started',
          () => settled.length > 0 || state.calls > 1,
          {
            timeoutMs: 10_000,
            intervalMs: 10,
          },
        );
        expect(state.calls).toBe(1);
        const second = settled[0];
        expect(second).toMatchObject({ outcome: 'skipped', skipReason: 'overlap' });
        release();
        const reports = await Promise.all(runs);
        expect(reports.filter((r) => r.outcome === 'completed')).toHaveLength(1);
        expect(state.maxRunning).toBe(1);
        const overlapLine = logger.lines.find((l) =>
          l.message.startsWith(`job=guarded-job run=${second.runId}${fenceOf(second)} occurrence=`),
        );
        expect(overlapLine?.level).toBe('warn');
      } finally {
        release();
        await app.close();
      }
    });
  });
});
