import type { Database } from 'better-sqlite3';
import { JobName, LOG_CLEANUP, SeedConfig, TENANT_JOB_NAMES } from '../config/sample-config.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const PLANS = ['free', 'team', 'business'];

export function accountId(index: number, total: number): string {
  return `acct-${String(index).padStart(Math.max(4, String(total).length), '0')}`;
}

/**
 * Fills an empty database. Old log rows sit well past every account's retention and new ones well inside it, so a
 * cleanup's effect is unambiguous whenever it runs.
 */
export function seedDatabase(db: Database, seed: SeedConfig, now = Date.now()): void {
  const insertAccount = db.prepare(
    `INSERT INTO accounts (id, name, plan, active, log_retention_days, time_zone, created_at)
     VALUES (?, ?, ?, 1, ?, ?, ?)`,
  );
  const insertSetting = db.prepare(
    'INSERT OR REPLACE INTO account_job_settings (account_id, job_name, enabled, fail_with) VALUES (?, ?, ?, ?)',
  );
  const insertLog = db.prepare('INSERT INTO logs (account_id, level, message, created_at) VALUES (?, ?, ?, ?)');
  const insertInvoice = db.prepare(
    'INSERT INTO invoices (account_id, amount_cents, status, issued_at) VALUES (?, ?, ?, ?)',
  );
  const insertAutomation = db.prepare(
    'INSERT INTO automations (account_id, name, every_seconds, next_run_at) VALUES (?, ?, ?, ?)',
  );
  const insertAnnouncement = db.prepare('INSERT INTO announcements (title, expires_at) VALUES (?, ?)');

  const ids: string[] = [];
  for (let i = 1; i <= seed.accounts; i++) {
    const id = accountId(i, seed.accounts);
    ids.push(id);
    const retentionDays = i % 3 === 0 ? 7 : 30;
    const timeZone = seed.timeZones[(i - 1) % seed.timeZones.length];
    insertAccount.run(id, `Account ${i}`, PLANS[i % PLANS.length], retentionDays, timeZone, now - 400 * DAY_MS);

    if (seed.disableLogCleanupEvery > 0 && i % seed.disableLogCleanupEvery === 0) {
      insertSetting.run(id, LOG_CLEANUP, 0, null);
    }
    for (let k = 0; k < seed.oldLogsPerAccount; k++) {
      insertLog.run(id, 'info', `old event ${k}`, now - (90 + k) * DAY_MS);
    }
    for (let k = 0; k < seed.newLogsPerAccount; k++) {
      insertLog.run(id, 'info', `recent event ${k}`, now - k * 60_000);
    }
    insertInvoice.run(id, 4900, 'paid', now - 200 * DAY_MS);
    insertInvoice.run(id, 4900, 'paid', now - 120 * DAY_MS);
    insertInvoice.run(id, 4900, 'open', now - 5 * DAY_MS);
    insertAutomation.run(id, 'weekly digest', 60, now);
  }

  for (const failure of seed.failures) {
    if (!ids.includes(failure.accountId)) {
      throw new Error(`SAMPLE_FAIL names ${failure.accountId}, but only ${ids[0]}..${ids[ids.length - 1]} are seeded`);
    }
    const jobs: readonly JobName[] = failure.job ? [failure.job] : TENANT_JOB_NAMES;
    for (const job of jobs) {
      insertSetting.run(failure.accountId, job, 1, `simulated failure of ${failure.accountId} in ${job}`);
    }
  }

  for (let k = 1; k <= 5; k++) {
    insertAnnouncement.run(`Past maintenance notice ${k}`, now - k * DAY_MS);
  }
  // Spread over the next hour so that announcement-cleanup keeps finding work in a demo.
  for (let k = 1; k <= 20; k++) {
    insertAnnouncement.run(`Upcoming change ${k}`, now + k * 3 * 60_000);
  }
  insertAnnouncement.run('Welcome to the sample app', now + 365 * DAY_MS);
}
