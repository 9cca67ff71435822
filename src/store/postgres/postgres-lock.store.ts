import { randomUUID } from 'node:crypto';
import { DEFAULT_KEY_PREFIX, DEFAULT_LOCK_TIMEOUT_MS } from '../../common/constants.js';
import { LockStoreError } from '../../common/errors/index.js';
import { IdSet } from '../../common/id-set.js';
import { parseJson } from '../../common/parse-json.js';
import { DEFAULT_POSTGRES_SCHEMA, isPostgresSchemaName } from '../../common/postgres-schema-name.js';
import {
  type AbandonRequest,
  type ClaimRequest,
  type ClaimResult,
  type FailedTenants,
  type FinishRequest,
  type FinishResult,
  type LeaseRenewal,
  type LedgerRecord,
  type TenantTries,
  type JobPause,
  type JobRunReport,
  type LeaseRecord,
  type LeaseRequest,
  type LedgerRead,
  type LockStore,
  type PostgresPool,
  type PostgresPoolClient,
  type RunStatus,
  type ScheduleOverride,
  type ScheduleState,
  type StoreSignal,
  type StoreSubscription,
  type TakeOverRequest,
  type TakeOverResult,
  type TenantPause,
} from '../../interfaces/index.js';
import { watchPoolErrors } from './pool-error-log.js';
import { PostgresCalls, type Query } from './postgres-calls.js';
import { PostgresMigrator } from './postgres-migrator.js';
import { postgresSignalChannel } from './postgres-schema.js';
import { ServerClockBound } from './server-clock-bound.js';

/** Options of {@link PostgresLockStore}. */
export interface PostgresLockStoreOptions {
  /** Every row carries it: apps with different prefixes share nothing. Default: `'coordinated-cron'`. */
  keyPrefix?: string;
  /** The schema of the store's tables and functions. Default: `'coordinated_cron'`. */
  schema?: string;
  /** Create or upgrade the schema on first use; with `false`, fail naming what to run. Default: `true`. */
  migrate?: boolean;
  /**
   * Milliseconds each call may take before it gives up: its connection is given back to be discarded, and a claim
   * or take-over that reaches the database later writes nothing. The module passes its `lockTimeout`.
   * Default: `2000`.
   */
  timeoutMs?: number;
  /** Most connections of the pool the store holds at a time. Default: `2`. */
  maxConnections?: number;
}

/** Tenant ids per stored batch: one progress write, or one slice of a pending list. */
const BATCH_IDS = 5_000;
/** Batches per page read back: at most 100,000 ids an answer. */
const PAGE_BATCHES = 20;
/** Occurrences whose failed tenants a job keeps, newest first. */
const FAILED_OCCURRENCES_KEPT = 100;

const iso = (date: Date) => date.toISOString();
const num = (value: unknown) => Number(value);

/**
 * The lock store on PostgreSQL, through the app's node-postgres `Pool`. Each claim is one statement (a call of the
 * `claim` function the schema installs, which takes every decision under the job row's lock), and so is every other
 * call but the paged reads of large tenant lists and the slices of a large pending write. No session state: every
 * statement is unnamed and autocommitted (or one implicit transaction), so it works behind PgBouncer in transaction
 * mode. See {@link postgresSchemaSql} for the tables.
 */
export class PostgresLockStore implements LockStore {
  readonly kind = 'postgres';
  readonly shared = true;
  private readonly prefix: string;
  private readonly s: string;
  private readonly calls: PostgresCalls;
  private readonly migrator: PostgresMigrator;
  private readonly clock = new ServerClockBound();
  private readonly timeoutMs: number;
  private readonly channel: string;
  private ready?: Promise<void>;

  constructor(
    private readonly pool: PostgresPool,
    options: PostgresLockStoreOptions = {},
  ) {
    const schema = options.schema ?? DEFAULT_POSTGRES_SCHEMA;
    if (!isPostgresSchemaName(schema)) {
      throw new LockStoreError(
        `PostgresLockStore: schema ${JSON.stringify(schema)} must be a plain lower-case identifier, e.g. "coordinated_cron"`,
      );
    }
    this.prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.s = `"${schema}"`;
    this.channel = postgresSignalChannel(schema);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    this.calls = new PostgresCalls(pool, { maxConnections: options.maxConnections ?? 2, timeoutMs: this.timeoutMs });
    this.migrator = new PostgresMigrator(schema, options.migrate ?? true);
    watchPoolErrors(pool);
  }

