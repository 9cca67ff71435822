/** @jest-environment ./test/support/real-process-environment.cjs */
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { CoordinatedCron, CoordinatedCronRunner } from '../../src/index.js';
import { createTestApp } from '../support/app.js';
import { uniquePrefix } from '../support/redis.js';
import { STORE_TARGETS, type StoreTarget } from '../support/store-targets.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';

const YEARLY = '0 0 1 1 *';
let minute = 0;
const nextOccurrence = () => new Date(Date.UTC(2026, 0, 1) + minute++ * 60_000);

describe.each(STORE_TARGETS)('pause on failure, counted fleet-wide ($name)', (target: StoreTarget) => {
  failOnUnhandledRejections();
  // Apps close before the target's own clean-up: a pool ends only once the app gave back its connections.
  const opened: INestApplicationContext[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((app) => app.close()));
  });
  target.use();

  it('three failed runs in a row on two instances pause the job; a completed run resets the count; resume clears it', async () => {
    const prefix = uniquePrefix('pause-on-failure');
    const outcome = { fail: true };
    @Injectable()
    class Jobs {
      @CoordinatedCron('fragile', { cron: YEARLY, catchup: 'none', pauseOnFailure: 3 })
      run() {
        if (outcome.fail) throw new Error('upstream down');
      }
    }
    const boot = async (name: string) => {
      const { app, logger } = await createTestApp({
        providers: [Jobs],
        ...target.app(prefix, { instanceId: name, scheduling: false }),
      });
      opened.push(app);
      return { runner: app.get(CoordinatedCronRunner), logger };
    };
    const a = await boot('a');
    const b = await boot('b');
    const run = (on: typeof a) => on.runner.trigger('fragile', { occurrence: nextOccurrence() });

    expect((await run(a)).outcome).toBe('failed');
    expect((await run(b)).outcome).toBe('failed');
    expect((await a.runner.describe('fragile')).consecutiveFailures).toBe(2);
    // A completed run in between starts the count again, and is the job's last completed run.
    outcome.fail = false;
    const completed = await run(a);
    const afterSuccess = await b.runner.describe('fragile');
    expect(afterSuccess.consecutiveFailures).toBe(0);
    expect(afterSuccess.lastCompleted?.occurrence).toBe(completed.occurrence);
    expect(Date.parse(afterSuccess.lastCompleted!.finishedAt)).toBeGreaterThanOrEqual(
      Date.parse(completed.startedAt) - 1_000,
    );
    expect(afterSuccess.paused).toBeUndefined();

    outcome.fail = true;
    await run(b);
    await run(a);
    expect((await a.runner.describe('fragile')).paused).toBeUndefined();
    await run(b);
    const paused = await a.runner.describe('fragile');
    expect(paused.consecutiveFailures).toBe(3);
    expect(paused.pauseOnFailure).toBe(3);
    expect(paused.paused).toMatchObject({ by: 'pauseOnFailure', reason: 'paused after 3 consecutive failures' });
    // Nest's Logger is one per process: every app writes to the logger of the last one booted.
    expect(b.logger.matching(/ job paused fleet-wide after 3 consecutive failures \(pauseOnFailure\)/)).toHaveLength(1);
    // Paused fleet-wide: a tick of the schedule (not an operator's trigger) is skipped on either instance.
    const claimProbe = await target.probe(prefix);
    const tick = await claimProbe.claim({
      job: 'fragile',
      occurrence: nextOccurrence(),
      token: 'probe:probe',
      runId: 'probe',
      owner: 'probe',
      ttls: { claimUntil: new Date(0), claimMinMs: 60_000, leaseMs: 1_000, ledgerMs: 60_000 },
    });
    expect(tick.kind).toBe('paused');

    await a.runner.resume('fragile');
    const resumed = await b.runner.describe('fragile');
    expect(resumed.paused).toBeUndefined();
    expect(resumed.consecutiveFailures).toBe(0);
  });
});
