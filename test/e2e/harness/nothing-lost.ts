import { AUTOMATION_SCHEDULER, enabledAccounts, iso, LOG_CLEANUP } from './facts.js';
import { type Scenario, useScenarios } from './scenario.js';
import { type SampleProcess } from './sample-process.js';
import { sleep, waitFor } from '../../support/wait.js';
import { OwnRedisCluster } from './redis-cluster.js';
import { OwnRedisSentinel } from './redis-sentinel.js';
import { OwnPostgresServer } from '../../support/postgres-server.js';

export type Backend = 'redis' | 'cluster' | 'sentinel' | 'postgres';
export type NothingLostScenario =
  'dedup' | 'resume-2' | 'resume-4' | 'plain-resume' | 'plain-default' | 'catchup' | 'first-deploy';

const LEASE_TTL_MS = 3000;
/** The promise: a live instance resumes a crashed run within leaseTtl + 2 s of the crash. */
const RESUME_BOUND_MS = LEASE_TTL_MS + 2000;
/** Long enough that no new tick comes between the crash and the resume: the resume is what runs the tenants. */
const SLOW_PERIOD_S = 30;
/** How long after a scenario opens its first tick comes: time for its instances to boot on a loaded machine. */
const FIRST_TICK_AFTER_S = 12;

/**
 * The slow schedule's ticks placed `FIRST_TICK_AFTER_S` from now, not wherever the minute puts them: a scenario that
 * waits for its first run waits for its fleet to boot, not for up to a whole period on top of it.
 */
function slowSchedule(): Record<string, string> {
  const offset = (Math.floor(Date.now() / 1000) + FIRST_TICK_AFTER_S) % SLOW_PERIOD_S;
  return { SAMPLE_FAST_PERIOD: String(SLOW_PERIOD_S), SAMPLE_FAST_OFFSET: String(offset) };
}

async function startAll(world: Scenario, names: string[], env: Record<string, string> = {}) {
  return world.startReady(names, env);
}

/** Waits for the first run of `job` and names the instance that holds it. */
async function holderOf(world: Scenario, job: string, instances: SampleProcess[]) {
  const first = await waitFor(
    `a first run of ${job}`,
    () => world.jobRuns('job_name = ?', job)[0],
    world.waiting(SLOW_PERIOD_S * 1000 + 15_000, 50),
  );
  const holder = instances.find((instance) => instance.name === first.instance_id);
  if (!holder) throw new Error(`no instance named ${first.instance_id}`);
  return { holder, occurrence: first.occurrence, runId: first.run_id };
}

/**
 * The promises of "nothing lost" across processes on one kind of store (`backend`): Redis standalone, a Cluster of
 * three masters, a Sentinel group (no failover here: the Sentinel spec does that), or PostgreSQL (a server of the
 * file's own, the locks through `DATABASE_URL`, no Redis in the app). A crashed holder's occurrence
 * is resumed by exactly one survivor without a tick, a whole-fleet restart runs the occurrence it missed, a first
 * deploy catches up nothing. `only` picks scenarios, for a backend on which the rest would repeat what another
 * backend's run already shows.
 */
