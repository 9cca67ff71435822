// One application instance using the library, as a separate process, its lock on Redis or on PostgreSQL (by the
// scheme of the store URL): contention on triggered occurrences (figures 4 and 13), scheduled ticks every 2 s
// (figures 6 and 14), ten nightly jobs left idle (figure 15), and a job whose schedule is changed at runtime, with the
// process that changes it (figure 18).
import KeyvRedis from '@keyv/redis';
import { ConsoleLogger, Injectable, type DynamicModule } from '@nestjs/common';
import type { CoordinatedCronModuleOptions, CronRun } from 'nestjs-coordinated-cron';
import { guard, send, serve } from '../lib/child-io';
import { loadLibrary } from '../lib/library';
import { createApp, jobsClass, NEVER, TRIGGERED } from '../lib/nest-app';
import { openPool, StatementCounter } from '../lib/postgres';
import { wallNow } from '../lib/tick-window';

const CONTEND_JOB = 'bench-contend';
const LATENCY_JOB = 'bench-latency';
const RESCHEDULED_JOB = 'bench-reschedule';

const MODES = ['contend', 'latency', 'idle', 'reschedule', 'control'] as const;
type Mode = (typeof MODES)[number];

// Idle mode only: the nightly schedule of its jobs, and how many.
const [modeArg, storeUrl, keyPrefix, instanceId, connectionName, nightlyCron, idleJobs] = process.argv.slice(2);

/**
 * Nest's console logger, which also notes the moment this instance logs that a job's schedule changed: the scheduler
 * logs that line and, in the same turn of the event loop, aims the job's timer at the new schedule.
 */
class RearmWatchingLogger extends ConsoleLogger {
  override log(message: unknown, ...rest: unknown[]): void {
    const at = wallNow();
    const m = typeof message === 'string' ? /job=(\S+) run=- schedule overridden: cron "([^"]+)"/.exec(message) : null;
    if (m) send({ type: 'rearmed', instance: instanceId, job: m[1], cron: m[2], at });
    super.log(message, ...(rest as string[]));
  }
}

guard(async () => {
  const { CoordinatedCronModule, CoordinatedCron, CoordinatedCronRunner } = loadLibrary();
  const mode = modeArg as Mode;
  if (!MODES.includes(mode)) throw new Error(`unknown mode ${modeArg}`);

  // Never due during the bench; occurrences come from trigger().
  @Injectable()
  class ContendJobs {
    @CoordinatedCron(CONTEND_JOB, TRIGGERED)
    async work(): Promise<void> {}
  }

  // Jitter is off (module option), so the body should start right at the tick. The tick comes from the run's own
  // context; nothing inside the library is observed.
  @Injectable()
  class LatencyJobs {
    @CoordinatedCron(LATENCY_JOB, '*/2 * * * * *')
    async tick({ context }: CronRun): Promise<void> {
      const at = wallNow();
      send({ type: 'start', instance: instanceId, tick: Date.parse(context.occurrence), at });
    }
  }

  // Never due on the code's schedule; figure 18 moves it to other never-due schedules, one after another.
  @Injectable()
  class RescheduledJobs {
    @CoordinatedCron(RESCHEDULED_JOB, NEVER)
    async work(): Promise<void> {}
  }

  const providers = {
    contend: ContendJobs,
    latency: LatencyJobs,
    idle: jobsClass(Number(idleJobs), (i) => CoordinatedCron(`bench-idle-${i}`, { cron: nightlyCron, timeZone: 'UTC' })),
    reschedule: RescheduledJobs,
    control: RescheduledJobs,
  }[mode];

  const onPostgres = storeUrl.startsWith('postgres');
  const pool = onPostgres ? openPool(storeUrl, connectionName) : undefined;
  // Figure 13 counts, at the client, every statement this instance's pool sends.
  const statements = pool ? new StatementCounter(pool) : undefined;
  // The name lets the harness tell this process's connection apart from everyone else's on a shared Redis.
  const cacheStore = onPostgres ? null : new KeyvRedis<unknown>({ url: storeUrl, name: connectionName });
  const options: CoordinatedCronModuleOptions = { keyPrefix, jitter: false, instanceId };
  if (pool) options.postgres = pool;
  if (mode === 'control') options.scheduling = false;
  const imports: DynamicModule[] = [CoordinatedCronModule.forRoot(options)];
  const { app } = await createApp({
    url: storeUrl,
    cacheStore,
    providers: [providers],
    imports,
    logger: mode === 'reschedule' ? new RearmWatchingLogger() : undefined,
  });
  // Connect before the first measured command, as a long-running instance would be.
  await cacheStore?.getClient();
  const runner = app.get(CoordinatedCronRunner);

  serve(
    {
      trigger: async (msg) => {
        const report = await runner.trigger(CONTEND_JOB, { occurrence: new Date(String(msg.occurrence)) });
        return { instance: instanceId, outcome: report.outcome, skipReason: report.skipReason, error: report.error };
      },
      // The statements sent since the last tally, once none has been sent for `quietMs` (default 20 ms).
      tally: async (msg) => {
        if (!statements) throw new Error('tally counts the statements of a PostgreSQL instance');
        await statements.settled(Number(msg.quietMs ?? 20));
        return { instance: instanceId, ...statements.take(), connections: statements.connections };
      },
      reschedule: async (msg) => {
        const calledAt = wallNow();
        const schedule = await runner.reschedule(RESCHEDULED_JOB, { cron: String(msg.cron), reason: 'bench' });
        const returnedAt = wallNow();
        return { calledAt, returnedAt, cron: schedule.cron, source: schedule.source };
      },
      // What runner.jobs() says now, for a check that a logged change is the schedule in force.
      cron: async () => ({ cron: runner.jobs().find((j) => j.name === RESCHEDULED_JOB)?.cron ?? null }),
    },
    async () => {
      await app.close();
      await pool?.end();
    },
  );
  send({ type: 'ready', instance: instanceId });
});
