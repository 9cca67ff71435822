import { iso, LOG_CLEANUP } from './harness/facts.js';
import { type LogEntry, type RunLine, type SampleProcess, token } from './harness/sample-process.js';
import { type JobRunRow, type Scenario, useScenarios } from './harness/scenario.js';
import { sleep, waitFor } from '../support/wait.js';

const TOKEN = 'e2e-retries-token';
const ACCOUNTS = 10;
/** Fail on the first call of every occurrence only: a retry gets them through. */
const FAIL_FIRST_TRY = ['acct-0002', 'acct-0005', 'acct-0009'];
/** Fails every call until the test repairs its setting: what is left for `retryFailed`. */
const ALWAYS_FAILS = 'acct-0007';
const PERIOD_S = 15;
/** Long enough that the holder can be killed while it waits, short enough that a takeover's own wait still fits. */
const BACKOFF_MS = 4000;
const LEASE_TTL_MS = 2000;
/** A retry wait this short leaves no room to kill the holder in it; that occurrence is checked without a kill. */
const KILLABLE_WAIT_MS = 600;
const KILL_TRIES = 4;

/** The slow schedule's ticks placed `afterS` seconds from now: the test waits for its fleet to boot, not longer. */
function scheduleFromNow(afterS: number): Record<string, string> {
  const offset = (Math.floor(Date.now() / 1000) + afterS) % PERIOD_S;
  return { SAMPLE_FAST_PERIOD: String(PERIOD_S), SAMPLE_FAST_OFFSET: String(offset) };
}

/** Calls of each account in one occurrence, in order: `failed`/`succeeded` by instance. */
function callsByAccount(rows: readonly JobRunRow[]): Map<string, JobRunRow[]> {
  const calls = new Map<string, JobRunRow[]>();
  for (const row of rows) calls.set(row.tenant_id!, [...(calls.get(row.tenant_id!) ?? []), row]);
  return calls;
}

/** What is wrong with the calls of one occurrence: each first-try account twice (failed, then succeeded), the rest once. */
function wrongCalls(rows: readonly JobRunRow[], alwaysFails: boolean): string[] {
  const problems: string[] = [];
  const calls = callsByAccount(rows);
  for (let n = 1; n <= ACCOUNTS; n++) {
    const id = `acct-${String(n).padStart(4, '0')}`;
    const statuses = (calls.get(id) ?? []).map((row) => row.status).join(',');
    let expected = 'succeeded';
    if (FAIL_FIRST_TRY.includes(id)) expected = 'failed,succeeded';
    if (id === ALWAYS_FAILS && alwaysFails) expected = 'failed,failed';
    if (statuses !== expected) problems.push(`${id}: calls [${statuses}], expected [${expected}]`);
  }
  return problems;
}

function finishedRuns(world: Scenario, after = ''): RunLine[] {
  return world
    .runLines()
    .filter((line) => line.job === LOG_CLEANUP && line.outcome !== 'skipped' && line.occurrence > after)
    .sort((a, b) => a.occurrence.localeCompare(b.occurrence));
}

function originOf(instance: SampleProcess): string {
  const ready = instance.entries.find((entry) => entry.message.startsWith('ready '))?.message ?? '';
  const origin = /(http:\/\/127\.0\.0\.1:\d+)/.exec(ready)?.[1];
  if (!origin) throw new Error(`${instance.name} serves no HTTP: ${ready}`);
  return origin;
}

/** The holder's line saying the failed tenants wait `waitMs` for their next try, for a run of `occurrence`. */
function retryWaitLine(world: Scenario, occurrence: string): { entry: LogEntry; waitMs: number } | undefined {
  const runIds = new Set(
    world.jobRuns('job_name = ? AND occurrence = ?', LOG_CLEANUP, occurrence).map((r) => r.run_id),
  );
  for (const entry of world.entries()) {
    const match = /failed tenant\(s\) are called again in (\d+)ms \(try 2\)/.exec(entry.message);
    const runId = token(entry.message, 'run');
    if (match && runId && runIds.has(runId)) return { entry, waitMs: Number(match[1]) };
  }
  return undefined;
}

/**
 * Retries of only what failed, across processes: two scheduling instances and a control process share a Redis and
 * the sample's database, in which every call of the per-tenant job leaves a row. Three accounts fail on the first
 * call of each occurrence and one on every call until repaired.
 */