  /**
   * Checks (and with `migrate`, creates or upgrades) the schema now rather than on the first call, so that a
   * missing one fails the boot. Rejects with `PostgresSchemaError` when it is missing or old and `migrate` is false.
   */
  async prepare(timeoutMs: number = this.timeoutMs): Promise<void> {
    await this.calls.run('prepare', (query) => this.readyOn(query), timeoutMs);
  }

  // --- occurrences, the running lease and the ledger -----------------------------------------------------------------

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const { ttls } = request;
    const [row] = await this.call('claim', (query, deadline) =>
      query(
        `SELECT kind, server_time_ms, fencing_token::float8 AS fencing_token, lease_left_ms, due_in_ms, schedule_version,
                cancelling
         FROM ${this.s}.claim($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
        [
          this.prefix,
          request.job,
          iso(request.occurrence),
          request.token,
          request.runId,
          request.owner,
          iso(ttls.claimUntil),
          ttls.claimMinMs,
          ttls.leaseMs,
          ttls.ledgerMs,
          request.lateAt ? iso(request.lateAt) : null,
          request.ignorePause === true,
          this.answerBy(deadline),
          request.scheduleVersion ?? null,
          request.catchup === true,
          request.overlap ?? 'skip',
          request.queued === true,
          request.retry === true,
        ],
      ),
    );
    const kind = String(row.kind);
    const clock = { serverTimeMs: this.sampled(row.server_time_ms), scheduleVersion: num(row.schedule_version ?? 0) };
    switch (kind) {
      case 'won':
        return { kind, ...clock, fencingToken: num(row.fencing_token) };
      case 'duplicate':
        return row.lease_left_ms === null
          ? { kind, ...clock }
          : { kind, ...clock, runningLeaseMs: num(row.lease_left_ms) };
      case 'early':
        return { kind, ...clock, dueInMs: num(row.due_in_ms) };
      case 'overlap':
        return { kind, ...clock, leaseMs: num(row.lease_left_ms ?? 0) };
      case 'queued':
        return { kind, ...clock, leaseMs: num(row.lease_left_ms ?? 0), cancelling: row.cancelling === true };
      case 'paused':
      case 'late':
      case 'rescheduled':
        return { kind, ...clock };
      default:
        throw this.unexpected('claim', row);
    }
  }

  async abandon(request: AbandonRequest): Promise<void> {
    const { job, occurrence, token, runId } = request;
    await this.perform('abandon', 'abandon', [job, iso(occurrence), token, runId]);
  }

  async takeOver(request: TakeOverRequest): Promise<TakeOverResult> {
    const [row] = await this.call('takeOver', (query, deadline) =>
      query(
        `SELECT kind, server_time_ms, fencing_token::float8 AS fencing_token, attempt, resumed_from, lease_left_ms
         FROM ${this.s}.take_over($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          this.prefix,
          request.job,
          iso(request.occurrence),
          request.token,
          request.runId,
          request.owner,
          request.ttls.leaseMs,
          request.ttls.ledgerMs,
          this.answerBy(deadline),
        ],
      ),
    );
    const kind = String(row.kind);
    const serverTimeMs = this.sampled(row.server_time_ms);
    switch (kind) {
      case 'won':
        return {
          kind,
          serverTimeMs,
          fencingToken: num(row.fencing_token),
          attempt: num(row.attempt),
          resumedFrom: String(row.resumed_from),
        };
      case 'held':
        return { kind, serverTimeMs, leaseMs: num(row.lease_left_ms) };
      case 'gone':
      case 'paused':
        return { kind, serverTimeMs };
      default:
        throw this.unexpected('takeOver', row);
    }
  }

  async renewLease(request: LeaseRequest): Promise<LeaseRenewal> {
    const rows = await this.call('renewLease', (query) =>
      query(
        // Asked to stop for another occurrence ('cancel-running'): renewed all the same, so the run winds down under it.
        `UPDATE ${this.s}.jobs SET lease_expires_at = clock_timestamp() + $4::float8 * interval '1 millisecond'
         WHERE prefix = $1 AND job = $2 AND lease_token = $3 AND lease_expires_at > clock_timestamp()
         RETURNING extract(epoch FROM cancelled_by)::float8 * 1000 AS cancelled_by_ms`,
        [this.prefix, request.job, request.token, request.ttlMs],
      ),
    );
    if (rows.length !== 1) return { kind: 'lost' };
    const cancelledBy = rows[0].cancelled_by_ms;
    return cancelledBy === null ? { kind: 'renewed' } : { kind: 'cancelled', by: new Date(num(cancelledBy)) };
  }

  async releaseLease(request: Omit<LeaseRequest, 'ttlMs'>): Promise<void> {
    await this.call('releaseLease', (query) =>
      query(
        `UPDATE ${this.s}.jobs SET lease_token = NULL, lease_expires_at = NULL
         WHERE prefix = $1 AND job = $2 AND lease_token = $3 AND lease_expires_at > clock_timestamp()`,
        [this.prefix, request.job, request.token],
      ),
    );
  }

  async finish(request: FinishRequest): Promise<FinishResult> {
    const { job, occurrence, runId, token } = request;
    const [row] = await this.call('finish', (query) =>
      query(
        `SELECT next_occurrence_ms, consecutive_failures, paused
         FROM ${this.s}.finish($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
        [
          this.prefix,
          job,
          iso(occurrence),
          runId,
          token,
          request.outcome ?? null,
          request.pauseAfter?.failures ?? 0,
          request.pauseAfter ? JSON.stringify(request.pauseAfter.record) : null,
        ],
      ),
    );
    const result: FinishResult = {
      consecutiveFailures: num(row.consecutive_failures ?? 0),
      paused: row.paused === true,
    };
    if (row.next_occurrence_ms !== null) result.next = new Date(Math.round(num(row.next_occurrence_ms)));
    return result;
  }

  async readLedger(job: string): Promise<LedgerRead> {
    const [row] = await this.call('readLedger', (query) =>
      query(
        `SELECT floor(extract(epoch FROM c.now) * 1000)::float8 AS server_time_ms,
                extract(epoch FROM j.ledger_occurrence)::float8 * 1000 AS occurrence_ms,
                j.ledger_run_id AS run_id, j.ledger_owner AS owner, j.ledger_state AS state,
                floor(extract(epoch FROM j.ledger_started_at) * 1000)::float8 AS started_at_ms,
                j.ledger_attempt AS attempt, j.ledger_fencing_token::float8 AS fencing_token,
                j.consecutive_failures,
                extract(epoch FROM j.last_completed_occurrence)::float8 * 1000 AS last_completed_occurrence_ms,
                floor(extract(epoch FROM j.last_completed_at) * 1000)::float8 AS last_completed_at_ms
         FROM (SELECT clock_timestamp() AS now) c
         LEFT JOIN ${this.s}.jobs j
           ON j.prefix = $1 AND j.job = $2 AND j.ledger_run_id IS NOT NULL AND j.ledger_expires_at > c.now`,
        [this.prefix, job],
      ),
    );
    const serverTimeMs = this.sampled(row.server_time_ms);
    if (row.run_id === null) return { serverTimeMs };
    const ledger: LedgerRecord = {
      occurrence: new Date(Math.round(num(row.occurrence_ms))),
      runId: String(row.run_id),
      owner: String(row.owner ?? ''),
      state: row.state === 'running' ? 'running' : 'done',
      startedAt: new Date(num(row.started_at_ms)),
      attempt: num(row.attempt ?? 1),
      fencingToken: num(row.fencing_token ?? 0),
      consecutiveFailures: num(row.consecutive_failures ?? 0),
    };
    if (row.last_completed_occurrence_ms !== null) {
      ledger.lastCompleted = {
        occurrence: new Date(Math.round(num(row.last_completed_occurrence_ms))),
        finishedAt: new Date(num(row.last_completed_at_ms)),
      };
    }
    return { serverTimeMs, ledger };
  }

  async readLease(job: string): Promise<LeaseRecord | undefined> {
    const [row] = await this.call('readLease', (query) =>
      query(
        `SELECT j.lease_token AS token, ceil(extract(epoch FROM j.lease_expires_at - c.now) * 1000)::float8 AS left_ms
         FROM (SELECT clock_timestamp() AS now) c
         JOIN ${this.s}.jobs j ON j.prefix = $1 AND j.job = $2 AND j.lease_expires_at > c.now`,
        [this.prefix, job],
      ),
    );
    return row ? { token: String(row.token), expiresInMs: num(row.left_ms) } : undefined;
  }

  async ping(): Promise<{ serverTimeMs: number }> {
    const [row] = await this.call('ping', (query) =>
      query(`SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::float8 AS server_time_ms`),
    );
    return { serverTimeMs: this.sampled(row.server_time_ms) };
  }

  // --- tenants ----------------------------------------------------------------------------------------------------------

  async addProgress(job: string, occurrence: Date, tenantIds: readonly string[], ttlMs: number): Promise<void> {
    if (tenantIds.length === 0) return;
    await this.call('addProgress', async (query) => {
      for (let offset = 0; offset < tenantIds.length; offset += BATCH_IDS) {
        // Only the ledger's occurrence can be taken over: progress of any other would never be read.
        await query(
          `INSERT INTO ${this.s}.progress (prefix, job, occurrence, tenant_ids, expires_at)
           SELECT $1, $2, $3, $4::text[], clock_timestamp() + $5::float8 * interval '1 millisecond'
           FROM ${this.s}.jobs
           WHERE prefix = $1 AND job = $2 AND ledger_occurrence = $3 AND ledger_expires_at > clock_timestamp()`,
          [this.prefix, job, iso(occurrence), tenantIds.slice(offset, offset + BATCH_IDS), ttlMs],
        );
      }
    });
  }

  readProgress(job: string, occurrence: Date): Promise<string[]> {
    return this.readBatches('readProgress', (query, after) =>
      query(
        `SELECT p.batch::float8 AS batch, p.tenant_ids
         FROM ${this.s}.jobs j
         JOIN ${this.s}.progress p ON p.prefix = j.prefix AND p.job = j.job AND p.occurrence = j.ledger_occurrence
         WHERE j.prefix = $1 AND j.job = $2 AND j.ledger_occurrence = $3 AND j.ledger_expires_at > clock_timestamp()
           AND p.expires_at > clock_timestamp() AND p.batch > $4
         ORDER BY p.batch LIMIT ${PAGE_BATCHES}`,
        [this.prefix, job, iso(occurrence), after],
      ),
    );
  }

  readPending(job: string): Promise<string[]> {
    return this.readBatches('readPending', (query, after) =>
      query(
        `SELECT p.batch::float8 AS batch, p.tenant_ids
         FROM ${this.s}.jobs j
         JOIN ${this.s}.pending p ON p.prefix = j.prefix AND p.job = j.job AND p.generation = j.pending_generation
         WHERE j.prefix = $1 AND j.job = $2 AND j.pending_expires_at > clock_timestamp() AND p.batch > $3
         ORDER BY p.batch LIMIT ${PAGE_BATCHES}`,
        [this.prefix, job, after],
      ),
    );
  }

  async addRetries(job: string, occurrence: Date, retries: readonly TenantTries[], ttlMs: number): Promise<void> {
    if (retries.length === 0) return;
    await this.call('addRetries', async (query) => {
      for (let offset = 0; offset < retries.length; offset += BATCH_IDS) {
        const slice = retries.slice(offset, offset + BATCH_IDS);
        // Like progress, kept for the ledger's occurrence only; a later try of a tenant replaces the earlier.
        await query(
          `INSERT INTO ${this.s}.retries (prefix, job, occurrence, tenant_id, tries, expires_at)
           SELECT $1, $2, $3, r.tenant_id, r.tries, clock_timestamp() + $6::float8 * interval '1 millisecond'
           FROM unnest($4::text[], $5::int[]) AS r(tenant_id, tries)
           WHERE EXISTS (
             SELECT 1 FROM ${this.s}.jobs
             WHERE prefix = $1 AND job = $2 AND ledger_occurrence = $3 AND ledger_expires_at > clock_timestamp()
           )
           ON CONFLICT (prefix, job, occurrence, tenant_id)
           DO UPDATE SET tries = EXCLUDED.tries, expires_at = EXCLUDED.expires_at`,
          [
            this.prefix,
            job,
            iso(occurrence),
            slice.map((retry) => retry.tenantId),
            slice.map((retry) => retry.tries),
            ttlMs,
          ],
        );
      }
    });
  }

  async readRetries(job: string, occurrence: Date): Promise<TenantTries[]> {
    const rows = await this.call('readRetries', (query) =>
      query(
        `SELECT tenant_id, tries FROM ${this.s}.retries
         WHERE prefix = $1 AND job = $2 AND occurrence = $3 AND expires_at > clock_timestamp()`,
        [this.prefix, job, iso(occurrence)],
      ),
    );
    return rows.map((row) => ({ tenantId: String(row.tenant_id), tries: num(row.tries) }));
  }

  async writeFailedTenants(job: string, failed: FailedTenants, ttlMs: number): Promise<void> {
    await this.call('writeFailedTenants', (query) =>
      query(
        // One row per occurrence that had failures, replaced by each write; ended ones of the job go by the way, and
        // only the newest occurrences stay.
        `WITH gone AS (
           DELETE FROM ${this.s}.failed_tenants
           WHERE prefix = $1 AND job = $2 AND (
             -- This occurrence's row when nothing failed (else the upsert below replaces it: one change a row).
             (occurrence = $3 AND $5 = 0)
             OR (occurrence <> $3 AND (expires_at <= clock_timestamp() OR occurrence IN (
               SELECT occurrence FROM ${this.s}.failed_tenants WHERE prefix = $1 AND job = $2
               ORDER BY occurrence DESC OFFSET ${FAILED_OCCURRENCES_KEPT - 1}
             )))
           )
         )
         INSERT INTO ${this.s}.failed_tenants (prefix, job, occurrence, tenant_ids, count, expires_at)
         SELECT $1, $2, $3, $4::text[], $5, clock_timestamp() + $6::float8 * interval '1 millisecond'
         WHERE $5 > 0
         ON CONFLICT (prefix, job, occurrence) DO UPDATE
           SET tenant_ids = EXCLUDED.tenant_ids, count = EXCLUDED.count, expires_at = EXCLUDED.expires_at`,
        [this.prefix, job, iso(failed.occurrence), failed.tenantIds, failed.count, ttlMs],
      ),
    );
  }

  async readFailedTenants(job: string, occurrence?: Date): Promise<FailedTenants | undefined> {
    const [row] = await this.call('readFailedTenants', (query) =>
      query(
        `SELECT extract(epoch FROM occurrence)::float8 * 1000 AS occurrence_ms, tenant_ids, count
         FROM ${this.s}.failed_tenants
         WHERE prefix = $1 AND job = $2 AND expires_at > clock_timestamp() AND ($3::timestamptz IS NULL OR occurrence = $3)
         ORDER BY occurrence DESC LIMIT 1`,
        [this.prefix, job, occurrence ? iso(occurrence) : null],
      ),
    );
    if (!row) return undefined;
    return {
      occurrence: new Date(Math.round(num(row.occurrence_ms))),
      tenantIds: row.tenant_ids as string[],
      count: num(row.count),
    };
  }

  async writePending(job: string, tenantIds: readonly string[], ttlMs: number): Promise<void> {
    // A new generation per write: its batches stay unseen until the last one makes it the current one.
    const generation = tenantIds.length === 0 ? null : randomUUID();
    const batches = Math.max(1, Math.ceil(tenantIds.length / BATCH_IDS));
    for (let i = 0; i < batches; i++) {
      // Each slice is a call of its own (and its own time bound): a million ids never hold one connection long.
      const slice = tenantIds.slice(i * BATCH_IDS, (i + 1) * BATCH_IDS);
      await this.perform('writePending', 'write_pending', [job, generation, slice, i === batches - 1, ttlMs]);
    }
  }

  // --- fleet control ----------------------------------------------------------------------------------------------------

  async pause(job: string, record: JobPause): Promise<void> {
    await this.call('pause', (query) =>
      query(
        `INSERT INTO ${this.s}.jobs (prefix, job, pause, pause_until) VALUES ($1, $2, $3::jsonb, $4)
         ON CONFLICT (prefix, job) DO UPDATE SET pause = EXCLUDED.pause, pause_until = EXCLUDED.pause_until`,
        [this.prefix, job, JSON.stringify(record), record.until ?? null],
      ),
    );
  }

  async unpause(job: string): Promise<void> {
    await this.call('unpause', (query) =>
      // A pause ends, and with it the count of failures in a row that may have caused it.
      query(
        `UPDATE ${this.s}.jobs SET pause = NULL, pause_until = NULL, consecutive_failures = 0 WHERE prefix = $1 AND job = $2`,
        [this.prefix, job],
      ),
    );
  }

  async readPause(job: string): Promise<JobPause | undefined> {
    const [row] = await this.call('readPause', (query) =>
      query(
        `SELECT pause::text AS pause FROM ${this.s}.jobs
         WHERE prefix = $1 AND job = $2 AND pause IS NOT NULL
           AND (pause_until IS NULL OR pause_until > clock_timestamp())`,
        [this.prefix, job],
      ),
    );
    return row ? parseJson<JobPause>(String(row.pause)) : undefined;
  }

  async appendHistory(job: string, report: JobRunReport, max: number, ttlMs: number): Promise<void> {
    await this.perform('appendHistory', 'append_history', [
      job,
      JSON.stringify(report),
      Math.max(1, Math.floor(max)),
      ttlMs,
    ]);
  }

  async readHistory(job: string, count: number): Promise<JobRunReport[]> {
    if (count <= 0) return [];
    const rows = await this.call('readHistory', (query) =>
      query(
        `SELECT h.report::text AS report
         FROM ${this.s}.jobs j
         JOIN ${this.s}.history h ON h.prefix = j.prefix AND h.job = j.job
         WHERE j.prefix = $1 AND j.job = $2 AND j.history_expires_at > clock_timestamp()
         ORDER BY h.seq DESC LIMIT $3`,
        [this.prefix, job, Math.floor(count)],
      ),
    );
    return rows.flatMap((row) => parseJson<JobRunReport>(String(row.report)) ?? []);
  }

  async writeRunStatus(job: string, status: RunStatus, ttlMs: number): Promise<void> {
    await this.call('writeRunStatus', (query) =>
      query(
        `INSERT INTO ${this.s}.jobs (prefix, job, run_status, run_status_expires_at)
         VALUES ($1, $2, $3::jsonb, clock_timestamp() + $4::float8 * interval '1 millisecond')
         ON CONFLICT (prefix, job) DO UPDATE
           SET run_status = EXCLUDED.run_status, run_status_expires_at = EXCLUDED.run_status_expires_at`,
        [this.prefix, job, JSON.stringify(status), ttlMs],
      ),
    );
  }

  async readRunStatus(job: string): Promise<RunStatus | undefined> {
    const [row] = await this.call('readRunStatus', (query) =>
      query(
        `SELECT run_status::text AS status FROM ${this.s}.jobs
         WHERE prefix = $1 AND job = $2 AND run_status_expires_at > clock_timestamp()`,
        [this.prefix, job],
      ),
    );
    return row ? parseJson<RunStatus>(String(row.status)) : undefined;
  }

  // --- tenants paused one by one -------------------------------------------------------------------------------------

  async pauseTenant(job: string, tenantId: string, record: JobPause): Promise<void> {
    await this.call('pauseTenant', (query) =>
      query(
        // A write that touches the job's pauses also drops the ones that have ended.
        `WITH ended AS (
           DELETE FROM ${this.s}.tenant_pauses
           WHERE prefix = $1 AND job = $2 AND until <= clock_timestamp() AND tenant_id <> $3
         )
         INSERT INTO ${this.s}.tenant_pauses (prefix, job, tenant_id, record, until) VALUES ($1, $2, $3, $4::jsonb, $5)
         ON CONFLICT (prefix, job, tenant_id) DO UPDATE SET record = EXCLUDED.record, until = EXCLUDED.until`,
        [this.prefix, job, tenantId, JSON.stringify(record), record.until ?? null],
      ),
    );
  }

  async unpauseTenant(job: string, tenantId: string): Promise<void> {
    await this.call('unpauseTenant', (query) =>
      query(`DELETE FROM ${this.s}.tenant_pauses WHERE prefix = $1 AND job = $2 AND tenant_id = $3`, [
        this.prefix,
        job,
        tenantId,
      ]),
    );
  }

  async readTenantPauses(job: string, limit?: number): Promise<{ pauses: TenantPause[]; total: number }> {
    const rows = await this.call('readTenantPauses', (query) =>
      query(
        // The window count is taken before the limit: it counts every live pause.
        `SELECT tenant_id, record::text AS record, count(*) OVER ()::float8 AS total
         FROM ${this.s}.tenant_pauses
         WHERE prefix = $1 AND job = $2 AND (until IS NULL OR until > clock_timestamp())
         LIMIT $3`,
        [this.prefix, job, limit === undefined ? null : Math.max(0, Math.floor(limit))],
      ),
    );
    const pauses: TenantPause[] = [];
    for (const row of rows) {
      const record = parseJson<JobPause>(String(row.record));
      if (record) pauses.push({ tenantId: String(row.tenant_id), ...record });
    }
    // With a limit of 0 nothing comes back to carry the count: ask for it alone.
    if (rows.length === 0 && limit === 0) return { pauses, total: await this.countTenantPauses(job) };
    return { pauses, total: rows.length === 0 ? 0 : num(rows[0].total) };
  }

  private async countTenantPauses(job: string): Promise<number> {
    const [row] = await this.call('readTenantPauses', (query) =>
      query(
        `SELECT count(*)::float8 AS total FROM ${this.s}.tenant_pauses
         WHERE prefix = $1 AND job = $2 AND (until IS NULL OR until > clock_timestamp())`,
        [this.prefix, job],
      ),
    );
    return num(row.total);
  }

  // --- schedules changed at runtime --------------------------------------------------------------------------------------

  async writeSchedule(job: string, override: ScheduleOverride | null): Promise<ScheduleState> {
    const [row] = await this.call('writeSchedule', (query) =>
      query(`SELECT schedule_version, changed_at_ms FROM ${this.s}.write_schedule($1, $2, $3::jsonb)`, [
        this.prefix,
        job,
        override === null ? null : JSON.stringify(override),
      ]),
    );
    const state: ScheduleState = { version: num(row.schedule_version), changedAt: new Date(num(row.changed_at_ms)) };
    if (override !== null) state.override = override;
    return state;
  }

  async readSchedule(job: string): Promise<ScheduleState> {
    const [row] = await this.call('readSchedule', (query) =>
      query(
        `SELECT schedule_version, schedule_override::text AS override,
                floor(extract(epoch FROM schedule_changed_at) * 1000)::float8 AS changed_at_ms
         FROM ${this.s}.jobs WHERE prefix = $1 AND job = $2`,
        [this.prefix, job],
      ),
    );
    if (!row) return { version: 0 };
    const state: ScheduleState = { version: num(row.schedule_version) };
    if (row.changed_at_ms !== null) state.changedAt = new Date(num(row.changed_at_ms));
    const override = row.override === null ? undefined : parseJson<ScheduleOverride>(String(row.override));
    if (override) state.override = override;
    return state;
  }

  /**
   * Listens (`LISTEN`) on a connection of the pool held for it alone, apart from the at most two the calls use. It sends
   * nothing while it waits. If the connection dies (a restart of PostgreSQL), `onEnd` is called: subscribe again.
   * Behind PgBouncer in transaction mode this connection must go to PostgreSQL directly (LISTEN needs a session).
   */
  async subscribe(
    listener: (signal: StoreSignal) => void,
    onEnd?: (error?: unknown) => void,
  ): Promise<StoreSubscription> {
    await this.calls.run('subscribe', (query) => this.readyOn(query));
    const client: PostgresPoolClient = await this.pool.connect();
    let ended = false;
    const end = (error?: unknown) => {
      if (ended) return;
      ended = true;
      client.removeListener('notification', onNotification);
      client.removeListener('error', end);
      client.release(error instanceof Error ? error : true);
      if (error !== undefined) onEnd?.(error);
    };
    const onNotification = (message: { channel: string; payload?: string }) => {
      if (message.channel !== this.channel || message.payload === undefined) return;
      const signal = parseJson<{ prefix?: unknown; job?: unknown; version?: unknown }>(message.payload);
      if (signal?.prefix === this.prefix && typeof signal.job === 'string' && typeof signal.version === 'number') {
        listener({ kind: 'schedule', job: signal.job, version: signal.version });
      }
    };
    client.on('error', end);
    client.on('notification', onNotification);
    try {
      await client.query({ text: `LISTEN "${this.channel}"` });
    } catch (error) {
      end(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    return { close: async () => end() };
  }

  // --- plumbing ---------------------------------------------------------------------------------------------------------

  /**
   * Reads a tenant list in pages of `PAGE_BATCHES` batches, each page a call of its own, so that no answer carries a
   * million ids and no connection is held for the whole read. Ids written twice (a retried write) come back once.
   */
  private async readBatches(
    operation: string,
    page: (query: Query, after: number) => Promise<Array<Record<string, unknown>>>,
  ): Promise<string[]> {
    const seen = new IdSet();
    const ids: string[] = [];
    let after = 0;
    for (;;) {
      const rows = await this.call(operation, (query) => page(query, after));
      for (const row of rows) {
        for (const id of row.tenant_ids as string[]) if (seen.add(id)) ids.push(id);
        after = num(row.batch);
      }
      if (rows.length < PAGE_BATCHES) return ids;
    }
  }

  /** Calls the schema's function `fn` with this store's prefix and `args`, in one statement. */
  private async perform(operation: string, fn: string, args: readonly unknown[]): Promise<void> {
    const placeholders = args.map((_, i) => `$${i + 2}`).join(', ');
    await this.call(operation, (query) => query(`SELECT ${this.s}.${fn}($1, ${placeholders})`, [this.prefix, ...args]));
  }

  /** One call on one connection, once the schema is known to be usable. */
  private call<T>(operation: string, work: (query: Query, deadline: number) => Promise<T>): Promise<T> {
    return this.calls.run(operation, async (query, deadline) => {
      await this.readyOn(query);
      return work(query, deadline);
    });
  }

  /** The schema check, once per store (again after a failure): concurrent first calls share it. */
  private readyOn(query: Query): Promise<void> {
    this.ready ??= this.migrator.prepare(query).then(
      (serverTimeMs) => this.clock.sample(serverTimeMs),
      (error: unknown) => {
        this.ready = undefined;
        throw error;
      },
    );
    return this.ready;
  }

  /** When the caller stops waiting, by the database's clock, so that a claim arriving later claims nothing. */
  private answerBy(deadline: number): string | null {
    return this.clock.toServer(deadline)?.toISOString() ?? null;
  }

  private sampled(value: unknown): number {
    const serverTimeMs = num(value);
    this.clock.sample(serverTimeMs);
    return serverTimeMs;
  }

  private unexpected(operation: string, row: Record<string, unknown>): LockStoreError {
    if (row.kind === 'expired') {
      return new LockStoreError(
        `postgres lock store: ${operation} reached the database after its caller stopped waiting; it wrote nothing`,
      );
    }
    return new LockStoreError(`postgres lock store: unexpected ${operation} answer ${JSON.stringify(row)}`);
  }
}
