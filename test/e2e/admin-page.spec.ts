import { afterEach, describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import type { JobDescription, JobRunReport } from '../../src/index.js';
import { HTTP_ADAPTERS, type HttpAdapterName } from '../support/http-adapters.js';
import { REPO_ROOT } from './harness/paths.js';
import { useScenarios } from './harness/scenario.js';
import { waitFor } from './harness/wait.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'e2e-admin-token';
const PAUSED_JOB = 'announcement-cleanup';
const TRIGGERED_JOB = 'billing-archive';

/**
 * The admin page in a real headless Chromium against the built sample app, once on each HTTP platform: pause
 * through the UI (and the pause survives a reload, because it lives in Redis), resume, trigger a per-tenant run and
 * watch it run and land in the history without a reload. Chromium is a prerequisite, not an option: without it the
 * test fails.
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
