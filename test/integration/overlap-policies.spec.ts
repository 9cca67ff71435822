/** @jest-environment ./test/support/real-process-environment.cjs */
import { Injectable, type INestApplicationContext, type Type } from '@nestjs/common';
import {
  CoordinatedCron,
  CoordinatedCronRunner,
  type CronRun,
  type JobRunReport,
  type OverlapPolicy,
  RunReplacedError,
} from '../../src/index.js';
import { createTestApp } from '../support/app.js';
import { uniquePrefix } from '../support/redis.js';
import { STORE_TARGETS, type StoreTarget } from '../support/store-targets.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';
import { deferred, waitFor } from '../support/wait.js';

/** Polls `probe` until it holds: as long as a loaded machine may need, never a measure of speed. */
const until = (what: string, probe: () => boolean | Promise<boolean>) =>
  waitFor(what, probe, { timeoutMs: 10_000, intervalMs: 20 });

const YEARLY = '0 0 1 1 *';
const base = Date.UTC(2026, 0, 1);
const tick = (i: number) => new Date(base + i * 60_000);

/** What every instance's runs of the job did, in the order they happened. */
interface Journal {
  events: string[];
  running: number;
  maxRunning: number;
  /** Runs that wait for the test to let them end, by occurrence. */
  gates: Map<string, ReturnType<typeof deferred>>;
  started: Map<string, ReturnType<typeof deferred>>;
  abortReasons: Map<string, unknown>;
}

const journal = (): Journal => ({
  events: [],
  running: 0,
  maxRunning: 0,
  gates: new Map(),
  started: new Map(),
  abortReasons: new Map(),
});

function startedOf(log: Journal, occurrence: Date): ReturnType<typeof deferred> {
  const key = occurrence.toISOString();
  let started = log.started.get(key);
  if (!started) log.started.set(key, (started = deferred()));
  return started;
}

/** A plain job that waits, while it runs, for its gate to open or its signal to abort. */
function jobWith(overlap: OverlapPolicy, log: Journal, instance: string): Type {
  @Injectable()
  class Jobs {
    @CoordinatedCron('overlapping', { cron: YEARLY, catchup: 'none', overlap })
    async run({ signal, context }: CronRun) {
      log.events.push(`${instance} start ${context.occurrence}`);
      log.running += 1;
      log.maxRunning = Math.max(log.maxRunning, log.running);
      startedOf(log, new Date(context.occurrence)).resolve();
      const gate = log.gates.get(context.occurrence);
      try {
        if (gate) {
          await new Promise<void>((resolve, reject) => {
            void gate.promise.then(resolve);
            signal.addEventListener('abort', () => reject(signal.reason), { once: true });
          });
        }
      } catch (reason) {
        log.abortReasons.set(context.occurrence, reason);
        throw reason;
      } finally {
        log.running -= 1;
        log.events.push(`${instance} end ${context.occurrence}`);
      }
    }
  }
  return Jobs;
}