describe('e2e: per-tenant retries across processes', () => {
  const openScenario = useScenarios();

  it('retries only the failed tenants, each once more, also after the holder is SIGKILLed between the pass and the retries; retryFailed from another process calls exactly the failed tenants once', async () => {
    const world = openScenario('retries', {
      SAMPLE_JOBS: LOG_CLEANUP,
      SAMPLE_ACCOUNTS: String(ACCOUNTS),
      SAMPLE_DISABLE_EVERY: '0',
      SAMPLE_FAIL: `${ALWAYS_FAILS}:${LOG_CLEANUP}`,
      SAMPLE_FAIL_FIRST_TRY: FAIL_FIRST_TRY.map((id) => `${id}:${LOG_CLEANUP}`).join(','),
      SAMPLE_RETRY_ATTEMPTS: '2',
      SAMPLE_RETRY_BACKOFF_MS: String(BACKOFF_MS),
      SAMPLE_CRASH_RECOVERY: 'resume',
      CRON_LEASE_TTL_MS: String(LEASE_TTL_MS),
      CRON_ADMIN_TOKEN: TOKEN,
      ...scheduleFromNow(10),
    });
    await world.startReady(['r1', 'r2']);
    const control = world.start('control', { SAMPLE_SCHEDULING: '0', PORT: '0' });
    await control.waitForReady(30_000);

    // 1. A run with no fault: the pass, then one retry round of the four that failed.
    const [first] = await waitFor(
      'a first finished log-cleanup run',
      () => finishedRuns(world)[0] && finishedRuns(world),
      world.waiting(40_000, 20),
    );
    const firstCalls = world.jobRuns('job_name = ? AND occurrence = ?', LOG_CLEANUP, first.occurrence);
    expect(wrongCalls(firstCalls, true)).toEqual([]);
    expect(new Set(firstCalls.map((row) => row.instance_id))).toEqual(new Set([first.instance]));
    expect([token(first.entry.message, 'succeeded'), token(first.entry.message, 'failed')]).toEqual(['9', '1']);
    expect(token(first.entry.message, 'retried')).toBe('4');
    // Logs name the tenant and the try.
    const secondTryFailure = world
      .entries()
      .find((entry) => entry.message.includes(`tenant=${ALWAYS_FAILS} try=2`) && entry.message.includes('failed:'));
    expect(secondTryFailure?.message).toContain(`run=${first.run}`);

    // 2. retryFailed from the control process, once the account is repaired: exactly that account, once.
    world
      .database()
      .prepare('UPDATE account_job_settings SET fail_with = NULL WHERE account_id = ? AND job_name = ?')
      .run(ALWAYS_FAILS, LOG_CLEANUP);
    const response = await fetch(`${originOf(control)}/cron/jobs/${LOG_CLEANUP}/retry-failed`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const report = (await response.json()) as Record<string, unknown>;
    expect(response.status).toBe(200);
    expect(report).toMatchObject({ outcome: 'completed', retryOf: first.occurrence, instanceId: 'control' });
    const retryCalls = world.jobRuns('run_id = ?', report.runId);
    expect(retryCalls.map((row) => [row.tenant_id, row.status, row.instance_id])).toEqual([
      [ALWAYS_FAILS, 'succeeded', 'control'],
    ]);
    // Nothing else of that occurrence ran again anywhere.
    expect(world.jobRuns('job_name = ? AND occurrence = ?', LOG_CLEANUP, first.occurrence)).toHaveLength(
      firstCalls.length + 1,
    );

    // 3. The holder SIGKILLed while its failed tenants wait for their retry: the survivor goes on with the retries.
    let after = first.occurrence;
    for (let attempt = 1; ; attempt++) {
      const occurrence = await waitFor(
        'the next occurrence to start',
        () => world.jobRuns('job_name = ? AND occurrence > ?', LOG_CLEANUP, after)[0]?.occurrence,
        world.waiting(PERIOD_S * 1000 + 10_000, 20),
      );
      const line = await waitFor(
        `the retry wait of ${occurrence}`,
        () => retryWaitLine(world, occurrence),
        world.waiting(10_000, 20),
      );
      const holder = world.instances.find((instance) => instance.name === line.entry.instance)!;
      if (line.waitMs < KILLABLE_WAIT_MS) {
        // No room for the kill: this occurrence is one more run without a fault, and must come out the same.
        if (attempt === KILL_TRIES)
          throw new Error(`${KILL_TRIES} retry waits in a row were under ${KILLABLE_WAIT_MS}ms`);
        const run = await waitFor(
          `the run of ${occurrence}`,
          () => finishedRuns(world, after)[0],
          world.waiting(15_000, 20),
        );
        expect(wrongCalls(world.jobRuns('job_name = ? AND occurrence = ?', LOG_CLEANUP, occurrence), false)).toEqual(
          [],
        );
        after = run.occurrence;
        continue;
      }
      // The retries are recorded in the store before the wait begins; a moment is enough for that write.
      await sleep(150);
      holder.signal('SIGKILL');
      await holder.waitForExit(5000);
      const survivor = world.instances.find(
        (instance) => instance.name !== holder.name && instance.name !== 'control',
      )!;

      const resumed = await waitFor(
        `${survivor.name} to finish ${occurrence} after the kill`,
        () =>
          survivor
            .runLines()
            .find((run) => run.job === LOG_CLEANUP && run.occurrence === occurrence && run.outcome !== 'skipped'),
        world.waiting(LEASE_TTL_MS + BACKOFF_MS + 10_000, 20),
      );
      const calls = world.jobRuns('job_name = ? AND occurrence = ?', LOG_CLEANUP, occurrence);
      // The kill came in the wait: the holder made every first call and no second one.
      expect(calls.filter((row) => row.instance_id === holder.name)).toHaveLength(ACCOUNTS);
      expect(wrongCalls(calls, false)).toEqual([]);
      // The second calls are the survivor's, each the tenant's try 2 by the ledger (a try 1 would have failed again).
      const second = calls.filter((row) => row.instance_id === survivor.name);
      expect(second.map((row) => row.tenant_id).sort()).toEqual(FAIL_FIRST_TRY);
      expect(resumed.outcome).toBe('completed');
      expect(token(resumed.entry.message, 'attempt')).toBe('2');
      expect(token(resumed.entry.message, 'failed')).toBe('0');
      console.info(
        `occurrence ${first.occurrence}: 4 tenants retried by ${first.instance}, ${ALWAYS_FAILS} retried by control ` +
          `(run ${String(report.runId).slice(0, 8)}); occurrence ${occurrence}: ${holder.name} killed ${line.waitMs}ms ` +
          `into its retry wait, ${survivor.name} called ${second.length} tenants on try 2 (kill attempt ${attempt}, ` +
          `now ${iso(Date.now())})`,
      );
      break;
    }
    await world.stopAll();
  }, 150_000);
});
