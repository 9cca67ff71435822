import { afterEach, describe, expect, it } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import {
  CoordinatedCron,
  CoordinatedCronRunner,
  type CronRun,
  InvalidJobCommandError,
  type JobPause,
  type LockStore,
  type RunStatus,
  PerTenant,
  type TenantSettingsProvider,
  UnknownJobError,
} from '../../src/index.js';
import { OccurrenceExecutor } from '../../src/execution/occurrence.executor.js';
import { CoordinatedCronRegistry } from '../../src/definition/coordinated-cron.registry.js';
import { CapturingLogger, createTestApp } from '../support/app.js';
import { uniquePrefix } from '../support/redis.js';
import { STORE_TARGETS, type StoreTarget } from '../support/store-targets.js';
import { sleep } from '../support/wait.js';

const HOURLY = '0 * * * *';

let hour = 0;
/** A fresh hourly tick per call: a claimed occurrence never runs twice. */
const nextTick = () => new Date(Date.UTC(2026, 2, 1, 0) + hour++ * 3_600_000);

const opened: INestApplicationContext[] = [];

function makeJobs(ran: string[], instance: string) {
  // The ticks these tests run are long past: a boot catch-up that read the ledger just after a test's first run would
  // add a late run of its own to the history. Catch-up has its own tests.
  @Injectable()
  class Jobs {
    @CoordinatedCron('hourly', { cron: HOURLY, timeZone: 'Europe/Berlin', catchup: 'none' })
    run({ context }: CronRun) {
      ran.push(`${instance}@${context.occurrence}`);
    }

    @CoordinatedCron('failing', { cron: HOURLY, catchup: 'none' })
    fail() {
      throw new Error('boom');
    }
  }
  return Jobs;
}

async function instanceOn(
  target: StoreTarget,
  prefix: string,
  name: string,
  ran: string[],
  extra: Record<string, unknown> = {},
  logger = new CapturingLogger(),
) {
  const { app } = await createTestApp({
    providers: [makeJobs(ran, name)],
    ...target.app(prefix, { instanceId: name, ...extra }),
    logger,
  });
  opened.push(app);
  const runner = app.get(CoordinatedCronRunner);
  /** Runs an occurrence the way the schedule does (pauses apply). */
  const scheduled = (job: string, occurrence: Date) => {
    const definition = app.get(CoordinatedCronRegistry).get(job)!;
    return app.get(OccurrenceExecutor).run(definition, occurrence);
  };
  return { app, runner, logger, scheduled };
}

const newPrefix = uniquePrefix;

