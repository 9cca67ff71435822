import { OwnPostgresServer } from '../support/postgres-server.js';
import { DAILY_DIGEST, expectNone } from './harness/facts.js';
import { LocalCron } from './harness/local-clock.js';
import { type LogEntry, parseRunLine, type RunLine, type SampleProcess, token } from './harness/sample-process.js';
import { type Scenario, useScenarios } from './harness/scenario.js';
import { waitFor } from '../support/wait.js';

const UTC = 'UTC';
const KOLKATA = 'Asia/Kolkata';
const ST_JOHNS = 'America/St_Johns';
const ZONES = [UTC, KOLKATA, ST_JOHNS];
/** Seeded in turn: acct-0001 in UTC, acct-0002 in Kolkata, acct-0003 in St John's, acct-0004 in UTC, … */
const ACCOUNTS = 9;
const PAUSED = 'acct-0002';
const TOKEN = 'e2e-schedules-token';
/** The promise: every running instance re-arms within 2 s of `reschedule()` returning. */
const REARM_BOUND_MS = 2000;

interface Account {
  id: string;
  zone: string;
}

/** A digest run that got past its claim, and the instant it ran for. */
interface DigestRun extends RunLine {
  at: number;
}

const byInstant = (a: { at: number }, b: { at: number }) => a.at - b.at;

/** Every digest run line of the fleet that was not a skip, oldest occurrence first. */
function digestRuns(world: Scenario): DigestRun[] {
  return world
    .runLines()
    .filter((line) => line.job === DAILY_DIGEST && line.outcome !== 'skipped')
    .map((line) => ({ ...line, at: Date.parse(line.occurrence) }))
    .sort(byInstant);
}

/** Every digest run line of one instance, skips too: the ticks its own timer fired. */
function ticksFiredBy(instance: SampleProcess): DigestRun[] {
  return instance
    .runLines()
    .filter((line) => line.job === DAILY_DIGEST)
    .map((line) => ({ ...line, at: Date.parse(line.occurrence) }));
}

function accountsRunBy(world: Scenario, runId: string): string[] {
  return world
    .jobRuns('run_id = ?', runId)
    .map((row) => row.tenant_id!)
    .sort();
}

function dueAccounts(accounts: readonly Account[], cron: LocalCron, at: number): string[] {
  return accounts.filter((account) => cron.dueIn(account.zone, at)).map((account) => account.id);
}

/**
 * What is wrong with `runs` under `cron`: each must have run exactly the accounts whose own clock made it due at its
 * instant, less the paused ones, and reported those due (paused ones included) as its tenants, none disabled.
 */
function wrongRuns(
  world: Scenario,
  accounts: readonly Account[],
  runs: readonly DigestRun[],
  cron: LocalCron,
  paused: readonly string[] = [],
): string[] {
  const problems: string[] = [];
  for (const run of runs) {
    const due = dueAccounts(accounts, cron, run.at);
    const expected = due.filter((id) => !paused.includes(id));
    const ran = accountsRunBy(world, run.run);
    const report = ['tenants', 'succeeded', 'disabled', 'paused'].map((key) => token(run.entry.message, key) ?? '0');
    const expectedReport = [due.length, expected.length, 0, due.length - expected.length].map(String);
    if (ran.join() !== expected.join() || report.join() !== expectedReport.join()) {
      problems.push(
        `${run.occurrence} (${run.instance}): ran [${ran.join()}], due [${expected.join()}]; ` +
          `report tenants/succeeded/disabled/paused ${report.join('/')}, expected ${expectedReport.join('/')}`,
      );
    }
  }
  return problems;
}

/** Ticks of `cron` in `(from, to]` that no instance ran. */
function missedTicks(runs: readonly DigestRun[], cron: LocalCron, from: number, to: number): string[] {
  const ran = new Set(runs.map((run) => run.at));
  return cron
    .ticksBetween(ZONES, from, to)
    .filter((tick) => !ran.has(tick))
    .map((tick) => new Date(tick).toISOString());
}

/** The library's line saying the instance now runs the digest on another schedule. */
function scheduleLine(instance: SampleProcess, change: string): LogEntry | undefined {
  return instance
    .libraryLines()
    .find((entry) => entry.message.startsWith(`job=${DAILY_DIGEST} run=- schedule ${change}`));
}

function originOf(instance: SampleProcess): string {
  const ready = instance.entries.find((entry) => entry.message.startsWith('ready '))?.message ?? '';
  const origin = /(http:\/\/127\.0\.0\.1:\d+)/.exec(ready)?.[1];
  if (!origin) throw new Error(`${instance.name} serves no HTTP: ${ready}`);
  return origin;
}

