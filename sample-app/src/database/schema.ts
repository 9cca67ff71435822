/** Times are epoch milliseconds so that jobs and tests compare them without parsing. */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  plan TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  log_retention_days INTEGER NOT NULL,
  -- IANA zone whose clock the account's local-time jobs (daily-digest) follow; NULL: the process's zone.
  time_zone TEXT,
  created_at INTEGER NOT NULL
);

-- No row means the job runs for the account with no special behaviour.
CREATE TABLE IF NOT EXISTS account_job_settings (
  account_id TEXT NOT NULL REFERENCES accounts(id),
  job_name TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  -- Set to make the job throw for this account: how a broken tenant is simulated.
  fail_with TEXT,
  PRIMARY KEY (account_id, job_name)
);

CREATE TABLE IF NOT EXISTS logs (
  id INTEGER PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  level TEXT NOT NULL,
  message TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS logs_by_account_age ON logs (account_id, created_at);

CREATE TABLE IF NOT EXISTS announcements (
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS invoices (
  id INTEGER PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  amount_cents INTEGER NOT NULL,
  status TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  archived_at INTEGER
);
CREATE INDEX IF NOT EXISTS invoices_by_account ON invoices (account_id, status, archived_at);

CREATE TABLE IF NOT EXISTS automations (
  id INTEGER PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  name TEXT NOT NULL,
  every_seconds INTEGER NOT NULL,
  next_run_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS automation_queue (
  id INTEGER PRIMARY KEY,
  automation_id INTEGER NOT NULL REFERENCES automations(id),
  due_at INTEGER NOT NULL,
  queued_at INTEGER NOT NULL,
  queued_by TEXT NOT NULL
);

-- One row per job body call (per tenant for per-tenant jobs): the evidence of who ran what, and when.
CREATE TABLE IF NOT EXISTS job_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job_name TEXT NOT NULL,
  occurrence TEXT NOT NULL,
  run_id TEXT NOT NULL,
  instance_id TEXT NOT NULL,
  tenant_id TEXT,
  flow TEXT,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  status TEXT NOT NULL,
  detail TEXT
);
CREATE INDEX IF NOT EXISTS job_runs_by_occurrence ON job_runs (job_name, occurrence);
`;
