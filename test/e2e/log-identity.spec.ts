import { ALL_JOBS, ANNOUNCEMENT_CLEANUP, AUTOMATION_SCHEDULER, BILLING_ARCHIVE, LOG_CLEANUP } from './harness/facts.js';
import { LIBRARY_CONTEXT, type LogEntry, parseRunLine, token } from './harness/sample-process.js';
import { useScenarios } from './harness/scenario.js';
import { waitFor } from '../support/wait.js';

const FLOW = 'invoice-archival';
const FAILURES = [
  { tenant: 'acct-0003', job: LOG_CLEANUP },
  { tenant: 'acct-0002', job: BILLING_ARCHIVE },
];
/** The sample's job classes log under these contexts. */
const APP_CONTEXT_OF: Record<string, string> = {
  LogCleanup: LOG_CLEANUP,
  BillingArchive: BILLING_ARCHIVE,
  AnnouncementCleanup: ANNOUNCEMENT_CLEANUP,
  AutomationScheduler: AUTOMATION_SCHEDULER,
};
const ACCOUNT_IDS = /acct-\d{4}/g;
const ID_LIST = /acct-\d{4},acct-\d{4}|\bids=/;

/**
 * Scenario 5: every line about a run can be found by its identity. Library lines carry job= and run=, lines about
 * one tenant carry tenant=, the app's own lines inside a run get the identity from CronContext, and billing-archive
 * lines carry the CLS flow name set per tenant, which never leaks into another job's lines.
 */