describe.each(STORE_TARGETS)('fleet control ($name)', (target) => {
  // Apps close before the target closes the connections they use.
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((app) => app.close()));
  });
  target.use();
  const instance = (
    prefix: string,
    name: string,
    ran: string[],
    extra: Record<string, unknown> = {},
    logger = new CapturingLogger(),
  ) => instanceOn(target, prefix, name, ran, extra, logger);

  describe('pause and resume (fleet-wide)', () => {
    it('a pause on one instance skips the next occurrence on every instance, once, at log level', async () => {
      const prefix = newPrefix('pause');
      const ran: string[] = [];
      // Nest's static Logger goes to the logger of the app created last, so both instances share one here.
      const logger = new CapturingLogger();
      const a = await instance(prefix, 'a', ran, {}, logger);
      const b = await instance(prefix, 'b', ran, {}, logger);

      const probe = await target.probe(prefix);
      await a.runner.pause('hourly', { reason: 'migrating the table' });
      const record = (await probe.readPause('hourly')) as JobPause;
      expect(record).toMatchObject({ reason: 'migrating the table', by: 'a' });
      expect(Date.parse(record.since)).not.toBeNaN();
      expect(record.until).toBeUndefined();

      const tick = nextTick();
      const reports = await Promise.all([a.scheduled('hourly', tick), b.scheduled('hourly', tick)]);
      for (const report of reports) expect(report).toMatchObject({ outcome: 'skipped', skipReason: 'paused' });
      expect(ran).toEqual([]);
      // Nothing was claimed: after resume the same occurrence can still run.
      // One line per instance and occurrence, at log level (a routine duplicate skip is at debug).
      const lines = logger.lines.filter((line) => /reason=paused/.test(line.message));
      expect(lines.map((line) => [line.level, / instance=(\w+) /.exec(line.message)?.[1]]).sort()).toEqual([
        ['log', 'a'],
        ['log', 'b'],
      ]);

      await b.runner.resume('hourly');
      expect(await probe.readPause('hourly')).toBeUndefined();
      expect(await a.scheduled('hourly', tick)).toMatchObject({ outcome: 'completed' });
      expect((await a.runner.describe('hourly')).paused).toBeUndefined();
    });

    it('trigger and backfill run a paused job: an operator asked for them explicitly', async () => {
      const prefix = newPrefix('pause-trigger');
      const ran: string[] = [];
      const a = await instance(prefix, 'a', ran);
      await a.runner.pause('hourly');
      expect(await a.runner.trigger('hourly', { occurrence: nextTick() })).toMatchObject({ outcome: 'completed' });
      const from = nextTick();
      const to = nextTick();
      const reports = await a.runner.backfill('hourly', { from, to });
      expect(reports.map((r) => r.outcome)).toEqual(['completed', 'completed']);
      expect(ran).toHaveLength(3);
    });

    it('until resumes by itself (the record expires), and accepts a duration or an ISO date', async () => {
      const prefix = newPrefix('pause-until');
      const ran: string[] = [];
      const a = await instance(prefix, 'a', ran);
      // Long enough for the checks below to run before it, even on a loaded machine.
      const until = new Date(Date.now() + 1_000);
      await a.runner.pause('hourly', { until, reason: 'short' });
      const described = await a.runner.describe('hourly');
      expect(described.paused).toMatchObject({ reason: 'short', until: until.toISOString(), by: 'a' });
      expect(await a.scheduled('hourly', nextTick())).toMatchObject({ skipReason: 'paused' });
      await sleep(until.getTime() + 100 - Date.now());
      expect((await a.runner.describe('hourly')).paused).toBeUndefined();
      expect(await a.scheduled('hourly', nextTick())).toMatchObject({ outcome: 'completed' });

      await a.runner.pause('hourly', { until: '2h' });
      const inTwoHours = Date.parse((await a.runner.describe('hourly')).paused!.until!);
      expect(Math.abs(inTwoHours - (Date.now() + 7_200_000))).toBeLessThan(5_000);
      // The store keeps it until then (the contract suite shows that a pause ends at its until).
      const probe = await target.probe(prefix);
      expect((await probe.readPause('hourly'))?.until).toBe(new Date(inTwoHours).toISOString());
      const inAMinute = new Date(Date.now() + 60_000).toISOString();
      await a.runner.pause('hourly', { until: inAMinute });
      expect((await probe.readPause('hourly'))?.until).toBe(inAMinute);
    });

    it('rejects an unknown job, a bad until, an until in the past and an overlong reason', async () => {
      const prefix = newPrefix('pause-bad');
      const a = await instance(prefix, 'a', []);
      await expect(a.runner.pause('nope')).rejects.toBeInstanceOf(UnknownJobError);
      await expect(a.runner.resume('nope')).rejects.toBeInstanceOf(UnknownJobError);
      await expect(a.runner.describe('nope')).rejects.toBeInstanceOf(UnknownJobError);
      await expect(a.runner.pause('hourly', { until: 'tomorrow-ish' })).rejects.toBeInstanceOf(InvalidJobCommandError);
      await expect(a.runner.pause('hourly', { until: new Date(Date.now() - 1000) })).rejects.toThrow(/future/);
      await expect(a.runner.pause('hourly', { until: new Date('x') })).rejects.toBeInstanceOf(InvalidJobCommandError);
      await expect(a.runner.pause('hourly', { reason: 'x'.repeat(501) })).rejects.toBeInstanceOf(
        InvalidJobCommandError,
      );
      expect(await (await target.probe(prefix)).readPause('hourly')).toBeUndefined();
    });
  });

  describe('history and describe (fleet-wide)', () => {
    it('describe on any instance shows what every instance did, newest first, without duplicates', async () => {
      const prefix = newPrefix('history');
      const ran: string[] = [];
      const a = await instance(prefix, 'a', ran);
      const b = await instance(prefix, 'b', ran);
      const first = nextTick();
      await a.runner.trigger('hourly', { occurrence: first });
      expect(await b.runner.trigger('hourly', { occurrence: first })).toMatchObject({ skipReason: 'duplicate' });
      await b.runner.trigger('hourly', { occurrence: nextTick() });
      await a.runner.pause('hourly');
      await b.scheduled('hourly', nextTick());
      await a.runner.resume('hourly');
      await a.runner.trigger('failing', { occurrence: nextTick() });

      const seen = await b.runner.describe('hourly');
      expect(seen.recent.map((r) => `${r.instanceId}:${r.outcome}:${r.skipReason ?? ''}`)).toEqual([
        'b:skipped:paused',
        'b:completed:',
        'a:completed:',
      ]);
      expect(seen.counts).toEqual({ completed: 2, failed: 0, skipped: 1, interrupted: 0 });
      expect(seen).toMatchObject({
        name: 'hourly',
        cron: HOURLY,
        timeZone: 'Europe/Berlin',
        jitterMs: 0,
        perTenant: false,
      });
      expect(seen.running).toBeUndefined();
      expect(await a.runner.describe('hourly')).toEqual(seen);

      const failing = await a.runner.describe('failing');
      expect(failing.counts.failed).toBe(1);
      expect(failing.recent[0]).toMatchObject({ outcome: 'failed', error: 'Error: boom' });
      expect((await b.runner.describeAll()).map((d) => d.name).sort()).toEqual(['failing', 'hourly']);
    });

    it('lists the next five ticks of the schedule', async () => {
      const prefix = newPrefix('next');
      const a = await instance(prefix, 'a', []);
      const { nextOccurrences } = await a.runner.describe('hourly');
      expect(nextOccurrences).toHaveLength(5);
      const times = nextOccurrences.map((iso) => Date.parse(iso));
      expect(times[0]).toBeGreaterThan(Date.now());
      for (let i = 1; i < 5; i++) expect(times[i] - times[i - 1]).toBe(3_600_000);
      for (const t of times) expect(new Date(t).getUTCMinutes()).toBe(0);
    });

    it('keeps at most historySize reports, and none with historySize 0', async () => {
      const prefix = newPrefix('history-cap');
      const a = await instance(prefix, 'a', [], { historySize: 3 });
      const ticks = [nextTick(), nextTick(), nextTick(), nextTick(), nextTick()];
      for (const tick of ticks) await a.runner.trigger('hourly', { occurrence: tick });
      const { recent } = await a.runner.describe('hourly');
      expect(recent.map((r) => r.occurrence)).toEqual(
        ticks
          .slice(2)
          .reverse()
          .map((t) => t.toISOString()),
      );
      expect(await (await target.probe(prefix)).readHistory('hourly', 100)).toHaveLength(3);

      const off = newPrefix('history-off');
      const b = await instance(off, 'b', [], { historySize: 0 });
      await b.runner.trigger('hourly', { occurrence: nextTick() });
      expect((await b.runner.describe('hourly')).recent).toEqual([]);
      expect(await (await target.probe(off)).readHistory('hourly', 100)).toHaveLength(0);
    });
  });

  describe('backfill', () => {
    it('runs each tick of the range in order, each through its occurrence key', async () => {
      const prefix = newPrefix('backfill');
      const ran: string[] = [];
      const a = await instance(prefix, 'a', ran);
      const b = await instance(prefix, 'b', ran);
      const from = new Date('2026-04-01T10:00:00Z');
      const to = new Date('2026-04-01T13:00:00Z');
      await b.runner.trigger('hourly', { occurrence: new Date('2026-04-01T11:00:00Z') });

      const reports = await a.runner.backfill('hourly', { from, to });
      expect(reports.map((r) => [r.occurrence, r.outcome, r.skipReason ?? ''])).toEqual([
        ['2026-04-01T10:00:00.000Z', 'completed', ''],
        ['2026-04-01T11:00:00.000Z', 'skipped', 'duplicate'],
        ['2026-04-01T12:00:00.000Z', 'completed', ''],
        ['2026-04-01T13:00:00.000Z', 'completed', ''],
      ]);
      // Between ticks: a range that starts after a tick does not include it.
      const inner = await a.runner.backfill('hourly', {
        from: new Date('2026-04-02T10:00:01Z'),
        to: new Date('2026-04-02T11:59:59Z'),
      });
      expect(inner.map((r) => r.occurrence)).toEqual(['2026-04-02T11:00:00.000Z']);
      await expect(a.runner.backfill('hourly', { from: to, to: from })).rejects.toBeInstanceOf(InvalidJobCommandError);
      await expect(
        a.runner.backfill('hourly', { from: new Date('2020-01-01T00:00:00Z'), to: new Date('2026-01-01T00:00:00Z') }),
      ).rejects.toThrow(/more than 1000 ticks/);
      await expect(a.runner.backfill('nope', { from, to })).rejects.toBeInstanceOf(UnknownJobError);
    });
  });

  describe('progress of a @PerTenant() run', () => {
    it('describe on another instance shows tenants done out of total, refreshed within 2 s, one write per update', async () => {
      const prefix = newPrefix('progress');
      const tenants = Array.from({ length: 12 }, (_, i) => `t-${i}`);

      @Injectable()
      class Settings implements TenantSettingsProvider {
        listTenants() {
          return tenants;
        }
        isEnabled() {
          return true;
        }
      }
      @Injectable()
      class SlowJobs {
        @CoordinatedCron('slow-tenants', HOURLY)
        @PerTenant({ concurrency: 2 })
        async run() {
          await sleep(500);
        }
      }
      const writes: number[] = [];
      const base = await target.store(prefix);
      // Counts the progress writes; every other call goes straight to Redis.
      const counting: LockStore = Object.assign(Object.create(base) as LockStore, {
        writeRunStatus: (job: string, status: RunStatus, ttl: number) => {
          writes.push(Date.now());
          return base.writeRunStatus(job, status, ttl);
        },
      });
      const runner = await createTestApp({
        providers: [SlowJobs, Settings],
        ...target.app(prefix, { instanceId: 'worker', lockStore: counting, tenantSettings: Settings }),
      });
      opened.push(runner.app);
      const watcher = await createTestApp({
        providers: [SlowJobs, Settings],
        ...target.app(prefix, { instanceId: 'watcher', tenantSettings: Settings }),
      });
      opened.push(watcher.app);

      const started = Date.now();
      const run = runner.app.get(CoordinatedCronRunner).trigger('slow-tenants', { occurrence: nextTick() });
      const seen: Array<{ done?: number; total?: number; at: number }> = [];
      let finished = false;
      void run.then(() => (finished = true));
      while (!finished) {
        const { running } = await watcher.app.get(CoordinatedCronRunner).describe('slow-tenants');
        if (running) {
          expect(running).toMatchObject({ instanceId: 'worker' });
          expect(Date.parse(running.startedAt)).not.toBeNaN();
          seen.push({ done: running.tenantsDone, total: running.tenantsTotal, at: Date.now() });
        }
        await sleep(200);
      }
      const report = await run;
      const elapsed = Date.now() - started;
      expect(report.outcome).toBe('completed');
      const counted = seen.filter((s) => s.total === 12);
      expect(counted.length).toBeGreaterThan(5);
      // The count grows while the run goes and no view is ever more than 2 s behind a change.
      const dones = counted.map((s) => s.done!);
      expect(dones).toEqual([...dones].sort((x, y) => x - y));
      expect(Math.max(...dones)).toBeGreaterThanOrEqual(4);
      let lastChange = counted[0].at;
      for (let i = 1; i < counted.length; i++) {
        if (counted[i].done !== counted[i - 1].done) lastChange = counted[i].at;
        expect(counted[i].at - lastChange).toBeLessThan(2_600);
      }
      // At most one write per second plus the start and selection writes, each a single store command (a script).
      expect(writes.length).toBeLessThanOrEqual(Math.ceil(elapsed / 1000) + 2);
      // The status stays in the store (until it expires), but describe() no longer shows a run.
      expect(await base.readRunStatus('slow-tenants')).toBeDefined();
      expect((await watcher.app.get(CoordinatedCronRunner).describe('slow-tenants')).running).toBeUndefined();
    });
  });
});
