import { afterEach, describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { ClsModule } from 'nestjs-cls';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import {
  CoordinatedCron,
  CoordinatedCronAdminModule,
  CoordinatedCronModule,
  CoordinatedCronRunner,
  type JobDescription,
  type JobRunReport,
  MemoryLockStore,
  PerTenant,
} from '../../src/index.js';
import { createHttpApp, HTTP_ADAPTERS, type HttpAdapterName } from '../support/http-adapters.js';
import { staticTenants } from '../support/tenants.js';
import { REPO_ROOT } from './harness/paths.js';
import { useScenarios } from './harness/scenario.js';
import { waitFor } from '../support/wait.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'e2e-admin-token';
const PAUSED_JOB = 'announcement-cleanup';
const TRIGGERED_JOB = 'billing-archive';
const FAILING_TENANT = 'acct-0007';
const PAUSED_TENANT = 'acct-0003';
/** A tenant id an app may well have: markup and a slash, for the page's HTML and its URLs. */
const ODD_TENANT = 'team <i>a</i>/b';

/**
 * The admin page in a real headless Chromium against the built sample app, once on each HTTP platform: pause
 * through the UI (and the pause survives a reload, because it lives in Redis), resume, trigger a per-tenant run and
 * watch it run and land in the history without a reload; pause and resume one tenant, retry a run's failed tenants,
 * change a schedule and go back to the code's, all through the page's forms and buttons. A local-time job's next
 * instants are shown on an app built in this process (the sample has none). Chromium is a prerequisite, not an
 * option: without it the test fails.
 */
describe.each(HTTP_ADAPTERS)('e2e: admin page in a headless browser, sample app on %s', (adapter) => {
  const openScenario = useScenarios();
  let browser: BrowserContext | undefined;
  let profile: string | undefined;

  afterEach(async () => {
    await browser?.close();
    browser = undefined;
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('pauses, survives a reload, resumes, triggers and shows the run in the history', async () => {
    assertChromium();
    const world = openScenario(`admin-page-${adapter}`, {
      SAMPLE_HTTP_ADAPTER: adapter,
      // Nightly windows: nothing runs by itself, so every run the page shows is one this test asked for.
      SAMPLE_FAST: '0',
      PORT: '0',
      CRON_ADMIN_TOKEN: TOKEN,
      SAMPLE_TENANT_DELAY_MS: '1500',
      LOG_LEVEL: 'log',
    });
    const [app] = await world.startReady(['web']);
    const origin = originOf(readyLine(app.entries, adapter));
    const pageUrl = `${origin}/cron?token=${TOKEN}`;
    ({ browser, profile } = await launch());
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    // Without the token the guard refuses the page itself.
    const denied = await page.goto(`${origin}/cron`);
    expect(denied?.status()).toBe(401);

    await page.goto(pageUrl);
    const paused = card(page, PAUSED_JOB);
    await paused.locator('[data-action="pause"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-job]').count()).toBe(4);
    await expect(text(paused.locator('.schedule'))).resolves.toContain('0 0 * * *');

    // Pause through the UI, with a reason.
    await paused.locator('[data-field="reason"]').fill('holiday freeze');
    await paused.locator('[data-action="pause"]').click();
    await paused.locator('[data-field="paused-state"]').waitFor({ timeout: 10_000 });
    await expect(text(paused.locator('[data-field="paused-state"]'))).resolves.toContain('holiday freeze');

    // The pause is fleet state in Redis, not page state: a reload shows it again.
    await page.reload();
    await paused.locator('[data-field="paused-state"]').waitFor({ timeout: 10_000 });
    await expect(text(paused.locator('[data-field="paused-state"]'))).resolves.toContain('holiday freeze');
    expect((await api<JobDescription>(origin, `/cron/jobs/${PAUSED_JOB}`)).paused).toMatchObject({
      reason: 'holiday freeze',
    });

    // Resume through the UI.
    await paused.locator('[data-action="resume"]').click();
    await paused.locator('[data-action="pause"]').waitFor({ timeout: 10_000 });
    expect(await paused.locator('[data-field="paused-state"]').count()).toBe(0);
    expect((await api<JobDescription>(origin, `/cron/jobs/${PAUSED_JOB}`)).paused).toBeUndefined();

    // Trigger a per-tenant run: the page shows it running with its progress, then in the history, by itself.
    const triggered = card(page, TRIGGERED_JOB);
    const response = page.waitForResponse((r) => r.url().endsWith(`/cron/jobs/${TRIGGERED_JOB}/trigger`), {
      timeout: 30_000,
    });
    await triggered.locator('[data-action="trigger"]').click();
    await triggered.locator('[data-field="running"]').waitFor({ timeout: 10_000 });
    await waitFor(
      'the progress bar to count tenants',
      async () => /of \d+ tenants/.test(await text(triggered.locator('[data-field="running"]'))),
      { timeoutMs: 10_000, intervalMs: 200 },
    );

    const report = (await (await response).json()) as JobRunReport;
    expect(report).toMatchObject({ jobName: TRIGGERED_JOB, outcome: 'completed' });
    await triggered.locator(`tr[data-run-id="${report.runId}"]`).waitFor({ timeout: 10_000 });
    await expect(text(triggered.locator(`tr[data-run-id="${report.runId}"]`))).resolves.toContain('completed');
    // The page refreshed by itself once the run was over: no run in progress any more.
    await waitFor(
      'the running state to clear',
      async () => (await triggered.locator('[data-field="running"]').count()) === 0,
      {
        timeoutMs: 20_000,
        intervalMs: 200,
      },
    );
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('pauses and resumes one tenant, retries its failed tenants, and changes the schedule and back, all from the page', async () => {
    assertChromium();
    const world = openScenario(`admin-page-steer-${adapter}`, {
      SAMPLE_HTTP_ADAPTER: adapter,
      SAMPLE_FAST: '0',
      PORT: '0',
      CRON_ADMIN_TOKEN: TOKEN,
      // One account whose archive always fails: its run leaves a failed tenant to retry.
      SAMPLE_FAIL: `${FAILING_TENANT}:${TRIGGERED_JOB}`,
      LOG_LEVEL: 'log',
    });
    const [app] = await world.startReady(['web']);
    const origin = originOf(readyLine(app.entries, adapter));
    ({ browser, profile } = await launch());
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${origin}/cron?token=${TOKEN}`);
    const billing = card(page, TRIGGERED_JOB);
    await billing.locator('[data-field="tenant-form"]').waitFor({ timeout: 10_000 });
    await expect(text(billing.locator('[data-field="policies"]'))).resolves.toBe('overlap: skip · retry: none');
    await expect(text(billing.locator('[data-field="health"]'))).resolves.toMatch(
      /failed runs in a row: 0 · no completed run yet/,
    );

    // Pause one tenant through the form; the reason is shown as the text it is, never as markup.
    const markup = '<b>billing dispute</b> & <img src=x onerror="document.title=1">';
    const tenantForm = billing.locator('[data-field="tenant-form"]');
    await tenantForm.locator('[data-field="tenant-id"]').fill(PAUSED_TENANT);
    await tenantForm.locator('[data-field="tenant-reason"]').fill(markup);
    await tenantForm.locator('[data-field="tenant-until"]').fill('2h');
    await tenantForm.locator('[data-action="pause-tenant"]').click();
    const listed = billing.locator(`li[data-tenant="${PAUSED_TENANT}"]`);
    await listed.waitFor({ timeout: 10_000 });
    await expect(text(listed)).resolves.toContain(`“${markup}”`);
    expect(await billing.locator('b, img').count()).toBe(0);
    await expect(text(billing.locator('[data-field="paused-tenants"] strong'))).resolves.toBe('Paused tenants: 1');
    const pausedTenants = (await api<JobDescription>(origin, `/cron/jobs/${TRIGGERED_JOB}`)).pausedTenants!;
    expect(pausedTenants.tenants).toEqual([
      expect.objectContaining({ tenantId: PAUSED_TENANT, reason: markup, by: 'web' }),
    ]);

    // A run skips the paused tenant and leaves the failing one failed: its row offers to retry it.
    const triggered = page.waitForResponse((r) => r.url().endsWith(`/cron/jobs/${TRIGGERED_JOB}/trigger`), {
      timeout: 30_000,
    });
    await billing.locator('[data-action="trigger"]').click();
    const run = (await (await triggered).json()) as JobRunReport;
    expect(run.tenants!.paused).toEqual([PAUSED_TENANT]);
    expect(run.tenants!.failed.map((failure) => failure.tenantId)).toEqual([FAILING_TENANT]);
    const retryButton = billing.locator(`tr[data-run-id="${run.runId}"] [data-action="retry-failed"]`);
    await retryButton.waitFor({ timeout: 10_000 });
    await expect(text(retryButton)).resolves.toBe('Retry 1 failed tenant');

    const retried = page.waitForResponse((r) => r.url().endsWith(`/cron/jobs/${TRIGGERED_JOB}/retry-failed`), {
      timeout: 30_000,
    });
    await retryButton.click();
    const retry = (await (await retried).json()) as JobRunReport;
    expect(retry).toMatchObject({ jobName: TRIGGERED_JOB, retryOf: run.occurrence, outcome: 'completed' });
    expect(retry.tenants!.failed.map((failure) => failure.tenantId)).toEqual([FAILING_TENANT]);
    expect(retry.tenants!.succeeded).toEqual([]);
    const retryRow = billing.locator(`tr[data-run-id="${retry.runId}"]`);
    await retryRow.waitFor({ timeout: 10_000 });
    await expect(text(retryRow)).resolves.toContain('retry of');
    // The newest run of the occurrence offers the next retry; the first run no longer does.
    await expect(text(retryRow.locator('[data-action="retry-failed"]'))).resolves.toBe('Retry 1 failed tenant');
    expect(await billing.locator(`tr[data-run-id="${run.runId}"] [data-action="retry-failed"]`).count()).toBe(0);
    await expect(text(billing.locator('[data-field="message"]'))).resolves.toMatch(
      /^Retried the failed tenants of .*: 0 ok, 1 failed \/ 1$/,
    );

    // Resume the tenant through the same form.
    await tenantForm.locator('[data-field="tenant-id"]').fill(PAUSED_TENANT);
    await tenantForm.locator('[data-action="resume-tenant"]').click();
    await waitFor('the tenant to leave the paused list', async () => (await listed.count()) === 0, {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    await expect(text(billing.locator('[data-field="paused-tenants"] strong'))).resolves.toBe('No tenant paused.');
    expect((await api<JobDescription>(origin, `/cron/jobs/${TRIGGERED_JOB}`)).pausedTenants).toEqual({
      total: 0,
      tenants: [],
    });

    // Change a schedule through the form: the page shows it in force and where it comes from.
    const job = card(page, PAUSED_JOB);
    const scheduleForm = job.locator('[data-field="schedule-form"]');
    await expect(scheduleForm.locator('[data-field="schedule-cron"]').inputValue()).resolves.toBe('0 0 * * *');
    await expect(scheduleForm.locator('[data-field="schedule-jitter"]').inputValue()).resolves.toBe('1h');
    expect(await scheduleForm.locator('[data-action="reset-schedule"]').count()).toBe(0);
    await scheduleForm.locator('[data-field="schedule-cron"]').fill('every day');
    await scheduleForm.locator('[data-action="reschedule"]').click();
    await waitFor(
      'the refusal',
      async () => /invalid cron "every day"/.test(await text(job.locator('[data-field="message"]'))),
      {
        timeoutMs: 10_000,
        intervalMs: 100,
      },
    );
    await scheduleForm.locator('[data-field="schedule-cron"]').fill('30 1 * * *');
    await scheduleForm.locator('[data-field="schedule-jitter"]').fill('10m');
    await scheduleForm.locator('[data-field="schedule-zone"]').fill('Asia/Kolkata');
    await scheduleForm.locator('[data-field="schedule-reason"]').fill('after the <i>CMS</i> import');
    await scheduleForm.locator('[data-action="reschedule"]').click();
    await job.locator('[data-action="reset-schedule"]').waitFor({ timeout: 10_000 });
    await expect(text(job.locator('.schedule'))).resolves.toMatch(/^30 1 \* \* \* · Asia\/Kolkata · window 10 min$/);
    await expect(text(job.locator('[data-field="schedule-source"]'))).resolves.toMatch(
      /^Schedule changed at runtime by web on .+: “after the <i>CMS<\/i> import”$/,
    );
    expect(await job.locator('i').count()).toBe(0);
    expect((await api<JobDescription>(origin, `/cron/jobs/${PAUSED_JOB}`)).schedule).toMatchObject({
      cron: '30 1 * * *',
      jitterMs: 600_000,
      timeZone: 'Asia/Kolkata',
      source: 'override',
      reason: 'after the <i>CMS</i> import',
      by: 'web',
    });

    // And back to the code's schedule with one button.
    await job.locator('[data-action="reset-schedule"]').click();
    await waitFor(
      'the schedule from the code',
      async () => (await job.locator('[data-action="reset-schedule"]').count()) === 0,
      {
        timeoutMs: 10_000,
        intervalMs: 100,
      },
    );
    await expect(text(job.locator('[data-field="schedule-source"]'))).resolves.toBe('Schedule as in the code');
    await expect(text(job.locator('.schedule'))).resolves.toMatch(/^0 0 \* \* \* · /);
    await expect(scheduleForm.locator('[data-field="schedule-cron"]').inputValue()).resolves.toBe('0 0 * * *');
    expect((await api<JobDescription>(origin, `/cron/jobs/${PAUSED_JOB}`)).schedule).toMatchObject({
      cron: '0 0 * * *',
      jitterMs: 3_600_000,
      source: 'code',
    });
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it("lists a local-time job's next instants with their zones; a tenant id with markup and a slash stays text and resumes from its row", async () => {
    assertChromium();
    @Injectable()
    class DigestJobs {
      @CoordinatedCron('morning-digest', '0 9 * * *')
      @PerTenant({ localTime: true })
      send() {}
    }
    @Module({
      imports: [
        ScheduleModule.forRoot(),
        ClsModule.forRoot({ global: true }),
        CoordinatedCronModule.forRoot({ lockStore: new MemoryLockStore(), tenantSettings: staticTenants(['acct-1']) }),
        CoordinatedCronAdminModule.forRoot({ guards: [], allowUnauthenticated: true }),
      ],
      providers: [DigestJobs],
    })
    class DigestModule {}
    const moduleRef = await Test.createTestingModule({ imports: [DigestModule] }).compile();
    const app = await createHttpApp(moduleRef, adapter, { logger: false });
    try {
      await app.listen(0, '127.0.0.1');
      await app.get(CoordinatedCronRunner).pauseTenant('morning-digest', ODD_TENANT, { reason: 'moved <b>zones</b>' });
      const origin = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      ({ browser, profile } = await launch());
      const page = await browser.newPage();
      await page.goto(`${origin}/cron`);
      const digest = card(page, 'morning-digest');
      const ticks = digest.locator('[data-field="next-ticks"] li');
      await ticks.first().waitFor({ timeout: 10_000 });
      await expect(text(digest.locator('.badge'))).resolves.toBe('per tenant, local time');
      const described = (await (await fetch(`${origin}/cron/jobs/morning-digest`)).json()) as JobDescription;
      expect(described.nextTicks).toHaveLength(5);
      expect(await ticks.count()).toBe(5);
      for (let i = 0; i < 5; i++) {
        const zones = described.nextTicks![i].timeZones;
        await expect(ticks.nth(i).getAttribute('title')).resolves.toBe(zones.join(', '));
        await expect(text(ticks.nth(i))).resolves.toContain(` — ${zones.slice(0, 4).join(', ')}`);
      }

      const paused = digest.locator('[data-field="paused-tenants"] li');
      await expect(text(paused)).resolves.toMatch(/^team <i>a<\/i>\/b since .+: “moved <b>zones<\/b>”/);
      expect(await digest.locator('i, b').count()).toBe(0);
      await paused.locator('[data-action="resume-listed-tenant"]').click();
      await waitFor('the tenant to leave the paused list', async () => (await paused.count()) === 0, {
        timeoutMs: 10_000,
        intervalMs: 100,
      });
      expect((await app.get(CoordinatedCronRunner).describe('morning-digest')).pausedTenants!.total).toBe(0);
    } finally {
      // The page keeps a connection open to poll; the server waits for it to end before it closes.
      await browser?.close();
      browser = undefined;
      await app.close();
    }
  }, 60_000);

  // The page is the same on both platforms (the tests above show each serves it alike); one platform is enough to
  // watch it fill up with a busy fleet, and to take the screenshot.
  if (adapter === 'express')
    it('shows a busy fleet: runs of two instances, durations, a paused job and a run in progress (docs/admin-page.png)', async () => {
      assertChromium();
      const world = openScenario(`admin-page-busy-${adapter}`, {
        SAMPLE_HTTP_ADAPTER: adapter,
        PORT: '0',
        CRON_ADMIN_TOKEN: TOKEN,
        SAMPLE_TENANT_DELAY_MS: '350',
        CRON_CONCURRENCY: '2',
        LOG_LEVEL: 'log',
      });
      const [web] = await world.startReady(['web-1', 'web-2'], {});
      const origin = originOf(readyLine(web.entries, adapter));
      ({ browser, profile } = await launch());
      const page = await browser.newPage();
      await page.goto(`${origin}/cron?token=${TOKEN}`);
      const paused = card(page, PAUSED_JOB);
      await paused.locator('[data-field="reason"]').fill('waiting for the CMS migration');
      await paused.locator('[data-action="pause"]').click();
      await paused.locator('[data-field="paused-state"]').waitFor({ timeout: 10_000 });

      // Let the fast schedule fill the history on both instances, then catch a per-tenant run mid-way.
      await waitFor(
        'runs of both instances in the history',
        async () => {
          const jobs = await api<JobDescription[]>(origin, '/cron/jobs');
          const instances = new Set(jobs.flatMap((job) => job.recent.map((run) => run.instanceId)));
          return instances.size === 2 && jobs.every((job) => job.recent.length >= 6);
        },
        { timeoutMs: 40_000, intervalMs: 500 },
      );
      const busy = card(page, TRIGGERED_JOB);
      await waitFor(
        'a billing-archive run in progress with tenants done',
        async () => {
          await page.reload();
          await busy.waitFor({ timeout: 5_000 });
          const running = busy.locator('[data-field="running"]');
          return (await running.count()) > 0 && /\b[1-9]\d* of \d+ tenants/.test(await text(running));
        },
        { timeoutMs: 40_000, intervalMs: 150 },
      );
      const shot = join(world.dir, 'admin-page.png');
      await page.screenshot({ path: shot, fullPage: true });
      if (process.env.UPDATE_SCREENSHOT === '1' && adapter === 'express') {
        mkdirSync(join(REPO_ROOT, 'docs'), { recursive: true });
        copyFileSync(shot, join(REPO_ROOT, 'docs', 'admin-page.png'));
      }
      expect(await page.locator('svg.chart').count()).toBeGreaterThanOrEqual(3);
      await expect(text(card(page, PAUSED_JOB).locator('tbody'))).resolves.toContain('paused');
    }, 120_000);
});

function assertChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: this test drives a real Chromium. Install it with ` +
        '`apt-get update && apt-get install -y chromium` (or set CHROMIUM_PATH).',
    );
  }
}

/** The sample's ready line, which must name the platform this run asked for. */
function readyLine(entries: ReadonlyArray<{ message: string }>, adapter: HttpAdapterName): string {
  const line = entries.find((entry) => entry.message.startsWith('ready '))!.message;
  expect(line).toContain(`http-adapter=${adapter} `);
  return line;
}

function originOf(line: string): string {
  const origin = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
  if (!origin) throw new Error(`no http address in the ready line: ${line}`);
  return origin;
}

/** A fresh profile per test; downloads and background traffic are off (there is no network to reach). */
async function launch(): Promise<{ browser: BrowserContext; profile: string }> {
  const profile = mkdtempSync(join(tmpdir(), 'coordinated-cron-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 1000 },
  });
  return { browser, profile };
}

function card(page: Page, job: string) {
  return page.locator(`[data-job="${job}"]`);
}

async function text(locator: ReturnType<Page['locator']>): Promise<string> {
  return (await locator.first().textContent({ timeout: 10_000 })) ?? '';
}

async function api<T>(origin: string, path: string): Promise<T> {
  const response = await fetch(`${origin}${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}