describe('e2e: log identity', () => {
  const openScenario = useScenarios();

  it('library lines carry job= and run=, tenant lines tenant=, billing-archive lines the flow name', async () => {
    const world = openScenario('identity', {
      SAMPLE_FAST_PERIOD: '1',
      SAMPLE_FAST_JITTER_MS: '300',
      SAMPLE_ACCOUNTS: '5',
      SAMPLE_DISABLE_EVERY: '2',
      SAMPLE_FAIL: FAILURES.map(({ tenant, job }) => `${tenant}:${job}`).join(','),
      // Tenants of one run overlap in time, so a context leaking between them would show.
      SAMPLE_TENANT_DELAY_MS: '20',
      CRON_CONCURRENCY: '5',
    });
    const instances = await world.startReady(['l1', 'l2']);

    await waitFor(
      'four completed runs of every job',
      () => {
        const completed = world.runLines().filter((line) => line.outcome === 'completed');
        return ALL_JOBS.every((job) => completed.filter((line) => line.job === job).length >= 4);
      },
      world.waiting(30_000, 250),
    );
    await world.stopAll();
    for (const instance of instances) expect(instance.exit?.code).toBe(0);

    const library = world.entries().filter((entry) => entry.context === LIBRARY_CONTEXT);
    const show = (entries: LogEntry[]) => entries.map((entry) => `${entry.instance}: ${entry.message}`);

    // 1. While the instances ran jobs, every library line was about a run and carried its identity.
    const whileRunning = instances.flatMap((instance) => {
      const [from, to] = [instance.readyAt()!, instance.signalReceivedAt()!];
      return instance.libraryLines().filter((entry) => entry.timestamp > from && entry.timestamp < to);
    });
    expect(whileRunning.length).toBeGreaterThan(20);
    expect(show(whileRunning.filter((entry) => !/\bjob=\S+ run=\S+/.test(entry.message)))).toEqual([]);
    for (const job of ALL_JOBS) expect(whileRunning.some((entry) => token(entry.message, 'job') === job)).toBe(true);
    // Any library line, at any time, that names a job or an account is tagged too.
    const naming = library.filter(
      (entry) => ALL_JOBS.some((job) => entry.message.includes(job)) || /acct-\d{4}/.test(entry.message),
    );
    expect(show(naming.filter((entry) => !/\bjob=\S+ run=\S+/.test(entry.message)))).toEqual([]);
    // Every outcome line parses into the full identity.
    const outcomeLines = library.filter((entry) => /\boutcome=/.test(entry.message));
    expect(show(outcomeLines.filter((entry) => parseRunLine(entry) === undefined))).toEqual([]);

    // 2. A library line about one tenant names it in tenant=.
    const aboutOneTenant = library.filter((entry) => {
      const ids = entry.message.match(ACCOUNT_IDS) ?? [];
      return ids.length > 0 && !ID_LIST.test(entry.message);
    });
    const untaggedTenantLines = aboutOneTenant.filter((entry) =>
      (entry.message.match(ACCOUNT_IDS) ?? []).some((id) => !entry.message.includes(`tenant=${id}`)),
    );
    expect(show(untaggedTenantLines)).toEqual([]);
    for (const { tenant, job } of FAILURES) {
      const failures = library.filter(
        (entry) =>
          token(entry.message, 'job') === job &&
          token(entry.message, 'tenant') === tenant &&
          entry.message.includes('simulated failure'),
      );
      expect({ tenant, job, failureLines: failures.length > 0 }).toEqual({ tenant, job, failureLines: true });
      for (const failure of failures) {
        expect(failure.level).toBe('error');
        expect(token(failure.message, 'run')).toMatch(/^[\w-]{8,}$/);
      }
    }

    // 3. The app's own lines inside a run carry that run's identity, read from CronContext in the job's async path.
    const summaries = world.runLines().filter((line) => line.outcome !== 'skipped');
    const rows = world.jobRuns();
    const appLines = world.entries().filter((entry) => entry.context !== undefined && entry.context in APP_CONTEXT_OF);
    for (const context of Object.keys(APP_CONTEXT_OF)) {
      expect({ context, lines: appLines.some((entry) => entry.context === context) }).toEqual({ context, lines: true });
    }
    const untagged = appLines.filter((entry) => {
      const job = token(entry.message, 'job');
      const run = token(entry.message, 'run');
      if (job !== APP_CONTEXT_OF[entry.context!] || !run) return true;
      const reported = summaries.some(
        (line) => line.run === run && line.job === job && line.instance === entry.instance,
      );
      if (!reported) return true;
      if (job === LOG_CLEANUP || job === BILLING_ARCHIVE) {
        // Five tenants run side by side: the tenant= the logger read from CronContext must be the account the
        // handler was called with (which the message names), and one this run really processed.
        const tenant = token(entry.message, 'tenant');
        const named = entry.message.replace(/\btenant=\S+/, '').match(ACCOUNT_IDS) ?? [];
        if (named.length === 0 || named.some((id) => id !== tenant)) return true;
        return !rows.some((row) => row.run_id === run && row.tenant_id === tenant);
      }
      return false;
    });
    expect(show(untagged)).toEqual([]);

    // 4. billing-archive's flow name, set in CLS per tenant, is on each of its lines and nowhere else.
    const billingLines = appLines.filter((entry) => entry.context === 'BillingArchive');
    expect(billingLines.length).toBeGreaterThanOrEqual(8);
    expect(show(billingLines.filter((entry) => token(entry.message, 'flow') !== FLOW))).toEqual([]);
    const leaked = world
      .entries()
      .filter((entry) => entry.message.includes('flow=') && token(entry.message, 'job') !== BILLING_ARCHIVE);
    expect(show(leaked)).toEqual([]);
    const wrongFlow = rows.filter((row) => (row.job_name === BILLING_ARCHIVE ? row.flow !== FLOW : row.flow !== null));
    expect(wrongFlow.map((row) => `${row.job_name}:${row.flow}`)).toEqual([]);
    console.info(
      `${library.length} library lines (${whileRunning.length} while running, all with job= run=), ` +
        `${aboutOneTenant.length} about one tenant (all with tenant=), ${appLines.length} app lines tagged from ` +
        `CronContext, ${billingLines.length} billing-archive lines with flow=${FLOW}, none leaked`,
    );
  }, 90_000);
});
