import { AUTOMATION_SCHEDULER } from './harness/facts.js';
import { useScenarios } from './harness/scenario.js';
import { sleep, waitFor } from '../support/wait.js';
import { OwnPostgresServer } from '../support/postgres-server.js';

const PERIOD_MS = 2_000;
const LOCK_TIMEOUT_MS = 1_000;

/**
 * PostgreSQL failing under a running fleet of sample processes, each with a pool made as users make it
 * (`new Pool({ connectionString })`, no error listener of the app's own): a crash and restart of the server, and a
 * server that stops answering.
 */
describe('e2e: PostgreSQL fails under three instances', () => {
  const openScenario = useScenarios();
  let postgres: OwnPostgresServer;
  beforeEach(async () => {
    postgres = await OwnPostgresServer.start();
  }, 60_000);
  afterEach(async () => {
    postgres.resume();
    await postgres.dispose();
  });

  const world = (label: string, env: Record<string, string> = {}) =>
    openScenario(label, {
      SAMPLE_JOBS: AUTOMATION_SCHEDULER,
      SAMPLE_FAST_PERIOD: String(PERIOD_MS / 1000),
      SAMPLE_ACCOUNTS: '3',
      CRON_LOCK_TIMEOUT_MS: String(LOCK_TIMEOUT_MS),
      // A claim committed just before the crash keeps its lease through the outage; shorter than the outage, so the
      // first ticks after the restart are not blocked by it.
      CRON_LEASE_TTL_MS: '2500',
      DATABASE_URL: postgres.url,
      REDIS_URL: '',
      ...env,
    });

  it('stopped with -m immediate mid-schedule and started 3 s later: nothing ran twice, no process exited, runs go on', async () => {
    const scenario = world('pg-restart', { SAMPLE_FAST_JITTER_MS: '500' });
    const instances = await scenario.startReady(['r1', 'r2', 'r3']);
    await waitFor('three completed runs', () => scenario.jobRuns("status = 'succeeded'").length >= 3, {
      timeoutMs: 20_000,
      intervalMs: 100,
      diagnostics: () => scenario.diagnostics(),
    });
    await postgres.stop('immediate');
    await sleep(3_000);
    await postgres.start();
    const restartedAt = Date.now();
    const after = await waitFor(
      'a run of an occurrence after the restart',
      () => scenario.jobRuns('status = ? AND started_at > ?', 'succeeded', restartedAt)[0],
      { timeoutMs: 4 * PERIOD_MS + 5_000, intervalMs: 50, diagnostics: () => scenario.diagnostics() },
    );
    // Runs go on within two periods of the restart.
    expect(after.started_at - restartedAt).toBeLessThanOrEqual(2 * PERIOD_MS);
    await sleep(2 * PERIOD_MS);
    // No occurrence ran twice, before, across or after the outage.
    const counts = new Map<string, number>();
    for (const row of scenario.jobRuns()) counts.set(row.occurrence, (counts.get(row.occurrence) ?? 0) + 1);
    expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
    // No process exited: the pool's error event (its idle connections died with the server) was handled.
    expect(instances.map((instance) => [instance.name, instance.running])).toEqual([
      ['r1', true],
      ['r2', true],
      ['r3', true],
    ]);
    const lost = scenario.entries().filter((entry) => entry.message.includes('an idle connection of the pool failed'));
    expect(lost.length).toBeGreaterThan(0);
    console.info(
      `PostgreSQL restart: first run ${after.started_at - restartedAt}ms after it was back; ` +
        `${scenario.runLines().filter((line) => line.reason === 'lock-error').length} lock-error skips during the outage`,
    );
  }, 90_000);

  it('SIGSTOPped: the run is skipped within lockTimeout + 0.5 s of its tick, and runs go on after SIGCONT', async () => {
    const scenario = world('pg-paused', { SAMPLE_FAST_JITTER_MS: '0' });
    const instances = await scenario.startReady(['p1', 'p2', 'p3']);
    await waitFor('a completed run', () => scenario.jobRuns("status = 'succeeded'")[0], {
      timeoutMs: 20_000,
      intervalMs: 100,
      diagnostics: () => scenario.diagnostics(),
    });
    const pausedAt = Date.now();
    postgres.pause();
    const skipped = await waitFor(
      'a tick after the pause skipped as a lock error',
      () => scenario.runLines().find((line) => line.reason === 'lock-error' && Date.parse(line.occurrence) > pausedAt),
      { timeoutMs: 3 * PERIOD_MS + 5_000, intervalMs: 50, diagnostics: () => scenario.diagnostics() },
    );
    // Without jitter the claim starts at the tick; the skip line is written when the bound fires.
    const tookMs = skipped.entry.timestamp - Date.parse(skipped.occurrence);
    expect(tookMs).toBeLessThanOrEqual(LOCK_TIMEOUT_MS + 500);
    postgres.resume();
    const resumedAt = Date.now();
    await waitFor(
      'a run after SIGCONT',
      () => scenario.jobRuns('status = ? AND started_at > ?', 'succeeded', resumedAt)[0],
      { timeoutMs: 4 * PERIOD_MS + 5_000, intervalMs: 50, diagnostics: () => scenario.diagnostics() },
    );
    expect(instances.every((instance) => instance.running)).toBe(true);
    console.info(`PostgreSQL paused: the tick was skipped ${tookMs}ms after it (lockTimeout ${LOCK_TIMEOUT_MS}ms)`);
  }, 90_000);
});
