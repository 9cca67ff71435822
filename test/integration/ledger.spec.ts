import { Injectable, type INestApplicationContext } from '@nestjs/common';
import {
  CoordinatedCron,
  CoordinatedCronRunner,
  CronContext,
  type CronRun,
  type LockStore,
  MemoryLockStore,
} from '../../src/index.js';
import { CoordinatedCronRegistry } from '../../src/definition/coordinated-cron.registry.js';
import { OccurrenceExecutor } from '../../src/execution/occurrence.executor.js';
import { Pool } from 'pg';
import { CoordinatedCronScheduler } from '../support/internals.js';
import { createTestApp } from '../support/app.js';
import { countingPool } from '../support/counting-pool.js';
import { connectRedis, uniquePrefix } from '../support/redis.js';
import {
  type OwnStoreServer,
  STORE_TARGETS,
  type StoreAppOptions,
  type StoreTarget,
} from '../support/store-targets.js';

/** Round trips the apps made since the last call, and the options that make an app on `server` counted. */
interface RoundTripCounter {
  app(instanceId: string): StoreAppOptions;
  since(): Promise<number>;
  close(): Promise<void>;
}

async function roundTripCounter(
  target: StoreTarget,
  server: OwnStoreServer,
  prefix: string,
): Promise<RoundTripCounter> {
  if (target.name === 'postgres') {
    // Statements the apps' pools sent, counted at the client: each is one round trip.
    const counted = [0, 1].map(() => countingPool(new Pool({ connectionString: server.url })));
    let free = [...counted];
    return {
      app(instanceId) {
        const next = free.shift()!;
        return { cache: 'none', options: { keyPrefix: prefix, instanceId, postgres: next.pool } };
      },
      async since() {
        const count = counted.reduce((sum, c) => sum + c.counts.statements, 0);
        for (const c of counted) c.reset();
        return count;
      },
      async close() {
        free = [];
        await Promise.all(counted.map((c) => (c.pool as unknown as { end?: () => Promise<void> }).end?.()));
      },
    };
  }
  // Commands clients sent, seen through MONITOR: the commands a script runs inside itself are listed as
  // `[<db> lua]` and are not round trips, so they are not counted.
  const client = await connectRedis(server.url);
  let sent = 0;
  await client.monitor((line: string) => {
    if (!/\[\d+ lua\]/.test(line)) sent += 1;
  });
  return {
    app: (instanceId) => target.app(prefix, { instanceId }, server),
    async since() {
      // MONITOR lines arrive asynchronously; give the last ones a moment.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const count = sent;
      sent = 0;
      return count;
    },
    close: () => client.close(),
  };
}

// The yearly tick whose window is open (2026-01-01) was never run here: an instance whose boot reads the ledger after a
// test's first trigger wrote it catches that tick up, beside the test's own runs. Tests that count runs turn it off.
const makeJobs = (seen: Array<number | undefined>, catchup: 'none' | 'latest' = 'latest') => {
  @Injectable()
  class Jobs {
    constructor(private readonly cron: CronContext) {}
    @CoordinatedCron('ledger-job', { cron: '0 0 1 1 *', catchup })
    run(_run: CronRun) {
      seen.push(this.cron.get()?.fencingToken);
    }
  }
  return Jobs;
};

