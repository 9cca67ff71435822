import { runMigrations } from 'graphile-worker';
import PgBoss from 'pg-boss';
import { Child, stopAll, type Message } from '../lib/children';
import { listeningNames, transactionCounts } from '../lib/postgres';
import { sleepUntil, wallNow, type StartMessage } from '../lib/tick-window';
import { childScript, type ScenarioContext } from './context';

export type IdleSystem = 'library' | 'pgboss' | 'graphile';
export type TickSystem = 'pgboss' | 'graphile';

export interface IdleCount {
  database: string;
  transactions: number;
  seconds: number;
  perSec: number;
}

export interface MinuteTicks {
  ticks: number[];
  /** Per tick, the first body start minus the tick; NaN for a tick no instance ran. */
  delaysMs: number[];
  duplicates: number;
  misses: number;
  startsOutsideWindow: number;
}

export interface PostgresIdleResult {
  idle: Record<IdleSystem, IdleCount>;
  /** Statements the library instances sent from the window's settling on to its last read, counted at their clients. */
  libraryStatements: number;
  /** Library instances holding a connection in LISTEN (schedule signals) while the idle window ran. */
  listening: number;
  ticks: Record<TickSystem, MinuteTicks>;
  nightlyCron: string;
  logLines: number;
}

export interface IdleConfig {
  instances: number;
  jobs: number;
  windowMs: number;
  settleMs: number;
  flushMs: number;
  minuteTicks: number;
  lastTickWaitMs: number;
}

const MINUTE_MS = 60_000;
const TICK_QUEUE = 'bench_tick';

/** A daily UTC schedule twelve hours away, so no run of it can fall inside the bench. */
function nightlyCron(): string {
  return `0 ${(new Date().getUTCHours() + 12) % 24} * * *`;
}

/** What a user of pg-boss writes once: the queues, and `schedule()` for each. */
async function setUpPgBoss(url: string, queues: readonly string[], cron: string): Promise<void> {
  const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
  for (const queue of queues) {
    await boss.createQueue(queue);
    await boss.schedule(queue, cron);
  }
  await boss.stop({ graceful: false, timeout: 1000 });
}

/**
 * Figure 15, one window for everything that is slow to watch: idle cost on the server, and the baselines' start
 * latency at minute ticks.
 *
 * Idle: five library instances with `jobs` nightly jobs each (lock on PostgreSQL, so each also listens for schedule
 * signals), five pg-boss instances with a worker on each of `jobs` queues scheduled nightly with `schedule()`, and five
 * graphile-worker runners whose crontab holds `jobs` nightly lines. Each system in a database of its own, counted on
 * the server: `xact_commit + xact_rollback` of its database in `pg_stat_database`, read by the harness from another
 * database. A backend reports its counts when it goes idle, at most once a second, else up to 10 s later: so the
 * window opens `settleMs` after the fleets are up (boot traffic is reported by then), and the count is read again
 * `flushMs` after the window's end, the fleets still running; the rate is that count over the whole span.
 *
 * Minute ticks: meanwhile, in two more databases, five pg-boss instances on a queue scheduled `* * * * *` and five
 * graphile-worker runners with a `* * * * *` crontab line; the first `minuteTicks` whole minutes after they are up
 * are watched.
 */
