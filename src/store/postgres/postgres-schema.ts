import { DEFAULT_POSTGRES_SCHEMA, isPostgresSchemaName } from '../../common/postgres-schema-name.js';

/** The schema version this library's SQL creates; recorded in `<schema>.schema_version`. */
export const POSTGRES_SCHEMA_VERSION = 1;

/**
 * The SQL that creates (or upgrades to) the tables and functions of the PostgreSQL store in `schema`. Every statement
 * can run again (`IF NOT EXISTS`, `CREATE OR REPLACE`), and the first takes a transaction-scoped advisory lock, so
 * that instances (or migration runners) doing it at the same moment take turns. Run it inside one transaction, as
 * TypeORM and Knex run a migration; the store runs it that way itself unless `migrate` is `false`.
 *
 * Tables (every row carries the app's `prefix`, so apps with different key prefixes share nothing):
 * - `jobs`: one row per job: the running lease, the fencing counter, the ledger, the pause, the run status, and the
 *   expiry of the history and the pointer to the pending tenants. Every decision about a job locks this row first.
 * - `claims`: one row per claimed occurrence; its primary key is what makes two claims of one occurrence impossible.
 * - `progress`, `pending`: tenant ids as `text[]` batches (a write's worth each), read back in pages.
 * - `history`: run reports, newest by `seq`.
 * - `tenant_pauses`: one row per tenant paused for a job.
 * - `retries`: tenants of the ledger's occurrence waiting for another try; `failed_tenants`: the tenants each of the
 *   newest occurrences left failed.
 *
 * A changed schedule is signalled with `pg_notify` on the channel `<schema>_signals` (see `postgresSignalChannel`).
 */
