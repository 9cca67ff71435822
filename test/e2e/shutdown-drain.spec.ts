import { LOG_CLEANUP, oldLogRowsByAccount } from './harness/facts.js';
import { token } from './harness/sample-process.js';
import { useScenarios } from './harness/scenario.js';
import { waitFor } from '../support/wait.js';

const ACCOUNTS = 2000;
const TENANT_DELAY_MS = 25;
const CONCURRENCY = 8;
const SHUTDOWN_TIMEOUT_MS = 5000;
const EXIT_MARGIN_MS = 3000;
/** Enough accounts started that the run is well under way, few enough that most are still to come. */
const STARTED_BEFORE_SIGTERM = 300;

/**
 * Scenario 4: SIGTERM in the middle of a 2,000-account log-cleanup. The process drains and exits 0 in time, no
 * account starts after the signal, the accounts never started are logged and kept, and the next instance's run
 * takes exactly those first. In the end no account has old rows.
 */
describe('e2e: SIGTERM during a large per-tenant run', () => {
  const openScenario = useScenarios();

  it('drains, exits 0, logs the unprocessed accounts; the restarted instance takes exactly those first', async () => {
    const world = openScenario('shutdown', {
      SAMPLE_JOBS: LOG_CLEANUP,
      SAMPLE_FAST_PERIOD: '2',
      SAMPLE_FAST_JITTER_MS: '500',
      SAMPLE_ACCOUNTS: String(ACCOUNTS),
      SAMPLE_DISABLE_EVERY: '0',
      SAMPLE_TENANT_DELAY_MS: String(TENANT_DELAY_MS),
      CRON_CONCURRENCY: String(CONCURRENCY),
      CRON_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      CRON_LEASE_TTL_MS: '10000',
    });
    const [first] = await world.startReady(['s1']);
    const allAccounts = world.database().prepare('SELECT id FROM accounts ORDER BY id').pluck().all() as string[];
    expect(allAccounts).toHaveLength(ACCOUNTS);
    expect(oldLogRowsByAccount(world).size).toBe(ACCOUNTS);

    const firstRun = await waitFor(
      `${STARTED_BEFORE_SIGTERM} accounts started in the first log-cleanup run`,
      () => {
        const rows = world.jobRuns('job_name = ?', LOG_CLEANUP);
        return rows.length >= STARTED_BEFORE_SIGTERM && rows[0].run_id;
      },
      world.waiting(20_000, 50),
    );
    const signalSentAt = first.signal('SIGTERM');
    const exit = await first.waitForExit(SHUTDOWN_TIMEOUT_MS + EXIT_MARGIN_MS);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at - signalSentAt).toBeLessThanOrEqual(SHUTDOWN_TIMEOUT_MS + EXIT_MARGIN_MS);

    // No account started after the process received the signal (both times are the instance's own clock).
    const signalReceivedAt = first.signalReceivedAt('SIGTERM');
    expect(signalReceivedAt).toBeDefined();
    const firstRunRows = world.jobRuns('run_id = ?', firstRun);
    const startedLate = firstRunRows.filter((row) => row.started_at > signalReceivedAt!);
    expect(startedLate.map((row) => row.tenant_id)).toEqual([]);
    // Accounts already running were allowed to finish.
    expect(firstRunRows.filter((row) => row.status !== 'succeeded').map((row) => row.tenant_id)).toEqual([]);
    expect(firstRunRows.length).toBeLessThan(ACCOUNTS);

    const startedInFirst = new Set(firstRunRows.map((row) => row.tenant_id!));
    const neverStarted = allAccounts.filter((id) => !startedInFirst.has(id));

    // The run reports itself interrupted, and one line lists every account it left.
    const summary = first.runLines().find((line) => line.run === firstRun && line.outcome !== 'skipped');
    expect(summary?.outcome).toBe('interrupted');
    expect(token(summary!.entry.message, 'unprocessed')).toBe(String(neverStarted.length));
    const unprocessedLine = first
      .libraryLines()
      .find(
        (entry) =>
          entry.message.includes(`run=${firstRun}`) &&
          /\bunprocessed=\d+/.test(entry.message) &&
          entry.message.includes('ids='),
      );
    expect(unprocessedLine).toBeDefined();
    expect(token(unprocessedLine!.message, 'unprocessed')).toBe(String(neverStarted.length));
    const loggedIds = (token(unprocessedLine!.message, 'ids') ?? '').split(',').filter((id) => id.startsWith('acct-'));
    expect(loggedIds.length).toBe(neverStarted.length);
    expect([...loggedIds].sort()).toEqual(neverStarted);

    // A new instance: its first run takes exactly the left-over accounts first, then every account once.
    const [second] = await world.startReady(['s2']);
    const secondRun = await waitFor(
      'the restarted instance to finish a log-cleanup run',
      () => second.runLines().find((line) => line.job === LOG_CLEANUP && line.outcome !== 'skipped'),
      world.waiting(30_000, 200),
    );
    expect(secondRun.outcome).toBe('completed');
    // Its lease was released at shutdown: the new instance was never kept out by a stale one.
    const keptOut = second
      .runLines()
      .filter((line) => line.reason === 'overlap' && line.occurrence < secondRun.occurrence);
    expect(keptOut).toEqual([]);

    const secondRunRows = world.jobRuns('run_id = ?', secondRun.run);
    expect(secondRunRows.map((row) => row.instance_id).every((id) => id === 's2')).toBe(true);
    const takenFirst = secondRunRows.slice(0, neverStarted.length).map((row) => row.tenant_id!);
    expect([...takenFirst].sort()).toEqual(neverStarted);
    expect(secondRunRows.map((row) => row.tenant_id!).sort()).toEqual(allAccounts);
    expect(secondRunRows.filter((row) => row.status !== 'succeeded')).toEqual([]);

    // Nothing lost across the deploy: no account has rows past its retention, and recent rows are intact.
    expect(Object.fromEntries(oldLogRowsByAccount(world))).toEqual({});
    const remaining = world.database().prepare('SELECT COUNT(*) FROM logs').pluck().get() as number;
    expect(remaining).toBe(ACCOUNTS * 2);

    const pendingLine = second
      .libraryLines()
      .find((entry) => entry.message.includes(`run=${secondRun.run}`) && /earlier run/.test(entry.message));
    console.info(
      `SIGTERM after ${startedInFirst.size} of ${ACCOUNTS} accounts; exit 0 in ${exit.at - signalSentAt}ms; ` +
        `${neverStarted.length} unprocessed logged; restarted run took them first` +
        (pendingLine ? ` ("${pendingLine.message.slice(0, 120)}...")` : ''),
    );

    await world.stopAll();
    expect(second.exit?.code).toBe(0);
  }, 120_000);
});
