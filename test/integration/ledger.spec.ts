import { Injectable, type INestApplicationContext } from '@nestjs/common';
import {
  CoordinatedCron,
  CoordinatedCronRunner,
  CronContext,
  type CronRun,
  type LockStore,
  MemoryLockStore,
  RedisLockStore,
} from '../../src/index.js';
import { CoordinatedCronRegistry } from '../../src/definition/coordinated-cron.registry.js';
import { OccurrenceExecutor } from '../../src/execution/occurrence.executor.js';
import { CoordinatedCronScheduler, ledgerKey, pausedKey } from '../support/internals.js';
import { createTestApp } from '../support/app.js';
import { connectRedis } from '../support/redis.js';
import { OwnRedisServer } from '../support/redis-server.js';

/**
 * Commands clients sent since the last call, seen through MONITOR: the commands a script runs inside itself are
 * listed as `[<db> lua]` and are not round trips, so they are not counted.
 */
async function commandCounter(url: string) {
  const client = await connectRedis(url);
  let sent = 0;
  await client.monitor((line: string) => {
    if (!/\[\d+ lua\]/.test(line)) sent += 1;
  });
  return {
    async since(): Promise<number> {
      // MONITOR lines arrive asynchronously; give the last ones a moment.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const count = sent;
      sent = 0;
      return count;
    },
    client,
  };
}

describe('run ledger, fencing and command budget (own redis-server)', () => {
  let server: OwnRedisServer;
  beforeAll(async () => {
    server = await OwnRedisServer.start();
  });
  afterAll(() => server.kill());

  // The yearly tick whose window is open (2026-01-01) was never run here: an instance that boots after the first
  // trigger wrote the ledger catches it up, beside the test's own triggers. Tests that count runs turn catch-up off.
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

  it('a loser spends one command, the winner of a plain job four; an idle fleet none', async () => {
    const seen: Array<number | undefined> = [];
    const options = { keyPrefix: 'budget' };
    const a = await createTestApp({
      providers: [makeJobs(seen)],
      cache: { redisUrl: server.url },
      options: { ...options, instanceId: 'a' },
    });
    const b = await createTestApp({
      providers: [makeJobs(seen)],
      cache: { redisUrl: server.url },
      options: { ...options, instanceId: 'b' },
    });
    const counter = await commandCounter(server.url);
    try {
      const runA = a.app.get(CoordinatedCronRunner);
      const runB = b.app.get(CoordinatedCronRunner);
      // Warm up: the first call on each client connects (HELLO, CLIENT SETINFO…), which is not the budget.
      await runA.trigger('ledger-job', { occurrence: new Date('2020-01-01T00:00:00Z') });
      await runB.trigger('ledger-job', { occurrence: new Date('2020-01-01T00:00:00Z') });
      await counter.since();

      const occurrence = new Date('2021-01-01T00:00:00Z');
      const won = await runA.trigger('ledger-job', { occurrence });
      expect(won.outcome).toBe('completed');
      // The claim script, the run status describe() shows, the finish script, the history entry: within the budget of
      // six a winning plain run may spend.
      expect(await counter.since()).toBe(4);
      const lost = await runB.trigger('ledger-job', { occurrence });
      expect(lost.skipReason).toBe('duplicate');
      expect(await counter.since()).toBe(1);

      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await counter.since()).toBe(0);
    } finally {
      await counter.client.close();
      await a.app.close();
      await b.app.close();
    }
  });

  it('fencing tokens strictly increase per job, reach the report, the context and the log tag; the ledger keeps the newest occurrence', async () => {
    const seen: Array<number | undefined> = [];
    const { app, logger } = await createTestApp({
      providers: [makeJobs(seen, 'none')],
      cache: { redisUrl: server.url },
      options: { keyPrefix: 'fence', instanceId: 'f' },
    });
    const redis = await connectRedis(server.url);
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
      const ledger = await redis.hGetAll(ledgerKey('fence', 'ledger-job'));
      expect(ledger).toMatchObject({
        occurrence: '2024-01-01T00:00:00.000Z',
        state: 'done',
        fencingToken: String(tokens[3]),
      });
    } finally {
      await redis.close();
      await app.close();
    }
  });

  it('a paused job is skipped as paused, at log level; trigger() runs it anyway', async () => {
    const seen: Array<number | undefined> = [];
    const { app, logger } = await createTestApp({
      providers: [makeJobs(seen)],
      cache: { redisUrl: server.url },
      options: { keyPrefix: 'pause', instanceId: 'p' },
    });
    const redis = await connectRedis(server.url);
    try {
      await redis.set(
        pausedKey('pause', 'ledger-job'),
        JSON.stringify({ since: new Date().toISOString(), by: 'test' }),
      );
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
      await redis.close();
      await app.close();
    }
  });

  it('a late run does not run again an occurrence another instance ran, however short its lockTtl', async () => {
    const ran: string[] = [];
    const failing = { claims: false };
    const makeOutageJobs = (instance: string) => {
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
    const client = await connectRedis(server.url);
    const base = new RedisLockStore(() => client as never, { keyPrefix: 'short-claim' });
    // B's claims fail while the flag is up, as a store B cannot reach would make them.
    const flaky: LockStore = Object.assign(Object.create(base) as LockStore, {
      claim: (request: Parameters<LockStore['claim']>[0]) =>
        failing.claims ? Promise.reject(new Error('ECONNRESET')) : base.claim(request),
    });
    const a = await createTestApp({
      providers: [makeOutageJobs('a')],
      cache: { redisUrl: server.url },
      options: { keyPrefix: 'short-claim', instanceId: 'a' },
    });
    const b = await createTestApp({
      providers: [makeOutageJobs('b')],
      cache: 'none',
      options: { keyPrefix: 'short-claim', instanceId: 'b', lockStore: flaky },
    });
    // Both have read the (empty) ledger at boot: no catch-up of their own runs beside the test's.
    await Promise.all([a, b].map(({ app }) => app.get(CoordinatedCronScheduler).whenBooted()));
    try {
      const year = (y: number) => new Date(`${y}-01-01T00:00:00Z`);
      expect((await a.app.get(CoordinatedCronRunner).trigger('short-claim', { occurrence: year(2021) })).outcome).toBe(
        'completed',
      );
      failing.claims = true;
      const scheduled = (app: INestApplicationContext, occurrence: Date) =>
        app.get(OccurrenceExecutor).run(app.get(CoordinatedCronRegistry).get('short-claim')!, occurrence);
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
      await client.close();
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
    const own = await OwnRedisServer.start();
    const { app, logger } = await createTestApp({
      providers: [Jobs],
      cache: { redisUrl: own.url },
      options: { keyPrefix: 'busy-catchup', instanceId: 'o', lockTimeout: 300 },
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
      const deadline = Date.now() + 5_000;
      while (!ran.includes('2021-01-01T00:00:00.000Z') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(ran).toContain('2021-01-01T00:00:00.000Z');
      expect(logger.matching(/occurrence=2021-01-01T00:00:00.000Z .*outcome=completed catchup=true/)).toHaveLength(1);
    } finally {
      release();
      await app.close();
      own.kill();
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
    const own = await OwnRedisServer.start();
    const { app, logger } = await createTestApp({
      providers: [Jobs],
      cache: { redisUrl: own.url },
      options: { keyPrefix: 'outage', instanceId: 'o', lockTimeout: 300 },
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
      await app.close();
      own.kill();
    }
  });

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