describe.each(STORE_TARGETS)('run ledger, fencing and command budget ($name, own server)', (target) => {
  target.use();

  it('a loser spends one round trip, the winner of a plain job four; an idle fleet none', async () => {
    const seen: Array<number | undefined> = [];
    const server = await target.ownServer();
    const counter = await roundTripCounter(target, server, uniquePrefix('budget'));
    const a = await createTestApp({ providers: [makeJobs(seen)], ...counter.app('a') });
    const b = await createTestApp({ providers: [makeJobs(seen)], ...counter.app('b') });
    try {
      const runA = a.app.get(CoordinatedCronRunner);
      const runB = b.app.get(CoordinatedCronRunner);
      // Warm up: the first call on each client connects (HELLO, CLIENT SETINFO…; the schema check), which is not the
      // budget.
      await runA.trigger('ledger-job', { occurrence: new Date('2020-01-01T00:00:00Z') });
      await runB.trigger('ledger-job', { occurrence: new Date('2020-01-01T00:00:00Z') });
      await counter.since();

      const occurrence = new Date('2021-01-01T00:00:00Z');
      const won = await runA.trigger('ledger-job', { occurrence });
      expect(won.outcome).toBe('completed');
      // The claim, the run status describe() shows, the finish, the history entry: within the budget of six a winning
      // plain run may spend.
      expect(await counter.since()).toBe(4);
      const lost = await runB.trigger('ledger-job', { occurrence });
      expect(lost.skipReason).toBe('duplicate');
      expect(await counter.since()).toBe(1);

      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await counter.since()).toBe(0);
    } finally {
      await a.app.close();
      await b.app.close();
      await counter.close();
    }
  });

  it('fencing tokens strictly increase per job, reach the report, the context and the log tag; the ledger keeps the newest occurrence', async () => {
    const seen: Array<number | undefined> = [];
    const prefix = uniquePrefix('fence');
    const { app, logger } = await createTestApp({
      providers: [makeJobs(seen, 'none')],
      ...target.app(prefix, { instanceId: 'f' }),
    });
    const probe = await target.probe(prefix);
    try {
      const runner = app.get(CoordinatedCronRunner);
      const tokens: number[] = [];
      const startedAt = Date.now();
      for (const year of [2022, 2023, 2021, 2024]) {
        const report = await runner.trigger('ledger-job', { occurrence: new Date(`${year}-01-01T00:00:00Z`) });
        expect(report.attempt).toBe(1);
        tokens.push(report.fencingToken);
        expect(
          logger.matching(new RegExp(`run=${report.runId} fence=${report.fencingToken} occurrence=`)),
        ).toHaveLength(1);
      }
      // Strictly increasing, whatever the order of the occurrences; never below the store's clock in microseconds.
      for (let i = 1; i < tokens.length; i++) expect(tokens[i]).toBeGreaterThan(tokens[i - 1]);
      expect(tokens[0]).toBeGreaterThanOrEqual(startedAt * 1000);
      expect(seen).toEqual(tokens);
      // A duplicate gets no token.
      const duplicate = await runner.trigger('ledger-job', { occurrence: new Date('2024-01-01T00:00:00Z') });
      expect(duplicate.fencingToken).toBe(0);
      // The backfill of 2021 did not move the ledger back.
      const { ledger } = await probe.readLedger('ledger-job');
      expect({ ...ledger, occurrence: ledger?.occurrence.toISOString() }).toMatchObject({
        occurrence: '2024-01-01T00:00:00.000Z',
        state: 'done',
        fencingToken: tokens[3],
      });
    } finally {
      await app.close();
    }
  });

  it('a paused job is skipped as paused, at log level; trigger() runs it anyway', async () => {
    const seen: Array<number | undefined> = [];
    const prefix = uniquePrefix('pause');
    const { app, logger } = await createTestApp({
      providers: [makeJobs(seen)],
      ...target.app(prefix, { instanceId: 'p' }),
    });
    const probe = await target.probe(prefix);
    try {
      await probe.pause('ledger-job', { since: new Date().toISOString(), by: 'test' });
      const job = app.get(CoordinatedCronRegistry).get('ledger-job')!;
      const scheduled = await app.get(OccurrenceExecutor).run(job, new Date('2025-01-01T00:00:00Z'));
      expect(scheduled).toMatchObject({ outcome: 'skipped', skipReason: 'paused', fencingToken: 0 });
      expect(seen).toEqual([]);
      const line = logger.lines.find((l) => l.message.includes(`run=${scheduled.runId} `));
      expect(line?.level).toBe('log');
      const triggered = await app
        .get(CoordinatedCronRunner)
        .trigger('ledger-job', { occurrence: new Date('2025-01-01T00:00:00Z') });
      expect(triggered.outcome).toBe('completed');
      expect(seen).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it('a late run does not run again an occurrence another instance ran, however short its lockTtl', async () => {
    const ran: string[] = [];
    const failing = { claims: false };
    const makeShortClaimJobs = (instance: string) => {
      @Injectable()
      class Jobs {
        @CoordinatedCron('short-claim', {
          cron: '0 0 1 1 *',
          timeZone: 'UTC',
          lockTtl: '1s',
          catchup: 'all',
          catchupWindow: 20 * 365 * 86_400_000,
        })
        run({ context }: CronRun) {
          ran.push(`${context.occurrence} ${instance}`);
        }
      }
      return Jobs;
    };
    const prefix = uniquePrefix('short-claim');
    const base = await target.store(prefix);
    // B's claims fail while the flag is up, as a store B cannot reach would make them.
    const flaky: LockStore = Object.assign(Object.create(base) as LockStore, {
      claim: (request: Parameters<LockStore['claim']>[0]) =>
        failing.claims ? Promise.reject(new Error('ECONNRESET')) : base.claim(request),
    });
    const a = await createTestApp({ providers: [makeShortClaimJobs('a')], ...target.app(prefix, { instanceId: 'a' }) });
    const b = await createTestApp({
      providers: [makeShortClaimJobs('b')],
      cache: 'none',
      options: { keyPrefix: prefix, instanceId: 'b', lockStore: flaky },
    });
    // Both have read the (empty) ledger at boot: no catch-up of their own beside the test's runs.
    await Promise.all([a, b].map(({ app }) => app.get(CoordinatedCronScheduler).whenBooted()));
    try {
      const year = (y: number) => new Date(`${y}-01-01T00:00:00Z`);
      const scheduled = (app: INestApplicationContext, occurrence: Date) =>
        app.get(OccurrenceExecutor).run(app.get(CoordinatedCronRegistry).get('short-claim')!, occurrence);
      expect((await a.app.get(CoordinatedCronRunner).trigger('short-claim', { occurrence: year(2021) })).outcome).toBe(
        'completed',
      );
      failing.claims = true;
      expect((await scheduled(b.app, year(2021))).skipReason).toBe('lock-error');
      failing.claims = false;
      // lockTtl alone would have let the claim of 2021 go by now.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await scheduled(b.app, year(2022))).outcome).toBe('completed');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(ran.sort()).toEqual(['2021-01-01T00:00:00.000Z a', '2022-01-01T00:00:00.000Z b']);
    } finally {
      await a.app.close();
      await b.app.close();
    }
  });

  it('a late run that meets a run in progress waits for its lease, and runs', async () => {
    const ran: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    @Injectable()
    class Jobs {
      @CoordinatedCron('busy-catchup', {
        cron: '0 0 1 1 *',
        timeZone: 'UTC',
        catchup: 'all',
        catchupWindow: 20 * 365 * 86_400_000,
      })
      async run({ context }: CronRun) {
        ran.push(context.occurrence);
        if (context.occurrence.startsWith('2023')) await released;
      }
    }
    const own = await target.ownServer();
    const { app, logger } = await createTestApp({
      providers: [Jobs],
      ...target.app(uniquePrefix('busy-catchup'), { instanceId: 'o', lockTimeout: 300 }, own),
    });
    await app.get(CoordinatedCronScheduler).whenBooted();
    try {
      const runner = app.get(CoordinatedCronRunner);
      const year = (y: number) => new Date(`${y}-01-01T00:00:00Z`);
      expect((await runner.trigger('busy-catchup', { occurrence: year(2020) })).outcome).toBe('completed');
      own.pause();
      expect((await runner.trigger('busy-catchup', { occurrence: year(2021) })).skipReason).toBe('lock-error');
      own.resume();
      await new Promise((resolve) => setTimeout(resolve, 500));
      // The store answers again (2023's claim); the late run of 2021 starts when 2022's ends, while 2023 runs.
      const long = runner.trigger('busy-catchup', { occurrence: year(2023) });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await runner.trigger('busy-catchup', { occurrence: year(2022) })).skipReason).toBe('overlap');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(ran).not.toContain('2021-01-01T00:00:00.000Z');
      release();
      expect((await long).outcome).toBe('completed');
      // The late run asks again at least every second while 2023 holds the lease: it runs soon after 2023 ends.
      const lateRun = /occurrence=2021-01-01T00:00:00.000Z .*outcome=completed catchup=true/;
      const deadline = Date.now() + 5_000;
      while (logger.matching(lateRun).length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(logger.matching(lateRun)).toHaveLength(1);
      expect(ran.filter((occurrence) => occurrence.startsWith('2021'))).toHaveLength(1);
    } finally {
      release();
      own.resume();
      await app.close();
    }
  });

  it('when the store answers again after lock errors, the occurrences it missed are caught up once', async () => {
    const ran: string[] = [];
    @Injectable()
    class Jobs {
      @CoordinatedCron('outage-job', { cron: '0 0 1 1 *', timeZone: 'UTC', catchupWindow: 20 * 365 * 86_400_000 })
      run({ context }: CronRun) {
        ran.push(context.occurrence);
      }
    }
    const own = await target.ownServer();
    const { app, logger } = await createTestApp({
      providers: [Jobs],
      ...target.app(uniquePrefix('outage'), { instanceId: 'o', lockTimeout: 300 }, own),
    });
    await app.get(CoordinatedCronScheduler).whenBooted();
    try {
      const runner = app.get(CoordinatedCronRunner);
      const year = (y: number) => new Date(`${y}-01-01T00:00:00Z`);
      expect((await runner.trigger('outage-job', { occurrence: year(2020) })).outcome).toBe('completed');
      own.pause();
      const failed = await runner.trigger('outage-job', { occurrence: year(2021) });
      expect(failed.skipReason).toBe('lock-error');
      own.resume();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await runner.trigger('outage-job', { occurrence: year(2022) })).outcome).toBe('completed');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(ran).toEqual(['2020-01-01T00:00:00.000Z', '2022-01-01T00:00:00.000Z', '2021-01-01T00:00:00.000Z']);
      expect(logger.matching(/catching up 1 missed occurrence\(s\) since 2021-01-01T00:00:00.000Z/)).toHaveLength(1);
      expect(logger.matching(/occurrence=2021-01-01T00:00:00.000Z .*outcome=completed catchup=true/)).toHaveLength(1);
    } finally {
      own.resume();
      await app.close();
    }
  });
});

describe('the clock-skew warning', () => {
  it("warns once, naming the instance and the size, when this clock is more than a second off the store's", async () => {
    const seen: Array<number | undefined> = [];
    // The store's clock, as its claims report it, runs 5 s behind this process.
    const store = new MemoryLockStore({ now: () => Date.now() - 5_000 });
    const { app, logger } = await createTestApp({
      providers: [makeJobs(seen)],
      cache: 'none',
      options: { keyPrefix: 'skew', instanceId: 'skewed-node', lockStore: store },
    });
    try {
      const runner = app.get(CoordinatedCronRunner);
      await runner.trigger('ledger-job', { occurrence: new Date('2021-01-01T00:00:00Z') });
      await runner.trigger('ledger-job', { occurrence: new Date('2022-01-01T00:00:00Z') });
      const warnings = logger.lines.filter((l) => l.level === 'warn' && /clock is/.test(l.message));
      expect(warnings).toHaveLength(1);
      expect(warnings[0].message).toMatch(
        /instance=skewed-node clock is ahead of the lock store's by (49\d\d|50\d\d)ms/,
      );
    } finally {
      await app.close();
    }
  });
});