describe.each(STORE_TARGETS)('overlap policies across instances ($name)', (target: StoreTarget) => {
  failOnUnhandledRejections();
  // Apps close before the target's own clean-up: a pool ends only once the app gave back its connections.
  const opened: INestApplicationContext[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((app) => app.close()));
  });
  target.use();

  async function fleet(prefix: string, overlap: OverlapPolicy, log: Journal, leaseTtl = 600) {
    const boot = async (name: string) => {
      const { app, logger } = await createTestApp({
        providers: [jobWith(overlap, log, name)],
        ...target.app(prefix, { instanceId: name, leaseTtl, scheduling: false }),
      });
      opened.push(app);
      return { runner: app.get(CoordinatedCronRunner), logger };
    };
    return { a: await boot('a'), b: await boot('b') };
  }

  /** Each occurrence's history entries, so "ran once" is checked fleet-wide, not per instance. */
  async function ranOccurrences(runner: CoordinatedCronRunner): Promise<string[]> {
    const { recent } = await runner.describe('overlapping');
    return recent.filter((r) => r.outcome !== 'skipped').map((r) => r.occurrence);
  }

  it('buffer-one: a tick that finds the job running is remembered, once, and starts when that run ends', async () => {
    const log = journal();
    // A lease far longer than the run: the queued tick can only start that soon because the run's end starts it.
    const { a, b } = await fleet(uniquePrefix('buffer-one'), 'buffer-one', log, 5_000);
    log.gates.set(tick(0).toISOString(), deferred());
    const first = a.runner.trigger('overlapping', { occurrence: tick(0) });
    await startedOf(log, tick(0)).promise;

    const queued = await b.runner.trigger('overlapping', { occurrence: tick(1) });
    expect([queued.outcome, queued.skipReason]).toEqual(['skipped', 'queued']);
    // At most one is remembered: a third tick meanwhile is skipped.
    const third = await a.runner.trigger('overlapping', { occurrence: tick(2) });
    expect([third.outcome, third.skipReason]).toEqual(['skipped', 'overlap']);
    expect((await a.runner.describe('overlapping')).overlap).toBe('buffer-one');

    const endedAt = Date.now();
    log.gates.get(tick(0).toISOString())!.resolve();
    expect((await first).outcome).toBe('completed');
    await startedOf(log, tick(1)).promise;
    // Started by the run's end, not by a lease expiry: well within the promised second.
    expect(Date.now() - endedAt).toBeLessThan(1_000);
    await until(
      'the queued run to end',
      () =>
        log.events.includes(`a end ${tick(1).toISOString()}`) || log.events.includes(`b end ${tick(1).toISOString()}`),
    );
    expect(log.maxRunning).toBe(1);
    await until('both runs in the history', async () => (await ranOccurrences(a.runner)).length === 2);
    expect((await ranOccurrences(b.runner)).sort()).toEqual([tick(0), tick(1)].map((t) => t.toISOString()));
    // The queued tick ran exactly once, and the skipped one never.
    expect(log.events.filter((e) => e.includes(tick(1).toISOString()) && e.includes('start'))).toHaveLength(1);
    expect(log.events.some((e) => e.includes(tick(2).toISOString()))).toBe(false);
  });

  it('cancel-running: the running run is aborted at its next renewal, reports what replaced it, and the new tick runs once', async () => {
    const log = journal();
    const leaseTtl = 600;
    const { a, b } = await fleet(uniquePrefix('cancel-running'), 'cancel-running', log, leaseTtl);
    // Never opened: only an abort ends this run.
    log.gates.set(tick(0).toISOString(), deferred());
    const first = a.runner.trigger('overlapping', { occurrence: tick(0) });
    await startedOf(log, tick(0)).promise;

    const askedAt = Date.now();
    const replacing = await b.runner.trigger('overlapping', { occurrence: tick(1) });
    expect([replacing.outcome, replacing.skipReason]).toEqual(['skipped', 'queued']);
    const cancelled: JobRunReport = await first;
    // A renewal comes every leaseTtl / 3; slack for a loaded machine, far below the lease itself expiring twice.
    expect(Date.now() - askedAt).toBeLessThan(leaseTtl * 2);
    expect(cancelled.outcome).toBe('interrupted');
    expect(cancelled.replacedBy).toBe(tick(1).toISOString());
    const reason = log.abortReasons.get(tick(0).toISOString());
    expect(reason).toBeInstanceOf(RunReplacedError);
    expect((reason as RunReplacedError).replacedBy.toISOString()).toBe(tick(1).toISOString());
    // Nest's Logger is one per process: every app writes to the logger of the last one booted.
    expect(b.logger.matching(/ outcome=interrupted replaced-by=2026-01-01T00:01:00.000Z /)).toHaveLength(1);

    await startedOf(log, tick(1)).promise;
    await until('the replacing run to end', () => log.running === 0 && log.events.length === 4);
    expect(log.maxRunning).toBe(1);
    expect(log.events.filter((e) => e.includes(`start ${tick(1).toISOString()}`))).toHaveLength(1);
  });

  it('allow: occurrences run side by side on two instances, each still once', async () => {
    const log = journal();
    const prefix = uniquePrefix('allow');
    const { a, b } = await fleet(prefix, 'allow', log);
    for (const i of [0, 1]) log.gates.set(tick(i).toISOString(), deferred());
    const first = a.runner.trigger('overlapping', { occurrence: tick(0) });
    const second = b.runner.trigger('overlapping', { occurrence: tick(1) });
    await Promise.all([startedOf(log, tick(0)).promise, startedOf(log, tick(1)).promise]);
    expect(log.running).toBe(2);
    const duplicate = await b.runner.trigger('overlapping', { occurrence: tick(0) });
    expect(duplicate.skipReason).toBe('duplicate');
    // A third occurrence runs beside them on an instance that is already running one.
    const third = await a.runner.trigger('overlapping', { occurrence: tick(2) });
    expect(third.outcome).toBe('completed');
    expect(log.maxRunning).toBe(3);
    // No job-wide lease: nothing to renew or lose however long the runs last (the lease TTL here is 600 ms).
    expect(await (await target.probe(prefix)).readLease('overlapping')).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(log.abortReasons.size).toBe(0);
    for (const i of [0, 1]) log.gates.get(tick(i).toISOString())!.resolve();
    const reports = await Promise.all([first, second]);
    expect(reports.map((r) => r.outcome)).toEqual(['completed', 'completed']);
    expect(reports[1].fencingToken).not.toBe(reports[0].fencingToken);
  });

  it("buffer-one: when the running run's holder dies, the instance that queued the tick starts it once the lease expires", async () => {
    const log = journal();
    const prefix = uniquePrefix('buffer-orphan');
    const { b } = await fleet(prefix, 'buffer-one', log);
    // The holder, as the store saw it before it died: a claim with a short lease that is never renewed or finished.
    const probe = await target.probe(prefix);
    const held = await probe.claim({
      job: 'overlapping',
      occurrence: tick(0),
      token: 'dead-instance:dead-run',
      runId: 'dead-run',
      owner: 'dead-instance',
      ttls: { claimUntil: new Date(0), claimMinMs: 60_000, leaseMs: 500, ledgerMs: 60_000 },
    });
    expect(held.kind).toBe('won');
    const queued = await b.runner.trigger('overlapping', { occurrence: tick(1) });
    expect(queued.skipReason).toBe('queued');
    await startedOf(log, tick(1)).promise;
    expect(log.events.filter((e) => e.includes(' start '))).toEqual([`b start ${tick(1).toISOString()}`]);
    await until('the queued run in the history', async () => (await ranOccurrences(b.runner)).length === 1);
  });
});
