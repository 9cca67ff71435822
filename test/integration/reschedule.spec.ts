/** @jest-environment ./test/support/real-process-environment.cjs */
import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import {
  CoordinatedCron,
  CoordinatedCronRunner,
  type CronRun,
  InvalidJobCommandError,
  type LockStore,
  RedisLockStore,
} from '../../src/index.js';
import { CapturingLogger, createTestApp } from '../support/app.js';
import { connectRedis, deleteKeys, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';
import { sleep, waitFor } from '../support/wait.js';
import { SchedulesInForce } from '../support/internals.js';

const opened: INestApplicationContext[] = [];
const prefixes: string[] = [];
let logger = new CapturingLogger();
afterEach(async () => {
  logger = new CapturingLogger();
  await Promise.all(opened.splice(0).map((app) => app.close()));
  await Promise.all(prefixes.splice(0).map((prefix) => deleteKeys(REDIS_URL, prefix)));
});

/** A job that ticks at an hour's start in the code, and records which instance ran which occurrence. */
async function instance(prefix: string, name: string, ran: string[], extra: Record<string, unknown> = {}) {
  @Injectable()
  class Jobs {
    @CoordinatedCron('export', { cron: '0 * * * *', catchup: 'none' })
    run({ context }: CronRun) {
      ran.push(`${context.occurrence} ${name}`);
    }
  }
  const { app } = await createTestApp({
    providers: [Jobs],
    options: { keyPrefix: prefix, instanceId: name, jitter: false, ...extra },
    logger,
  });
  opened.push(app);
  // Booted: subscribed to the store's signals (what a change made from now on reaches), and the schedule read.
  const schedules = app.get(SchedulesInForce) as unknown as {
    subscription?: unknown;
    refreshing: Map<string, unknown>;
  };
  await waitFor(
    'the instance to listen and read its schedule',
    () => !!schedules.subscription && schedules.refreshing.size === 0,
    {
      timeoutMs: 5_000,
      intervalMs: 10,
    },
  );
  return { app, runner: app.get(CoordinatedCronRunner) };
}

const cronOf = (runner: CoordinatedCronRunner) => runner.jobs().find((job) => job.name === 'export')?.cron;

describe('schedules changed at runtime, fleet-wide (real Redis)', () => {
  failOnUnhandledRejections();

  it('a reschedule on one instance re-arms every instance within 2 s; each new occurrence runs once; null goes back', async () => {
    const prefix = uniquePrefix('reschedule');
    prefixes.push(prefix);
    const ran: string[] = [];
    const a = await instance(prefix, 'a', ran);
    const b = await instance(prefix, 'b', ran);
    expect(cronOf(b.runner)).toBe('0 * * * *');

    const changedAt = Date.now();
    const schedule = await a.runner.reschedule('export', { cron: '*/2 * * * * *', reason: 'busy day' });
    expect(schedule).toMatchObject({ cron: '*/2 * * * * *', source: 'override', reason: 'busy day', by: 'a' });
    expect(cronOf(a.runner)).toBe('*/2 * * * * *');
    await waitFor('b to re-arm on the new schedule', () => cronOf(b.runner) === '*/2 * * * * *', {
      timeoutMs: 2_000,
      intervalMs: 20,
      diagnostics: () => logger.lines.map((l) => `${l.level} ${l.message}`).join('\n'),
    });
    console.info(`reschedule: b re-armed ${Date.now() - changedAt}ms after the call returned`);
    // A later instance starts from the override.
    const c = await instance(prefix, 'c', ran);
    await waitFor('c to boot on the override', () => cronOf(c.runner) === '*/2 * * * * *', { timeoutMs: 2_000 });

    await sleep(7_000);
    const occurrences = ran.map((line) => line.split(' ')[0]);
    expect(occurrences.length).toBeGreaterThanOrEqual(3);
    expect(new Set(occurrences).size).toBe(occurrences.length);
    for (const occurrence of occurrences) expect(new Date(occurrence).getUTCSeconds() % 2).toBe(0);
    expect((await c.runner.describe('export')).schedule).toMatchObject({ source: 'override', at: expect.any(String) });

    await b.runner.reschedule('export', null);
    for (const runner of [a.runner, b.runner, c.runner]) {
      await waitFor('every instance back on the code', () => cronOf(runner) === '0 * * * *', { timeoutMs: 2_000 });
    }
    expect((await a.runner.describe('export')).schedule).toEqual({ cron: '0 * * * *', jitterMs: 0, source: 'code' });
    const countAfter = ran.length;
    await sleep(2_500);
    expect(ran.length).toBe(countAfter);
  }, 30_000);

  it('an instance that missed the signal corrects itself at its next claim, which it does not run', async () => {
    const prefix = uniquePrefix('reschedule-missed');
    prefixes.push(prefix);
    const client = await connectRedis();
    try {
      const base = new RedisLockStore(() => client as never, { keyPrefix: prefix });
      // An instance whose subscription hears nothing.
      const deaf: LockStore = Object.assign(Object.create(base) as LockStore, {
        subscribe: async () => ({ close: async () => undefined }),
      });
      const ran: string[] = [];
      const a = await instance(prefix, 'a', ran);
      await a.runner.reschedule('export', { cron: '*/3 * * * * *' });
      const deafRan: string[] = [];
      const d = await instance(prefix, 'deaf', deafRan, { lockStore: deaf });
      await waitFor('the deaf instance to read the override at boot', () => cronOf(d.runner) === '*/3 * * * * *', {
        timeoutMs: 2_000,
      });
      // Changed again just after one of its ticks (its claim answered), so that its next tick, whose claim would tell
      // it, is at least 1.5 s away: the deaf instance does not hear of it, and fires on every third second still.
      const sinceTick = Date.now() % 3_000;
      await sleep(sinceTick < 200 ? 200 - sinceTick : sinceTick > 1_500 ? 3_200 - sinceTick : 0);
      await a.runner.reschedule('export', { cron: '*/5 * * * * *' });
      await sleep(300);
      expect(cronOf(d.runner)).toBe('*/3 * * * * *');
      await waitFor('its next claim to tell it', () => cronOf(d.runner) === '*/5 * * * * *', {
        timeoutMs: 6_000,
        intervalMs: 50,
      });
      // The tick of the old schedule that told it was not run.
      expect(logger.matching(/instance=deaf outcome=skipped reason=rescheduled/).length).toBeGreaterThanOrEqual(1);
      for (const line of deafRan) expect(new Date(line.split(' ')[0]).getUTCSeconds() % 5).toBe(0);
    } finally {
      await client.close();
    }
  }, 30_000);

  it('rejects an invalid cron, jitter or zone before anything is stored', async () => {
    const prefix = uniquePrefix('reschedule-bad');
    prefixes.push(prefix);
    const a = await instance(prefix, 'a', []);
    await expect(a.runner.reschedule('export', { cron: '61 * * * *' })).rejects.toBeInstanceOf(InvalidJobCommandError);
    await expect(a.runner.reschedule('export', { jitter: 'soon' })).rejects.toThrow(/jitter "soon"/);
    await expect(a.runner.reschedule('export', { jitter: '2h' })).rejects.toThrow(/not shorter than the/);
    await expect(a.runner.reschedule('export', { timeZone: 'Mars/Olympus' })).rejects.toThrow(/not an IANA time zone/);
    await expect(a.runner.reschedule('export', {})).rejects.toThrow(/give a cron, a jitter or a timeZone/);
    await expect(a.runner.reschedule('export', { crom: '* * * * *' } as never)).rejects.toThrow(/unknown field crom/);
    expect((await a.runner.describe('export')).schedule.source).toBe('code');
    const client = await connectRedis();
    try {
      expect(await client.exists(`${prefix}:{export}:schedule`)).toBe(0);
    } finally {
      await client.close();
    }
  });
});