export async function run(ctx: ScenarioContext, cfg: IdleConfig): Promise<PostgresIdleResult> {
  const pg = await ctx.postgres();
  const db = {
    library: 'ccbench_idle',
    pgboss: 'pgboss_idle',
    graphile: 'graphile_idle',
    pgbossTicks: 'pgboss_ticks',
    graphileTicks: 'graphile_ticks',
  };
  const url = Object.fromEntries(await Promise.all(Object.entries(db).map(async ([k, name]) => [k, await pg.database(name)]))) as Record<
    keyof typeof db,
    string
  >;
  const cron = nightlyCron();
  const idleQueues = Array.from({ length: cfg.jobs }, (_, i) => `bench_idle_${i}`);
  await setUpPgBoss(url.pgboss, idleQueues, cron);
  await setUpPgBoss(url.pgbossTicks, [TICK_QUEUE], '* * * * *');
  await runMigrations({ connectionString: url.graphile });
  await runMigrations({ connectionString: url.graphileTicks });
  const idleCrontab = idleQueues.map((task) => `${cron} ${task}`).join('\n');

  const keyPrefix = `${ctx.prefix}-f15`;
  const fleets: Record<'library' | 'pgboss' | 'graphile' | 'pgbossTicks' | 'graphileTicks', Child[]> = {
    library: [],
    pgboss: [],
    graphile: [],
    pgbossTicks: [],
    graphileTicks: [],
  };
  const all = (): Child[] => Object.values(fleets).flat();
  try {
    for (let i = 1; i <= cfg.instances; i++) {
      fleets.library.push(
        new Child(childScript('coordinated-instance'), {
          args: ['idle', url.library, keyPrefix, `i${i}`, `${keyPrefix}-i${i}`, cron, String(cfg.jobs)],
          name: `pg-idle-i${i}`,
        }),
      );
      fleets.pgboss.push(new Child(childScript('pgboss-worker'), { args: [url.pgboss, `pgboss-idle-${i}`, idleQueues.join(',')], name: `pgboss-idle-${i}` }));
      fleets.graphile.push(new Child(childScript('graphile-worker'), { args: [url.graphile, `graphile-idle-${i}`, idleCrontab], name: `graphile-idle-${i}` }));
      fleets.pgbossTicks.push(new Child(childScript('pgboss-worker'), { args: [url.pgbossTicks, `pgboss-ticks-${i}`, TICK_QUEUE], name: `pgboss-ticks-${i}` }));
      fleets.graphileTicks.push(
        new Child(childScript('graphile-worker'), { args: [url.graphileTicks, `graphile-ticks-${i}`, `* * * * * ${TICK_QUEUE}`], name: `graphile-ticks-${i}` }),
      );
    }
    await Promise.all(all().map((c) => c.next('ready', 120000)));
    // Every library instance listens once its boot reads are done.
    let heard = 0;
    for (const deadline = Date.now() + 20000; (heard = (await listeningNames(pg.admin, db.library)).size) < cfg.instances && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 200));
    }
    if (heard < cfg.instances) throw new Error(`only ${heard} of ${cfg.instances} library instances listen for schedule signals`);
    ctx.log(`  postgres idle: ${all().length} processes ready (${heard} library instances listening); nightly schedule "${cron}" UTC`);

    const idleNames = [db.library, db.pgboss, db.graphile];
    type Tally = { total: number };
    const tallyLibrary = async (quietMs: number): Promise<number> =>
      (await Promise.all(fleets.library.map((c) => c.request<Message & Tally>('tally', { quietMs }, 60000)))).reduce((n, t) => n + t.total, 0);
    const measureIdle = async (): Promise<{ idle: Record<IdleSystem, IdleCount>; libraryStatements: number }> => {
      // A library instance reads its jobs' schedules and ledgers once it listens: the window waits until every
      // instance has sent nothing for a second, then `settleMs` more, by which time the server has the counts of those
      // reads. From here on, the statements the instances send are also counted at their clients.
      await tallyLibrary(1000);
      await pg.autovacuum(false);
      await new Promise((r) => setTimeout(r, cfg.settleMs));
      const t0 = performance.now();
      const before = await transactionCounts(pg.admin, idleNames);
      await new Promise((r) => setTimeout(r, cfg.windowMs));
      const stillListening = (await listeningNames(pg.admin, db.library)).size;
      if (stillListening < cfg.instances) throw new Error(`${stillListening} of ${cfg.instances} library instances still listened at the window's end`);
      await new Promise((r) => setTimeout(r, cfg.flushMs));
      const after = await transactionCounts(pg.admin, idleNames);
      await pg.autovacuum(true);
      const seconds = (performance.now() - t0) / 1000;
      const libraryStatements = await tallyLibrary(0);
      const count = (database: string): IdleCount => {
        const transactions = after[database] - before[database];
        return { database, transactions, seconds, perSec: transactions / seconds };
      };
      return { idle: { library: count(db.library), pgboss: count(db.pgboss), graphile: count(db.graphile) }, libraryStatements };
    };

    const firstTick = Math.ceil((Date.now() + 5000) / MINUTE_MS) * MINUTE_MS;
    const ticks = Array.from({ length: cfg.minuteTicks }, (_, k) => firstTick + k * MINUTE_MS);
    const watchMinutes = async (): Promise<Record<TickSystem, MinuteTicks>> => {
      const starts: Record<TickSystem, StartMessage[]> = { pgboss: [], graphile: [] };
      const collect = (): void => {
        starts.pgboss.push(...fleets.pgbossTicks.flatMap((c) => c.drain<StartMessage>('start')));
        starts.graphile.push(...fleets.graphileTicks.flatMap((c) => c.drain<StartMessage>('start')));
      };
      await sleepUntil(ticks[ticks.length - 1]);
      const giveUpAt = ticks[ticks.length - 1] + cfg.lastTickWaitMs;
      for (;;) {
        collect();
        const done = (['pgboss', 'graphile'] as const).every((s) => ticks.every((t) => starts[s].some((m) => m.tick === t)));
        if (done || wallNow() > giveUpAt) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      const outcome = (list: StartMessage[]): MinuteTicks => {
        const delaysMs: number[] = [];
        let duplicates = 0;
        for (const t of ticks) {
          const runs = list.filter((m) => m.tick === t).sort((a, b) => a.at - b.at);
          delaysMs.push(runs.length ? runs[0].at - t : NaN);
          duplicates += Math.max(0, runs.length - 1);
        }
        return {
          ticks,
          delaysMs,
          duplicates,
          misses: delaysMs.filter((d) => Number.isNaN(d)).length,
          startsOutsideWindow: list.filter((m) => !ticks.includes(m.tick)).length,
        };
      };
      return { pgboss: outcome(starts.pgboss), graphile: outcome(starts.graphile) };
    };

    const [{ idle, libraryStatements }, minuteTicks] = await Promise.all([measureIdle(), watchMinutes()]);
    ctx.log(
      `  postgres idle: transactions/s library ${idle.library.perSec.toFixed(2)} (${libraryStatements} statements sent, counted at the clients), pg-boss ${idle.pgboss.perSec.toFixed(2)}, graphile-worker ${idle.graphile.perSec.toFixed(2)};` +
        ` minute ticks: pg-boss ${minuteTicks.pgboss.delaysMs.map((d) => d.toFixed(0)).join('/')} ms,` +
        ` graphile-worker ${minuteTicks.graphile.delaysMs.map((d) => d.toFixed(0)).join('/')} ms`,
    );
    return { idle, libraryStatements, listening: heard, ticks: minuteTicks, nightlyCron: cron, logLines: all().reduce((n, c) => n + c.stdoutLines, 0) };
  } finally {
    await pg.autovacuum(true).catch(() => undefined);
    await stopAll(all());
  }
}