export function postgresSchemaSql(schema: string = DEFAULT_POSTGRES_SCHEMA): string {
  if (!isPostgresSchemaName(schema)) {
    throw new Error(
      `postgresSchemaSql: schema ${JSON.stringify(schema)} is not a plain lower-case identifier ` +
        '(letters, digits and _, starting with a letter or _), e.g. "coordinated_cron".',
    );
  }
  const s = `"${schema}"`;
  const ms = (value: string) => `(${value} * interval '1 millisecond')`;
  const epochMs = (value: string) => `floor(extract(epoch FROM ${value}) * 1000)`;
  return `-- nestjs-coordinated-cron: schema ${schema}, version ${POSTGRES_SCHEMA_VERSION}
SELECT pg_advisory_xact_lock(hashtext('nestjs-coordinated-cron'), hashtext('${schema}'));

CREATE SCHEMA IF NOT EXISTS ${s};

CREATE TABLE IF NOT EXISTS ${s}.schema_version (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  version integer NOT NULL
);

CREATE TABLE IF NOT EXISTS ${s}.jobs (
  prefix text NOT NULL,
  job text NOT NULL,
  lease_token text,
  lease_expires_at timestamptz,
  fence bigint NOT NULL DEFAULT 0,
  ledger_occurrence timestamptz,
  ledger_run_id text,
  ledger_owner text,
  ledger_state text,
  ledger_started_at timestamptz,
  ledger_attempt integer,
  ledger_fencing_token bigint,
  ledger_expires_at timestamptz,
  pause jsonb,
  pause_until timestamptz,
  run_status jsonb,
  run_status_expires_at timestamptz,
  history_expires_at timestamptz,
  pending_generation text,
  pending_expires_at timestamptz,
  schedule_version integer NOT NULL DEFAULT 0,
  schedule_override jsonb,
  schedule_changed_at timestamptz,
  queued_occurrence timestamptz,
  cancelled_by timestamptz,
  consecutive_failures integer NOT NULL DEFAULT 0,
  last_completed_occurrence timestamptz,
  last_completed_at timestamptz,
  PRIMARY KEY (prefix, job)
);

CREATE TABLE IF NOT EXISTS ${s}.claims (
  prefix text NOT NULL,
  job text NOT NULL,
  occurrence timestamptz NOT NULL,
  token text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (prefix, job, occurrence)
);

CREATE TABLE IF NOT EXISTS ${s}.progress (
  prefix text NOT NULL,
  job text NOT NULL,
  occurrence timestamptz NOT NULL,
  batch bigint GENERATED ALWAYS AS IDENTITY,
  tenant_ids text[] NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (prefix, job, occurrence, batch)
);

CREATE TABLE IF NOT EXISTS ${s}.pending (
  prefix text NOT NULL,
  job text NOT NULL,
  generation text NOT NULL,
  batch bigint GENERATED ALWAYS AS IDENTITY,
  tenant_ids text[] NOT NULL,
  PRIMARY KEY (prefix, job, generation, batch)
);

CREATE TABLE IF NOT EXISTS ${s}.retries (
  prefix text NOT NULL,
  job text NOT NULL,
  occurrence timestamptz NOT NULL,
  tenant_id text NOT NULL,
  tries integer NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (prefix, job, occurrence, tenant_id)
);

CREATE TABLE IF NOT EXISTS ${s}.failed_tenants (
  prefix text NOT NULL,
  job text NOT NULL,
  occurrence timestamptz NOT NULL,
  tenant_ids text[] NOT NULL,
  count integer NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (prefix, job, occurrence)
);

CREATE TABLE IF NOT EXISTS ${s}.tenant_pauses (
  prefix text NOT NULL,
  job text NOT NULL,
  tenant_id text NOT NULL,
  record jsonb NOT NULL,
  until timestamptz,
  PRIMARY KEY (prefix, job, tenant_id)
);

CREATE TABLE IF NOT EXISTS ${s}.history (
  prefix text NOT NULL,
  job text NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  report jsonb NOT NULL,
  PRIMARY KEY (prefix, job, seq)
);

-- Claims an occurrence: every decision of the claim in one call, under the job row's lock.
CREATE OR REPLACE FUNCTION ${s}.claim(
  p_prefix text, p_job text, p_occurrence timestamptz, p_token text, p_run_id text, p_owner text,
  p_claim_until timestamptz, p_claim_min_ms double precision, p_lease_ms double precision,
  p_ledger_ms double precision, p_late_at timestamptz, p_ignore_pause boolean, p_answer_by timestamptz,
  p_schedule_version integer, p_catchup boolean, p_overlap text, p_queued boolean, p_retry boolean,
  OUT kind text, OUT server_time_ms double precision, OUT fencing_token bigint,
  OUT lease_left_ms double precision, OUT due_in_ms double precision, OUT schedule_version integer,
  OUT cancelling boolean
) LANGUAGE plpgsql AS $claim$
DECLARE
  v_job ${s}.jobs%ROWTYPE;
  v_now timestamptz;
  v_held boolean;
  v_ledger_live boolean;
  v_move_ledger boolean;
  v_claimed boolean;
BEGIN
  -- The job's row is the lock: concurrent claims of the job queue here, and each decides on what the one before
  -- it committed (under READ COMMITTED every statement below reads anew; a stricter level fails instead, 40001).
  -- The row is made by the job's first claim only: every later one goes straight to the lock.
  SELECT * INTO v_job FROM ${s}.jobs WHERE prefix = p_prefix AND job = p_job FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    INSERT INTO ${s}.jobs (prefix, job) VALUES (p_prefix, p_job) ON CONFLICT DO NOTHING;
    SELECT * INTO v_job FROM ${s}.jobs WHERE prefix = p_prefix AND job = p_job FOR NO KEY UPDATE;
  END IF;
  v_now := clock_timestamp();
  server_time_ms := ${epochMs('v_now')};
  -- Every answer carries the schedule's version, so an instance that missed a change corrects itself.
  schedule_version := v_job.schedule_version;
  -- Its caller has given up (it reports a lock error): claim nothing that nobody would run.
  IF p_answer_by IS NOT NULL AND v_now > p_answer_by THEN
    kind := 'expired';
    RETURN;
  END IF;
  IF NOT p_ignore_pause AND v_job.pause IS NOT NULL AND (v_job.pause_until IS NULL OR v_job.pause_until > v_now) THEN
    kind := 'paused';
    RETURN;
  END IF;
  -- A tick of a schedule no longer in force: the schedule changed before it came.
  IF p_schedule_version IS NOT NULL AND p_schedule_version <> v_job.schedule_version
     AND p_occurrence >= coalesce(v_job.schedule_changed_at, '-infinity') THEN
    kind := 'rescheduled';
    RETURN;
  END IF;
  -- Not due yet by the store's clock: the caller's clock runs ahead; it waits and asks again.
  IF v_now < p_occurrence THEN
    kind := 'early';
    due_in_ms := ceil(extract(epoch FROM p_occurrence - v_now) * 1000);
    RETURN;
  END IF;
  v_held := coalesce(v_job.lease_expires_at > v_now, false);
  IF v_held THEN
    lease_left_ms := ceil(extract(epoch FROM v_job.lease_expires_at - v_now) * 1000);
  END IF;
  v_ledger_live := coalesce(v_job.ledger_expires_at > v_now, false);
  IF p_retry THEN
    -- A retry of an occurrence's failed tenants takes only the lease; the occurrence stays as it is.
    IF v_held THEN
      kind := 'overlap';
      RETURN;
    END IF;
  ELSIF p_queued THEN
    -- The remembered occurrence (its claim is in place) is won once, by whoever asks while it is still queued.
    IF v_job.queued_occurrence IS DISTINCT FROM p_occurrence THEN
      kind := 'duplicate';
      RETURN;
    END IF;
    IF v_held THEN
      kind := 'overlap';
      RETURN;
    END IF;
    UPDATE ${s}.jobs SET queued_occurrence = NULL, cancelled_by = NULL WHERE prefix = p_prefix AND job = p_job;
  ELSE
    v_held := v_held AND p_overlap <> 'allow';
    -- The answers that claim nothing (a tick past its window, a late run meeting a run in progress) are given only
    -- when nobody holds a live claim of the occurrence: one look, on these rare paths alone.
    IF (p_late_at IS NOT NULL AND v_now >= p_late_at) OR (v_held AND p_catchup) THEN
      v_claimed := false;
      IF NOT EXISTS (
        SELECT 1 FROM ${s}.claims
        WHERE prefix = p_prefix AND job = p_job AND occurrence = p_occurrence AND expires_at > v_now
      ) THEN
        -- Nobody claimed it, and its window has passed by the store's clock: late. Or a late run leaves the
        -- occurrence for later while another run holds the lease.
        kind := CASE WHEN p_late_at IS NOT NULL AND v_now >= p_late_at THEN 'late' ELSE 'overlap' END;
        RETURN;
      END IF;
    ELSE
      -- The claim itself: the primary key refuses a second live claim of the occurrence whatever the isolation level,
      -- and an expired one is taken over in the same statement.
      INSERT INTO ${s}.claims AS c (prefix, job, occurrence, token, expires_at)
      VALUES (p_prefix, p_job, p_occurrence, p_token, greatest(p_claim_until, v_now + ${ms('p_claim_min_ms')}))
      ON CONFLICT (prefix, job, occurrence) DO UPDATE SET token = EXCLUDED.token, expires_at = EXCLUDED.expires_at
      WHERE c.expires_at <= v_now;
      v_claimed := FOUND;
    END IF;
    IF NOT v_claimed THEN
      kind := 'duplicate';
      -- The loser learns how long the lease of a run of this very occurrence has left, to watch it for a crash.
      IF v_ledger_live AND v_job.ledger_occurrence = p_occurrence AND v_job.ledger_state = 'running' THEN
        lease_left_ms := coalesce(lease_left_ms, 0);
      ELSE
        lease_left_ms := NULL;
      END IF;
      RETURN;
    END IF;
    IF v_held THEN
      -- Another run holds the lease: the occurrence is claimed and, by the job's policy, skipped or remembered as the
      -- next (at most one); for 'cancel-running' the running run is asked to stop at its next renewal.
      IF p_overlap = 'skip' OR v_job.queued_occurrence IS NOT NULL THEN
        kind := 'overlap';
        RETURN;
      END IF;
      UPDATE ${s}.jobs SET
        queued_occurrence = p_occurrence,
        cancelled_by = CASE WHEN p_overlap = 'cancel-running' THEN p_occurrence ELSE cancelled_by END
      WHERE prefix = p_prefix AND job = p_job;
      kind := 'queued';
      cancelling := p_overlap = 'cancel-running';
      RETURN;
    END IF;
  END IF;
  -- One more than the last token, and never below the store's clock in microseconds: a counter lost or set back
  -- (a restore, a failover) cannot hand out a token lower than one already handed out.
  fencing_token := greatest(v_job.fence + 1, floor(extract(epoch FROM clock_timestamp()) * 1000000)::bigint);
  -- The ledger only moves forward: a backfill of an older occurrence (or a retry) is fenced but leaves the record of
  -- the newest alone. Moving on frees the previous occurrence's progress and retries.
  v_move_ledger := NOT p_retry AND (NOT v_ledger_live OR p_occurrence >= v_job.ledger_occurrence);
  -- A finished run dropped its own; only one that never finished (a crash) can have left any.
  IF v_move_ledger AND v_job.ledger_state IS DISTINCT FROM 'done' THEN
    DELETE FROM ${s}.progress WHERE prefix = p_prefix AND job = p_job AND occurrence <> p_occurrence;
    DELETE FROM ${s}.retries WHERE prefix = p_prefix AND job = p_job AND occurrence <> p_occurrence;
  END IF;
  UPDATE ${s}.jobs SET
    lease_token = CASE WHEN p_overlap = 'allow' THEN lease_token ELSE p_token END,
    lease_expires_at = CASE WHEN p_overlap = 'allow' THEN lease_expires_at ELSE v_now + ${ms('p_lease_ms')} END,
    fence = fencing_token,
    ledger_occurrence = CASE WHEN v_move_ledger THEN p_occurrence ELSE ledger_occurrence END,
    ledger_run_id = CASE WHEN v_move_ledger THEN p_run_id ELSE ledger_run_id END,
    ledger_owner = CASE WHEN v_move_ledger THEN p_owner ELSE ledger_owner END,
    ledger_state = CASE WHEN v_move_ledger THEN 'running' ELSE ledger_state END,
    ledger_started_at = CASE WHEN v_move_ledger THEN v_now ELSE ledger_started_at END,
    ledger_attempt = CASE WHEN v_move_ledger THEN 1 ELSE ledger_attempt END,
    ledger_fencing_token = CASE WHEN v_move_ledger THEN fencing_token ELSE ledger_fencing_token END,
    ledger_expires_at = CASE WHEN v_move_ledger THEN v_now + ${ms('p_ledger_ms')} ELSE ledger_expires_at END
  WHERE prefix = p_prefix AND job = p_job;
  kind := 'won';
END
$claim$;

-- Takes over a crashed run: the ledger still says it runs and its lease expired unrenewed.
CREATE OR REPLACE FUNCTION ${s}.take_over(
  p_prefix text, p_job text, p_occurrence timestamptz, p_token text, p_run_id text, p_owner text,
  p_lease_ms double precision, p_ledger_ms double precision, p_answer_by timestamptz,
  OUT kind text, OUT server_time_ms double precision, OUT fencing_token bigint, OUT attempt integer,
  OUT resumed_from text, OUT lease_left_ms double precision
) LANGUAGE plpgsql AS $take_over$
DECLARE
  v_job ${s}.jobs%ROWTYPE;
  v_now timestamptz;
BEGIN
  SELECT * INTO v_job FROM ${s}.jobs WHERE prefix = p_prefix AND job = p_job FOR NO KEY UPDATE;
  v_now := clock_timestamp();
  server_time_ms := ${epochMs('v_now')};
  IF p_answer_by IS NOT NULL AND v_now > p_answer_by THEN
    kind := 'expired';
    RETURN;
  END IF;
  IF NOT FOUND THEN
    kind := 'gone';
    RETURN;
  END IF;
  IF v_job.pause IS NOT NULL AND (v_job.pause_until IS NULL OR v_job.pause_until > v_now) THEN
    kind := 'paused';
    RETURN;
  END IF;
  -- Nothing to take over unless the ledger still says this occurrence is running.
  IF NOT coalesce(v_job.ledger_expires_at > v_now, false) OR v_job.ledger_occurrence <> p_occurrence
     OR v_job.ledger_state <> 'running' THEN
    kind := 'gone';
    RETURN;
  END IF;
  -- A live lease belongs to a holder that may still be working: look again later.
  IF v_job.lease_expires_at > v_now THEN
    kind := 'held';
    lease_left_ms := greatest(1, ceil(extract(epoch FROM v_job.lease_expires_at - v_now) * 1000));
    RETURN;
  END IF;
  fencing_token := greatest(v_job.fence + 1, floor(extract(epoch FROM clock_timestamp()) * 1000000)::bigint);
  attempt := v_job.ledger_attempt + 1;
  resumed_from := v_job.ledger_run_id;
  UPDATE ${s}.jobs SET
    lease_token = p_token,
    lease_expires_at = v_now + ${ms('p_lease_ms')},
    fence = fencing_token,
    ledger_run_id = p_run_id,
    ledger_owner = p_owner,
    ledger_attempt = attempt,
    ledger_fencing_token = fencing_token,
    ledger_expires_at = v_now + ${ms('p_ledger_ms')}
  WHERE prefix = p_prefix AND job = p_job;
  -- The progress and retries the taker reads live as long as the ledger that points at them.
  UPDATE ${s}.progress SET expires_at = v_now + ${ms('p_ledger_ms')}
  WHERE prefix = p_prefix AND job = p_job AND occurrence = p_occurrence AND expires_at > v_now;
  UPDATE ${s}.retries SET expires_at = v_now + ${ms('p_ledger_ms')}
  WHERE prefix = p_prefix AND job = p_job AND occurrence = p_occurrence AND expires_at > v_now;
  kind := 'won';
END
$take_over$;

-- Closes a run in the job row: done in the ledger while it names the run, the lease released while it is the run's.
CREATE OR REPLACE FUNCTION ${s}.close_run(p_prefix text, p_job text, p_run_id text, p_token text)
RETURNS void LANGUAGE plpgsql AS $close_run$
BEGIN
  -- PL/pgSQL, not SQL: its UPDATE is planned once per connection, where a SQL function called from PL/pgSQL is
  -- planned again on every call.
  UPDATE ${s}.jobs SET
    ledger_state = CASE WHEN ledger_run_id = p_run_id THEN 'done' ELSE ledger_state END,
    lease_token = CASE WHEN lease_token = p_token THEN NULL ELSE lease_token END,
    lease_expires_at = CASE WHEN lease_token = p_token THEN NULL ELSE lease_expires_at END,
    -- A request to stop the lease's run is answered by its end.
    cancelled_by = CASE WHEN lease_token = p_token THEN NULL ELSE cancelled_by END
  WHERE prefix = p_prefix AND job = p_job AND (ledger_run_id = p_run_id OR lease_token = p_token);
END
$close_run$;

-- The run ended: its progress and retries dropped (while the ledger names it), failures in a row counted (and the job
-- paused at p_pause_after), the run closed; answers the occurrence waiting for the lease.
CREATE OR REPLACE FUNCTION ${s}.finish(
  p_prefix text, p_job text, p_occurrence timestamptz, p_run_id text, p_token text, p_outcome text,
  p_pause_after integer, p_pause_record jsonb,
  OUT next_occurrence_ms double precision, OUT consecutive_failures integer, OUT paused boolean
) LANGUAGE plpgsql AS $finish$
DECLARE
  v_job ${s}.jobs%ROWTYPE;
  v_now timestamptz;
BEGIN
  -- The job row first, as every writer takes it, so that two writers never wait on each other in a circle.
  SELECT * INTO v_job FROM ${s}.jobs WHERE prefix = p_prefix AND job = p_job FOR NO KEY UPDATE;
  v_now := clock_timestamp();
  paused := false;
  consecutive_failures := coalesce(v_job.consecutive_failures, 0);
  IF NOT FOUND THEN
    RETURN;
  END IF;
  -- Expired claims of the job go as a run ends: nothing sweeps on a timer, and claims stay one statement shorter.
  DELETE FROM ${s}.claims WHERE prefix = p_prefix AND job = p_job AND expires_at <= v_now;
  -- A run whose ledger entry was taken over (it lost its lease and was resumed elsewhere) drops nothing.
  IF v_job.ledger_run_id = p_run_id THEN
    DELETE FROM ${s}.progress WHERE prefix = p_prefix AND job = p_job AND occurrence = p_occurrence;
    DELETE FROM ${s}.retries WHERE prefix = p_prefix AND job = p_job AND occurrence = p_occurrence;
  END IF;
  -- Failed runs in a row, fleet-wide; a completed run clears the count and is the job's last completed run.
  IF p_outcome = 'failed' THEN
    consecutive_failures := consecutive_failures + 1;
    paused := p_pause_after > 0 AND consecutive_failures >= p_pause_after
      AND NOT (v_job.pause IS NOT NULL AND (v_job.pause_until IS NULL OR v_job.pause_until > v_now));
    UPDATE ${s}.jobs SET
      consecutive_failures = finish.consecutive_failures,
      pause = CASE WHEN finish.paused THEN p_pause_record ELSE pause END,
      pause_until = CASE WHEN finish.paused THEN NULL ELSE pause_until END
    WHERE prefix = p_prefix AND job = p_job;
  ELSIF p_outcome = 'completed' THEN
    consecutive_failures := 0;
    UPDATE ${s}.jobs SET consecutive_failures = 0, last_completed_occurrence = p_occurrence, last_completed_at = v_now
    WHERE prefix = p_prefix AND job = p_job;
  END IF;
  PERFORM ${s}.close_run(p_prefix, p_job, p_run_id, p_token);
  next_occurrence_ms := extract(epoch FROM v_job.queued_occurrence)::float8 * 1000;
END
$finish$;

-- Undoes a claim whose caller never saw the answer, while the claim and the lease still carry its token. A run that
-- never started must not look crashed: its ledger entry is closed, so nobody takes it over.
CREATE OR REPLACE FUNCTION ${s}.abandon(p_prefix text, p_job text, p_occurrence timestamptz, p_token text, p_run_id text)
RETURNS void LANGUAGE plpgsql AS $abandon$
BEGIN
  PERFORM 1 FROM ${s}.jobs WHERE prefix = p_prefix AND job = p_job FOR NO KEY UPDATE;
  DELETE FROM ${s}.claims
  WHERE prefix = p_prefix AND job = p_job AND occurrence = p_occurrence AND token = p_token;
  PERFORM ${s}.close_run(p_prefix, p_job, p_run_id, p_token);
END
$abandon$;

-- Puts a report first in the job's history, keeps the newest p_max, and lets the history live p_ttl_ms more.
CREATE OR REPLACE FUNCTION ${s}.append_history(
  p_prefix text, p_job text, p_report jsonb, p_max integer, p_ttl_ms double precision
) RETURNS void LANGUAGE plpgsql AS $append_history$
DECLARE
  v_job ${s}.jobs%ROWTYPE;
  v_now timestamptz;
BEGIN
  INSERT INTO ${s}.jobs (prefix, job) VALUES (p_prefix, p_job) ON CONFLICT DO NOTHING;
  SELECT * INTO v_job FROM ${s}.jobs WHERE prefix = p_prefix AND job = p_job FOR NO KEY UPDATE;
  v_now := clock_timestamp();
  -- An expired history is gone: it starts again from this report.
  IF NOT coalesce(v_job.history_expires_at > v_now, false) THEN
    DELETE FROM ${s}.history WHERE prefix = p_prefix AND job = p_job;
  END IF;
  INSERT INTO ${s}.history (prefix, job, report) VALUES (p_prefix, p_job, p_report);
  DELETE FROM ${s}.history
  WHERE prefix = p_prefix AND job = p_job AND seq <= (
    SELECT seq FROM ${s}.history WHERE prefix = p_prefix AND job = p_job ORDER BY seq DESC OFFSET p_max LIMIT 1
  );
  UPDATE ${s}.jobs SET history_expires_at = v_now + ${ms('p_ttl_ms')} WHERE prefix = p_prefix AND job = p_job;
END
$append_history$;

-- Writes one batch of a replacement of the pending tenants under p_generation; the last batch (p_last) makes that
-- generation the one readers see, and removes every other. A writer that dies half-way leaves rows nobody reads,
-- removed by the next write.
CREATE OR REPLACE FUNCTION ${s}.write_pending(
  p_prefix text, p_job text, p_generation text, p_tenant_ids text[], p_last boolean, p_ttl_ms double precision
) RETURNS void LANGUAGE plpgsql AS $write_pending$
BEGIN
  IF p_generation IS NOT NULL AND cardinality(p_tenant_ids) > 0 THEN
    INSERT INTO ${s}.pending (prefix, job, generation, tenant_ids) VALUES (p_prefix, p_job, p_generation, p_tenant_ids);
  END IF;
  IF NOT p_last THEN
    RETURN;
  END IF;
  INSERT INTO ${s}.jobs (prefix, job) VALUES (p_prefix, p_job) ON CONFLICT DO NOTHING;
  UPDATE ${s}.jobs SET
    pending_generation = p_generation,
    pending_expires_at = CASE WHEN p_generation IS NULL THEN NULL ELSE clock_timestamp() + ${ms('p_ttl_ms')} END
  WHERE prefix = p_prefix AND job = p_job;
  DELETE FROM ${s}.pending
  WHERE prefix = p_prefix AND job = p_job AND generation IS DISTINCT FROM p_generation;
END
$write_pending$;

-- Replaces the job's schedule override (NULL: back to the code's), moves its version on, and signals every listener.
CREATE OR REPLACE FUNCTION ${s}.write_schedule(
  p_prefix text, p_job text, p_override jsonb,
  OUT schedule_version integer, OUT changed_at_ms double precision
) LANGUAGE plpgsql AS $write_schedule$
DECLARE
  v_now timestamptz;
BEGIN
  INSERT INTO ${s}.jobs (prefix, job) VALUES (p_prefix, p_job) ON CONFLICT DO NOTHING;
  v_now := clock_timestamp();
  UPDATE ${s}.jobs SET
    schedule_version = ${s}.jobs.schedule_version + 1,
    schedule_override = p_override,
    schedule_changed_at = v_now
  WHERE prefix = p_prefix AND job = p_job
  RETURNING ${s}.jobs.schedule_version INTO schedule_version;
  changed_at_ms := ${epochMs('v_now')};
  -- Delivered to listeners when this commits; one that misses it corrects itself at its next claim.
  PERFORM pg_notify('${schema}_signals',
    json_build_object('prefix', p_prefix, 'job', p_job, 'version', schedule_version)::text);
END
$write_schedule$;

INSERT INTO ${s}.schema_version (singleton, version) VALUES (true, ${POSTGRES_SCHEMA_VERSION})
ON CONFLICT (singleton) DO UPDATE SET version = greatest(${s}.schema_version.version, EXCLUDED.version);
`;
}

/** The channel a store in `schema` signals changed schedules on (`LISTEN` needs it quoted, as written here). */
export function postgresSignalChannel(schema: string): string {
  return `${schema}_signals`;
}