/** One call of the sample's operator routes for the digest, on the control process. */
async function steer(
  origin: string,
  method: 'POST' | 'DELETE',
  path: string,
  body?: object,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
  if (body) headers['content-type'] = 'application/json';
  const response = await fetch(`${origin}/jobs/${DAILY_DIGEST}${path}`, {
    method,
    headers,
    body: body && JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The zones of `ZONES` in which `cron` comes due at least once in the next ten minutes. */
function zonesDueSoon(cron: LocalCron, from: number): string[] {
  return ZONES.filter((zone) => cron.ticksBetween([zone], from, from + 10 * 60_000).length > 0);
}

/**
 * Schedules as data, on real processes of the sample app: three instances run daily-digest, a
 * `@PerTenant({ localTime: true })` job, over accounts in UTC, Asia/Kolkata and America/St_Johns. A fourth process
 * with scheduling off (the control process) pauses and resumes one account, then moves the job to a schedule due
 * nowhere for months, then to a frequent one, and back to the code's; a fifth boots after the move. The crons are
 * made from the clock when the test starts, so that the zones they are due in are known: the code's is due every
 * 2 s during Kolkata's current and next hour (UTC is 5.5 hours behind, St John's 8.5), the override every 3 s during
 * three minutes of the hour on Kolkata's clock, which are the same minutes in St John's (a whole number of hours
 * apart) and never in UTC (half an hour off).
 */
describe.each(['redis', 'postgres'] as const)('e2e: schedules as data across processes on %s', (backend) => {
  const openScenario = useScenarios();
  let postgres: OwnPostgresServer | undefined;
  beforeAll(async () => {
    if (backend === 'postgres') postgres = await OwnPostgresServer.start();
  }, 60_000);
  afterAll(async () => {
    await postgres?.dispose();
  });

  it('local time, a paused account, reschedule and back, fleet-wide; each occurrence once', async () => {
    const codeCron = LocalCron.duringHours(2, KOLKATA, Date.now(), 2);
    // The test's own construction: only Kolkata's clock shows those hours during the test.
    expect(zonesDueSoon(codeCron, Date.now())).toEqual([KOLKATA]);
    const store: Record<string, string> = postgres ? { DATABASE_URL: postgres.url, REDIS_URL: '' } : {};
    const world = openScenario(`schedules-${backend}`, {
      SAMPLE_JOBS: DAILY_DIGEST,
      SAMPLE_DIGEST_CRON: codeCron.toString(),
      SAMPLE_FAST_JITTER_MS: '800',
      SAMPLE_ACCOUNTS: String(ACCOUNTS),
      SAMPLE_TIME_ZONES: ZONES.join(','),
      CRON_ADMIN_TOKEN: TOKEN,
      ...store,
    });
    const wait = (timeoutMs: number) => world.waiting(timeoutMs, 50);
    const runsAfter = (what: string, from: number, enough: (runs: DigestRun[]) => boolean, timeoutMs = 20_000) =>
      waitFor(
        what,
        () => {
          const runs = digestRuns(world).filter((run) => run.at > from);
          return enough(runs) && runs;
        },
        wait(timeoutMs),
      );

    const [s1] = await world.startReady(['s1']);
    const others = ['s2', 's3'].map((name) => world.start(name));
    const control = world.start('control', { SAMPLE_SCHEDULING: '0', PORT: '0' });
    await Promise.all([...others, control].map((instance) => instance.waitForReady(30_000)));
    const fleet = [s1, ...others];
    const origin = originOf(control);
    const accounts = world
      .database()
      .prepare('SELECT id, time_zone AS zone FROM accounts ORDER BY id')
      .all() as Account[];
    expect(accounts.map((account) => account.zone)).toEqual(accounts.map((_, i) => ZONES[i % ZONES.length]));
    const kolkata = accounts.filter((account) => account.zone === KOLKATA).map((account) => account.id);
    const booted = Math.max(...[...fleet, control].map((instance) => instance.readyAt()!));

    // 1. Local time: at each tick exactly Kolkata's accounts run, and they are all the report counts.
    const first = await runsAfter('three digest runs', booted, (runs) => runs.length >= 3);
    expect(accountsRunBy(world, first[0].run)).toEqual(kolkata);
    expectNone('runs of other accounts than the due ones', wrongRuns(world, accounts, first, codeCron));

    // 2. One account paused from the control process: left out by whichever instance wins, until resumed.
    const paused = await steer(origin, 'POST', `/accounts/${PAUSED}/pause`, { reason: 'e2e: looking into it' });
    expect(paused).toEqual({ status: 200, body: { paused: PAUSED } });
    const pausedAt = Date.now();
    const whilePaused = await runsAfter(
      'runs after the pause, won by two instances or more',
      pausedAt,
      (runs) => runs.length >= 3 && new Set(runs.map((run) => run.instance)).size >= 2,
      40_000,
    );
    expectNone('runs while paused', wrongRuns(world, accounts, whilePaused, codeCron, [PAUSED]));
    expect(await steer(origin, 'POST', `/accounts/${PAUSED}/resume`)).toEqual({
      status: 200,
      body: { resumed: PAUSED },
    });
    const resumedAt = Date.now();
    const afterResume = await runsAfter('two runs after the resume', resumedAt, (runs) => runs.length >= 2);
    expectNone('runs after the resume', wrongRuns(world, accounts, afterResume, codeCron));

    // 3. Schedules changed from the control process. A bad one is refused and stores nothing.
    const refused = await steer(origin, 'POST', '/schedule', { cron: '61 * * * * *' });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain(`reschedule("${DAILY_DIGEST}")`);
    // Each re-arm is measured from the moment the request was sent, on the clock the instances stamp their lines
    // with (one machine): an upper bound of the time from the call returning. The control process's own line, logged
    // as its call returns, is where an old schedule's ticks end and the new one's begin.
    const reschedule = async (cron: string | null, change: string, instances: SampleProcess[]) => {
      const sentAt = Date.now();
      const answer = cron
        ? await steer(origin, 'POST', '/schedule', { cron, reason: 'e2e' })
        : await steer(origin, 'DELETE', '/schedule');
      expect(answer).toMatchObject({ status: 200, body: { source: cron ? 'override' : 'code' } });
      const [calledAt, ...rearmedAt] = await waitFor(
        `${instances.map((instance) => instance.name).join(', ')} to log "schedule ${change}"`,
        () => {
          const lines = [control, ...instances].map((instance) => scheduleLine(instance, change));
          return lines.every(Boolean) && lines.map((line) => line!.timestamp);
        },
        wait(15_000),
      );
      const rearmMs = rearmedAt.map((at) => at - sentAt);
      expect(Math.max(...rearmMs)).toBeLessThanOrEqual(REARM_BOUND_MS);
      return { calledAt, rearmedAt, rearmMs };
    };

    // First to a schedule due in no zone on Earth for months (a local-time job's timer fires wherever its cron is
    // due, tenants there or not): from then on no instance claims anything, so nothing but the store's signal can
    // move them on to the next one.
    const quiet = `0 0 0 1 ${((new Date().getUTCMonth() + 6) % 12) + 1} *`;
    const quieted = await reschedule(quiet, `overridden: cron "${quiet}"`, fleet);
    const override = LocalCron.duringMinutes(3, KOLKATA, Date.now(), 3);
    expect(zonesDueSoon(override, Date.now())).toEqual([KOLKATA, ST_JOHNS]);
    const overridden = `overridden: cron "${override}"`;
    const moved = await reschedule(override.toString(), overridden, fleet);
    // Versions 1 and 2: the refused change stored nothing.
    for (const instance of [control, ...fleet]) {
      expect(scheduleLine(instance, `overridden: cron "${quiet}"`)!.message).toContain('(version 1)');
      expect(scheduleLine(instance, overridden)!.message).toContain('(version 2)');
    }

    // A fifth instance, booted after the change, starts from it.
    const s5 = world.start('s5');
    await s5.waitForReady(30_000);
    const s5Moved = await waitFor('s5 to read the override', () => scheduleLine(s5, overridden), wait(10_000));
    const overrideRuns = await runsAfter(
      'override runs with s5 in the fleet',
      Math.max(s5Moved.timestamp, ...moved.rearmedAt),
      (runs) => runs.length >= 3 && ticksFiredBy(s5).filter((tick) => tick.at > s5Moved.timestamp).length >= 2,
    );
    // It read the override at boot, before the first claim of its own: an instance that did not would claim a tick
    // of the code's schedule first, and only the claim's answer would move it.
    expectNone(
      'claims of s5 before it read the override',
      s5.entries
        .slice(0, s5.entries.indexOf(s5Moved))
        .filter((entry) => parseRunLine(entry)?.job === DAILY_DIGEST)
        .map((entry) => entry.message),
    );

    // 4. Back to the code's schedule.
    const reset = await reschedule(null, 'back to the code', [...fleet, s5]);
    const backRuns = await runsAfter(
      'two runs on the code schedule again',
      Math.max(...reset.rearmedAt),
      (runs) => runs.length >= 2,
    );

    await world.stopAll();
    for (const instance of world.instances) expect(instance.exit?.code).toBe(0);

    // Runs by the schedule in force. A run whose tick came before a change may still run on the old schedule, and is
    // left out of both sides; each instance's ticks after it re-armed are all of the new schedule.
    const all = digestRuns(world);
    expect(all.filter((run) => run.outcome !== 'completed').map((run) => run.entry.message)).toEqual([]);
    const onOverride = all.filter((run) => run.at > moved.calledAt && run.at <= reset.calledAt);
    const onCodeAgain = all.filter((run) => run.at > reset.calledAt);
    expectNone('override runs of other accounts than the due ones', wrongRuns(world, accounts, onOverride, override));
    expectNone('runs after the reset', wrongRuns(world, accounts, onCodeAgain, codeCron));
    const offSchedule = (instance: SampleProcess, cron: LocalCron | 'none', since: number, until = Infinity) =>
      ticksFiredBy(instance)
        .filter((tick) => tick.at > since && tick.at <= until && (cron === 'none' || !cron.tickOf(ZONES, tick.at)))
        .map((tick) => `${instance.name} fired ${tick.occurrence} (${tick.outcome})`);
    expectNone(
      'ticks fired while the quiet schedule was in force',
      fleet.flatMap((instance, i) => offSchedule(instance, 'none', quieted.rearmedAt[i], moved.calledAt)),
    );
    expectNone('ticks off the override', [
      ...fleet.flatMap((instance, i) => offSchedule(instance, override, moved.rearmedAt[i], reset.calledAt)),
      ...offSchedule(s5, override, s5Moved.timestamp, reset.calledAt),
    ]);
    // Nor did s5 run anything else before it read the override (a tick before that would be answered 'rescheduled').
    expectNone(
      'runs of s5 off the override',
      all
        .filter((run) => run.instance === s5.name && run.at <= reset.calledAt && !override.tickOf(ZONES, run.at))
        .map((run) => run.occurrence),
    );
    expectNone(
      'ticks off the code schedule after the reset',
      [...fleet, s5].flatMap((instance, i) => offSchedule(instance, codeCron, reset.rearmedAt[i])),
    );

    // Each occurrence once: one run line, one call per due account, and no tick of a settled schedule missed.
    const twice = (keys: string[]) => keys.filter((key, i) => keys.indexOf(key) !== i);
    expectNone('occurrences run twice', twice(all.map((run) => run.occurrence)));
    const calls = world.jobRuns('job_name = ?', DAILY_DIGEST);
    expectNone(
      'accounts run twice in one occurrence',
      twice(calls.map((call) => `${call.occurrence} ${call.tenant_id}`)),
    );
    expect(calls.filter((call) => call.status !== 'succeeded')).toEqual([]);
    const lastCode = all.filter((run) => run.at <= quieted.calledAt).at(-1)!;
    expectNone('code ticks missed', missedTicks(all, codeCron, first[0].at - 1, lastCode.at));
    expectNone(
      'override ticks missed',
      missedTicks(all, override, Math.max(...moved.rearmedAt), onOverride.at(-1)!.at),
    );
    expect(world.runLines().filter((line) => line.reason === 'lock-error')).toEqual([]);
    // The control process steered and scheduled nothing of its own.
    expect(control.runLines().map((line) => line.entry.message)).toEqual([]);

    const winners = (runs: DigestRun[]) => [...new Set(runs.map((run) => run.instance))].sort().join(',');
    console.info(
      `${backend}: code cron "${codeCron}" on Kolkata's clock, ${all.length - onOverride.length - onCodeAgain.length} ` +
        `runs; ${PAUSED} left out of ${whilePaused.length} runs won by ${winners(whilePaused)}, back in ` +
        `${afterResume.length}; re-armed after (ms) ${quieted.rearmMs.join('/')} on "${quiet}", ` +
        `${moved.rearmMs.join('/')} on "${override}" (${onOverride.length} runs, ${overrideRuns.length} with s5 in ` +
        `the fleet), ${reset.rearmMs.join('/')} back on the code's (${backRuns.length}+ runs); ${calls.length} account ` +
        'calls, none twice',
    );
  }, 150_000);
});
