import { enabledAccounts, LOG_CLEANUP, oldLogRowsByAccount } from './harness/facts.js';
import { LIBRARY_CONTEXT, type RunLine, token } from './harness/sample-process.js';
import { useScenarios } from './harness/scenario.js';
import { waitFor } from '../support/wait.js';

const FAILING = 'acct-0007';
const ACCOUNTS = 20;
const OLD_ROWS = 3;
const NEW_ROWS = 2;

/**
 * Scenario 3: one account's log-cleanup always throws (a setting in the database). Every other enabled account is
 * cleaned in the same run, the failure is logged against that tenant, and the schedule goes on.
 */
describe('e2e: one failing tenant', () => {
  const openScenario = useScenarios();

  it('a tenant forced to fail does not stop the others: all other enabled accounts are cleaned', async () => {
    const world = openScenario('tenant-failure', {
      SAMPLE_JOBS: LOG_CLEANUP,
      SAMPLE_FAST_PERIOD: '2',
      SAMPLE_ACCOUNTS: String(ACCOUNTS),
      SAMPLE_OLD_LOGS: String(OLD_ROWS),
      SAMPLE_DISABLE_EVERY: '5',
      SAMPLE_FAIL: `${FAILING}:${LOG_CLEANUP}`,
    });
    await world.startReady(['f1', 'f2']);

    const finishedRuns = () =>
      world.runLines().filter((line) => line.job === LOG_CLEANUP && line.outcome !== 'skipped');
    const [first] = await waitFor(
      'a finished log-cleanup run',
      () => finishedRuns().length > 0 && finishedRuns(),
      world.waiting(20_000, 200),
    );

    const accounts = world.database().prepare('SELECT id FROM accounts ORDER BY id').pluck().all() as string[];
    const enabled = enabledAccounts(world, LOG_CLEANUP);
    const disabled = accounts.filter((id) => !enabled.includes(id));
    expect(accounts).toHaveLength(ACCOUNTS);
    expect(disabled).toEqual(['acct-0005', 'acct-0010', 'acct-0015', 'acct-0020']);
    expect(enabled).toContain(FAILING);

    // The run's own record: every enabled account was called once; only the failing one failed.
    const calls = world.jobRuns('job_name = ? AND run_id = ?', LOG_CLEANUP, first.run);
    expect(calls.map((call) => call.tenant_id).sort()).toEqual(enabled);
    expect(calls.filter((call) => call.status !== 'succeeded').map((call) => [call.tenant_id, call.status])).toEqual([
      [FAILING, 'failed'],
    ]);

    // The data: cleaned everywhere except the failing account and the accounts that switched the job off.
    const oldRows = oldLogRowsByAccount(world);
    const expectedOld = new Map([FAILING, ...disabled].map((id) => [id, OLD_ROWS]));
    expect(Object.fromEntries([...oldRows].sort())).toEqual(Object.fromEntries([...expectedOld].sort()));
    const recent = world
      .database()
      .prepare('SELECT COUNT(*) FROM logs WHERE created_at >= ?')
      .pluck()
      .get(Date.now() - 24 * 60 * 60 * 1000) as number;
    expect(recent).toBe(ACCOUNTS * NEW_ROWS);

    // The report line counts it; the failure line names job, run and tenant, with the error.
    expect(token(first.entry.message, 'failed')).toBe('1');
    expect(token(first.entry.message, 'succeeded')).toBe(String(enabled.length - 1));
    expect(token(first.entry.message, 'disabled')).toBe(String(disabled.length));
    // The failure line is an error (stderr) and the report line a log (stdout): two pipes, read apart, so the
    // report can arrive first. Wait for the line rather than expect it already read.
    const failure = await waitFor(
      `the failure line of ${FAILING} in run ${first.run}`,
      () =>
        world
          .entries()
          .find(
            (entry) =>
              entry.context === LIBRARY_CONTEXT &&
              entry.message.includes(`tenant=${FAILING}`) &&
              entry.message.includes(`run=${first.run}`),
          ),
      world.waiting(10_000, 100),
    );
    expect(failure?.message).toContain(`job=${LOG_CLEANUP}`);
    expect(failure?.message).toContain(`simulated failure of ${FAILING} in ${LOG_CLEANUP}`);
    expect(failure?.level).toBe('error');

    // The schedule goes on: the next occurrence runs too, and fails that tenant alone again.
    const second = await waitFor(
      'a second finished log-cleanup run',
      () => finishedRuns().find((line: RunLine) => line.occurrence > first.occurrence),
      world.waiting(15_000, 200),
    );
    const secondCalls = world.jobRuns('run_id = ?', second.run);
    expect(secondCalls.map((call) => call.tenant_id).sort()).toEqual(enabled);
    expect(secondCalls.filter((call) => call.status === 'failed').map((call) => call.tenant_id)).toEqual([FAILING]);
    for (const instance of world.instances) expect(instance.running).toBe(true);
    console.info(
      `run ${first.run.slice(0, 8)} on ${first.instance}: ${enabled.length - 1} accounts cleaned, ${FAILING} failed ` +
        `("${failure?.message.slice(failure.message.indexOf('failed:'))}"), ${disabled.length} disabled kept their rows; ` +
        `next run ${second.run.slice(0, 8)} the same`,
    );

    await world.stopAll();
    for (const instance of world.instances) expect(instance.exit?.code).toBe(0);
  }, 90_000);
});