export function describeNothingLost(backend: Backend, only?: readonly NothingLostScenario[]): void {
  const wanted = (name: NothingLostScenario) => !only || only.includes(name);
  describe(`e2e: crash resume and catch-up on ${backend}`, () => {
    const openPlain = useScenarios();
    let cluster: OwnRedisCluster | undefined;
    let postgres: OwnPostgresServer | undefined;
    beforeAll(async () => {
      // One cluster for the file: three masters on loopback, every sample instance on a cluster client.
      if (backend === 'cluster') cluster = await OwnRedisCluster.start();
      // One PostgreSQL for the file; each scenario has a key prefix of its own.
      if (backend === 'postgres') postgres = await OwnPostgresServer.start();
    }, 60_000);
    afterAll(async () => {
      cluster?.stop();
      await postgres?.dispose();
    });
    const openScenario = async (label: string, env: Record<string, string>) => {
      if (backend === 'sentinel') {
        // A group per test: every test ends by killing the processes it started, the group's among them.
        const group = await OwnRedisSentinel.start();
        return openPlain(`${backend}-${label}`, { ...env, REDIS_SENTINELS: group.sentinels });
      }
      if (postgres) return openPlain(`${backend}-${label}`, { ...env, DATABASE_URL: postgres.url, REDIS_URL: '' });
      return openPlain(`${backend}-${label}`, cluster ? { ...env, REDIS_CLUSTER_NODES: cluster.urls.join(',') } : env);
    };

    if (backend !== 'redis' && wanted('dedup')) {
      it(`every occurrence runs once across three instances on the ${backend}`, async () => {
        const periodMs = 2000;
        const world = await openScenario('dedup', {
          SAMPLE_JOBS: AUTOMATION_SCHEDULER,
          SAMPLE_FAST_PERIOD: String(periodMs / 1000),
          SAMPLE_FAST_JITTER_MS: '500',
        });
        const instances = await startAll(world, ['c1', 'c2', 'c3']);
        const from = Math.max(...instances.map((instance) => instance.readyAt()!));
        await sleep(5 * periodMs + 1000);
        const to = Date.now() - periodMs;
        const rows = world
          .jobRuns()
          .filter((row) => Date.parse(row.occurrence) > from && Date.parse(row.occurrence) <= to);
        const byOccurrence = new Map<string, number>();
        for (const row of rows) byOccurrence.set(row.occurrence, (byOccurrence.get(row.occurrence) ?? 0) + 1);
        expect(byOccurrence.size).toBeGreaterThanOrEqual(4);
        expect([...byOccurrence.values()].every((n) => n === 1)).toBe(true);
        expect(world.runLines().filter((line) => line.reason === 'lock-error')).toEqual([]);
      }, 60_000);
    }

    for (const survivors of ([2, 4] as const).filter((n) => wanted(`resume-${n}`))) {
      it(`SIGKILL of a @PerTenant() holder mid-run: one of ${survivors} survivors resumes only the undone tenants`, async () => {
        const world = await openScenario(`resume-${survivors}`, {
          SAMPLE_JOBS: LOG_CLEANUP,
          ...slowSchedule(),
          SAMPLE_FAST_JITTER_MS: '200',
          SAMPLE_ACCOUNTS: '60',
          SAMPLE_DISABLE_EVERY: '0',
          SAMPLE_TENANT_DELAY_MS: '150',
          CRON_CONCURRENCY: '2',
          CRON_LEASE_TTL_MS: String(LEASE_TTL_MS),
          CRON_LOCK_TIMEOUT_MS: '1000',
        });
        const names = Array.from({ length: survivors + 1 }, (_, i) => `n${i + 1}`);
        const instances = await startAll(world, names);
        const { holder, occurrence, runId } = await holderOf(world, LOG_CLEANUP, instances);
        await waitFor(
          'the holder to finish 15 tenants',
          () => world.jobRuns("run_id = ? AND status = 'succeeded'", runId).length >= 15,
          world.waiting(40_000, 50),
        );
        // Let those finish well over a second before the crash: they are the ones that must never run again.
        await sleep(1500);
        const killedAt = holder.signal('SIGKILL');
        await holder.waitForExit(5000);

        const everyone = enabledAccounts(world, LOG_CLEANUP);
        await waitFor(
          'every tenant of the crashed occurrence to have succeeded',
          () => {
            const done = new Set(
              world.jobRuns("occurrence = ? AND status = 'succeeded'", occurrence).map((row) => row.tenant_id),
            );
            return everyone.every((id) => done.has(id));
          },
          world.waiting(40_000, 50),
        );

        const rows = world.jobRuns('job_name = ? AND occurrence = ?', LOG_CLEANUP, occurrence);
        const resumed = rows.filter((row) => row.run_id !== runId);
        // Exactly one survivor resumed it, and without waiting for a tick.
        expect(new Set(resumed.map((row) => `${row.instance_id}/${row.run_id}`)).size).toBe(1);
        const resumeStart = Math.min(...resumed.map((row) => row.started_at));
        expect(resumeStart - killedAt).toBeLessThanOrEqual(RESUME_BOUND_MS);
        // A tenant that finished more than a second before the crash never ran again.
        const finishedEarly = rows
          .filter((row) => row.run_id === runId && row.status === 'succeeded' && row.finished_at! < killedAt - 1000)
          .map((row) => row.tenant_id);
        expect(finishedEarly.length).toBeGreaterThanOrEqual(10);
        const again = resumed.filter((row) => finishedEarly.includes(row.tenant_id));
        expect(again.map((row) => row.tenant_id)).toEqual([]);
        // Nobody else touched the occurrence, and the summary says what happened.
        const line = await waitFor(
          "the resumed run's summary line",
          () => world.runLines().find((l) => l.run === resumed[0].run_id),
          world.waiting(10_000, 50),
        );
        expect(line?.outcome).toBe('completed');
        expect(line?.entry.message).toContain(`attempt=2 resumed-from=${runId}`);
        const twice = resumed.length + rows.filter((r) => r.run_id === runId).length - everyone.length;
        console.info(
          `resume with ${survivors} survivors: started ${resumeStart - killedAt}ms after the SIGKILL ` +
            `(lease ${LEASE_TTL_MS}ms), ${rows.filter((r) => r.run_id === runId).length} tenants by the holder, ` +
            `${resumed.length} by the resumer, ${twice} tenant(s) ran twice (in flight at the crash, or finished ` +
            'too shortly before it to be recorded as done)',
        );
      }, 120_000);
    }

    for (const mode of (['resume', 'default'] as const).filter((m) => wanted(`plain-${m}`))) {
      it(`a plain job's crashed occurrence with crashRecovery ${mode === 'resume' ? "'resume'" : 'left at its default'}`, async () => {
        const world = await openScenario(`plain-${mode}`, {
          SAMPLE_JOBS: AUTOMATION_SCHEDULER,
          ...slowSchedule(),
          SAMPLE_FAST_JITTER_MS: '200',
          SAMPLE_AUTOMATION_WORK_MS: '600000',
          CRON_LEASE_TTL_MS: String(LEASE_TTL_MS),
          CRON_LOCK_TIMEOUT_MS: '1000',
          ...(mode === 'resume' ? { SAMPLE_CRASH_RECOVERY: 'resume' } : {}),
        });
        const instances = await startAll(world, ['p1', 'p2', 'p3']);
        const { holder, occurrence, runId } = await holderOf(world, AUTOMATION_SCHEDULER, instances);
        await sleep(500);
        const killedAt = holder.signal('SIGKILL');
        await holder.waitForExit(5000);
        if (mode === 'resume') {
          const rerun = await waitFor(
            'a survivor to run the crashed occurrence again',
            () => world.jobRuns('occurrence = ? AND run_id <> ?', occurrence, runId)[0],
            world.waiting(RESUME_BOUND_MS + 5000, 50),
          );
          expect(rerun.started_at - killedAt).toBeLessThanOrEqual(RESUME_BOUND_MS);
          await sleep(1500);
          expect(world.jobRuns('occurrence = ? AND run_id <> ?', occurrence, runId)).toHaveLength(1);
          console.info(`plain job resumed ${rerun.started_at - killedAt}ms after the SIGKILL on ${rerun.instance_id}`);
        } else {
          await sleep(RESUME_BOUND_MS + 1500);
          expect(world.jobRuns('occurrence = ? AND run_id <> ?', occurrence, runId)).toEqual([]);
        }
      }, 120_000);
    }

    if (wanted('catchup'))
      it('the whole fleet down across a tick: two instances restarted together run the missed occurrence once', async () => {
        // Long enough that two instances booting on a loaded 2-core machine are up well before the following tick.
        const periodMs = 20_000;
        const world = await openScenario('catchup', {
          SAMPLE_JOBS: AUTOMATION_SCHEDULER,
          SAMPLE_FAST_PERIOD: String(periodMs / 1000),
          SAMPLE_FAST_JITTER_MS: '0',
          CRON_LEASE_TTL_MS: String(LEASE_TTL_MS),
        });
        const first = await startAll(world, ['a1', 'a2']);
        const done = await waitFor(
          'one occurrence completed',
          () => world.jobRuns("status = 'succeeded'")[0],
          world.waiting(periodMs + 10_000, 50),
        );
        for (const instance of first) instance.signal('SIGKILL');
        await Promise.all(first.map((instance) => instance.waitForExit(5000)));
        const missed = Date.parse(done.occurrence) + periodMs;
        // Down until the next tick has passed, and restarted well before the one after it.
        await sleep(Math.max(0, missed - Date.now()) + 1000);
        const restarted = [world.start('b1'), world.start('b2')];
        await Promise.all(restarted.map((instance) => instance.waitForReady(30_000)));
        const bootedAt = Math.max(...restarted.map((instance) => instance.readyAt()!));
        const late = await waitFor(
          'the missed occurrence to run',
          () => world.jobRuns('occurrence = ?', iso(missed))[0],
          world.waiting(10_000, 50),
        );
        expect(late.started_at - bootedAt).toBeLessThanOrEqual(2000);
        await sleep(1000);
        expect(world.jobRuns('occurrence = ?', iso(missed))).toHaveLength(1);
        const line = world.runLines().find((l) => l.run === late.run_id);
        expect(line?.entry.message).toContain('catchup=true');
        console.info(`catch-up: the missed occurrence started ${late.started_at - bootedAt}ms after the restart`);
      }, 120_000);

    if (wanted('first-deploy'))
      it('a first deploy catches up nothing', async () => {
        const periodMs = 10_000;
        const world = await openScenario('first-deploy', {
          SAMPLE_JOBS: AUTOMATION_SCHEDULER,
          SAMPLE_FAST_PERIOD: String(periodMs / 1000),
          SAMPLE_FAST_JITTER_MS: '0',
        });
        const instances = await startAll(world, ['f1', 'f2']);
        const bootedAt = Math.min(...instances.map((instance) => instance.readyAt()!));
        await sleep(2500);
        // Only ticks after the boot ran, never the one whose window was open when the fleet first started.
        const early = world.jobRuns().filter((row) => Date.parse(row.occurrence) < bootedAt - 1000);
        expect(early).toEqual([]);
        expect(world.entries().filter((entry) => entry.message.includes('catching up'))).toEqual([]);
      }, 60_000);
  });
}
