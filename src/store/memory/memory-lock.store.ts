import {
  type AbandonRequest,
  type ClaimRequest,
  type ClaimResult,
  type FailedTenants,
  type FinishRequest,
  type FinishResult,
  type LeaseRenewal,
  type JobPause,
  type JobRunReport,
  type LeaseRecord,
  type LeaseRequest,
  type LedgerRead,
  type LedgerRecord,
  type LockStore,
  type RunStatus,
  type ScheduleOverride,
  type ScheduleState,
  type StoreSignal,
  type StoreSubscription,
  type TakeOverRequest,
  type TakeOverResult,
  type TenantPause,
  type TenantTries,
} from '../../interfaces/index.js';

/** Options of {@link MemoryLockStore}. */
export interface MemoryLockStoreOptions {
  /** The store's clock in epoch milliseconds. Default: `Date.now`. */
  now?: () => number;
}

/** A value that disappears at `expiresAt` (epoch ms; `Infinity`: never). */
interface Expiring<T> {
  value: T;
  expiresAt: number;
}

/** Everything the store keeps about one job. */
interface JobState {
  /** Claimed occurrences (epoch ms) and who claimed them. */
  claims: Map<number, Expiring<string>>;
  lease?: Expiring<string>;
  /** The last fencing token handed out. */
  fence: number;
  ledger?: Omit<LedgerRecord, 'consecutiveFailures' | 'lastCompleted'>;
  consecutiveFailures: number;
  lastCompleted?: { occurrence: Date; finishedAt: Date };
  /** Tenants the ledger's occurrence has finished, and those waiting for another try. */
  progress?: { occurrence: number; tenantIds: Set<string>; retries: Map<string, number> };
  /** The occurrence to run once the lease is free (`buffer-one`, `cancel-running`). */
  queued?: number;
  /** The occurrence that asked the lease's run to stop (`cancel-running`). */
  cancelledBy?: number;
  /** Failed tenants by occurrence, newest last. */
  failed: Map<number, Expiring<FailedTenants>>;
  pending?: Expiring<string[]>;
  pause?: Expiring<JobPause>;
  history?: Expiring<JobRunReport[]>;
  runStatus?: Expiring<RunStatus>;
  tenantPauses: Map<string, Expiring<JobPause>>;
  schedule: { version: number; override?: ScheduleOverride; changedAt?: number };
}

/** Sweeping expired claims costs a pass over them; once a job holds this many, the next claim does it. */
const SWEEP_CLAIMS_AT = 64;

/**
 * In-process lock store. Each method decides synchronously, before its first `await`, so two callers in one process
 * can never both win; across processes it suppresses nothing. It takes the same decisions as the other stores and
 * passes the same contract suite; expiry is read from its own clock, so nothing sweeps on a timer.
 */
export class MemoryLockStore implements LockStore {
  readonly kind = 'memory';
  readonly shared = false;
  private readonly jobs = new Map<string, JobState>();
  private readonly listeners = new Set<(signal: StoreSignal) => void>();
  private readonly now: () => number;

  constructor(options: MemoryLockStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  // --- occurrences, the running lease and the ledger -----------------------------------------------------------------

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const state = this.state(request.job);
    const now = this.now();
    const clock = { serverTimeMs: now, scheduleVersion: state.schedule.version };
    const occurrenceMs = request.occurrence.getTime();
    if (!request.ignorePause && live(state.pause, now)) return { kind: 'paused', ...clock };
    if (
      request.scheduleVersion !== undefined &&
      request.scheduleVersion !== state.schedule.version &&
      occurrenceMs >= (state.schedule.changedAt ?? Number.NEGATIVE_INFINITY)
    ) {
      return { kind: 'rescheduled', ...clock };
    }
    if (now < occurrenceMs) return { kind: 'early', ...clock, dueInMs: occurrenceMs - now };
    const held = live(state.lease, now);
    const leaseMs = held ? held.expiresAt - now : 0;
    // A retry of an occurrence's failed tenants takes only the lease; the occurrence stays as it is.
    if (request.retry) {
      if (held) return { kind: 'overlap', ...clock, leaseMs };
      state.lease = { value: request.token, expiresAt: now + request.ttls.leaseMs };
      return { kind: 'won', ...clock, fencingToken: this.nextFence(state, now) };
    }
    if (request.queued) {
      // The remembered occurrence's claim is in place: it is won once, by whoever asks while it is still queued.
      if (state.queued !== occurrenceMs) return { kind: 'duplicate', ...clock };
      if (held) return { kind: 'overlap', ...clock, leaseMs };
      state.queued = undefined;
      state.cancelledBy = undefined;
      return this.won(state, request, now, clock);
    }
    if (live(state.claims.get(occurrenceMs), now)) {
      const ledger = state.ledger;
      if (ledger?.occurrence.getTime() !== occurrenceMs || ledger.state !== 'running') {
        return { kind: 'duplicate', ...clock };
      }
      return { kind: 'duplicate', ...clock, runningLeaseMs: leaseMs };
    }
    if (request.lateAt && now >= request.lateAt.getTime()) return { kind: 'late', ...clock };
    const overlap = request.overlap ?? 'skip';
    // A late run leaves the occurrence for later while another run holds the lease.
    if (held && request.catchup && overlap !== 'allow') return { kind: 'overlap', ...clock, leaseMs };
    if (state.claims.size >= SWEEP_CLAIMS_AT) sweep(state.claims, now);
    const claimUntil = Math.max(request.ttls.claimUntil.getTime(), now + request.ttls.claimMinMs);
    state.claims.set(occurrenceMs, { value: request.token, expiresAt: claimUntil });
    if (held && overlap !== 'allow') {
      if (overlap === 'skip' || state.queued !== undefined) return { kind: 'overlap', ...clock, leaseMs };
      state.queued = occurrenceMs;
      if (overlap === 'cancel-running') state.cancelledBy = occurrenceMs;
      return { kind: 'queued', ...clock, leaseMs, cancelling: overlap === 'cancel-running' };
    }
    return this.won(state, request, now, clock);
  }

  /** Takes the lease (none for `allow`), the next fencing token and, for the newest occurrence, the ledger. */
  private won(
    state: JobState,
    request: ClaimRequest,
    now: number,
    clock: { serverTimeMs: number; scheduleVersion: number },
  ): ClaimResult {
    const occurrenceMs = request.occurrence.getTime();
    if (request.overlap !== 'allow') state.lease = { value: request.token, expiresAt: now + request.ttls.leaseMs };
    const fencingToken = this.nextFence(state, now);
    // The ledger only moves forward; moving on frees the previous occurrence's progress.
    if (!state.ledger || occurrenceMs >= state.ledger.occurrence.getTime()) {
      if (state.progress && state.progress.occurrence !== occurrenceMs) state.progress = undefined;
      state.ledger = {
        occurrence: new Date(occurrenceMs),
        runId: request.runId,
        owner: request.owner,
        state: 'running',
        startedAt: new Date(now),
        attempt: 1,
        fencingToken,
      };
    }
    return { kind: 'won', ...clock, fencingToken };
  }

  async abandon(request: AbandonRequest): Promise<void> {
    const state = this.state(request.job);
    const occurrenceMs = request.occurrence.getTime();
    if (state.claims.get(occurrenceMs)?.value === request.token) state.claims.delete(occurrenceMs);
    if (state.lease?.value === request.token) state.lease = undefined;
    if (state.ledger?.runId === request.runId) state.ledger.state = 'done';
  }

  async takeOver(request: TakeOverRequest): Promise<TakeOverResult> {
    const state = this.state(request.job);
    const now = this.now();
    const serverTimeMs = now;
    if (live(state.pause, now)) return { kind: 'paused', serverTimeMs };
    const ledger = state.ledger;
    if (ledger?.occurrence.getTime() !== request.occurrence.getTime() || ledger.state !== 'running') {
      return { kind: 'gone', serverTimeMs };
    }
    const lease = live(state.lease, now);
    if (lease) return { kind: 'held', serverTimeMs, leaseMs: Math.max(1, lease.expiresAt - now) };
    state.lease = { value: request.token, expiresAt: now + request.ttls.leaseMs };
    const fencingToken = this.nextFence(state, now);
    const resumedFrom = ledger.runId;
    ledger.runId = request.runId;
    ledger.owner = request.owner;
    ledger.attempt += 1;
    ledger.fencingToken = fencingToken;
    return { kind: 'won', serverTimeMs, fencingToken, attempt: ledger.attempt, resumedFrom };
  }

  async renewLease(request: LeaseRequest): Promise<LeaseRenewal> {
    const state = this.state(request.job);
    const now = this.now();
    const lease = live(state.lease, now);
    if (lease?.value !== request.token) return { kind: 'lost' };
    lease.expiresAt = now + request.ttlMs;
    return state.cancelledBy === undefined
      ? { kind: 'renewed' }
      : { kind: 'cancelled', by: new Date(state.cancelledBy) };
  }

  async releaseLease(request: Omit<LeaseRequest, 'ttlMs'>): Promise<void> {
    const state = this.state(request.job);
    if (live(state.lease, this.now())?.value === request.token) state.lease = undefined;
  }

  async finish(request: FinishRequest): Promise<FinishResult> {
    const state = this.state(request.job);
    const now = this.now();
    if (state.ledger?.runId === request.runId) {
      state.ledger.state = 'done';
      if (state.progress?.occurrence === request.occurrence.getTime()) state.progress = undefined;
    }
    let paused = false;
    if (request.outcome === 'failed') {
      state.consecutiveFailures += 1;
      const pauseAfter = request.pauseAfter;
      if (pauseAfter && state.consecutiveFailures >= pauseAfter.failures && !live(state.pause, now)) {
        state.pause = { value: { ...pauseAfter.record }, expiresAt: Number.POSITIVE_INFINITY };
        paused = true;
      }
    } else if (request.outcome === 'completed') {
      state.consecutiveFailures = 0;
      state.lastCompleted = { occurrence: new Date(request.occurrence), finishedAt: new Date(now) };
    }
    // The run that was asked to stop has stopped: the request is answered.
    if (live(state.lease, now)?.value === request.token) {
      state.lease = undefined;
      state.cancelledBy = undefined;
    }
    const result: FinishResult = { consecutiveFailures: state.consecutiveFailures, paused };
    if (state.queued !== undefined) result.next = new Date(state.queued);
    return result;
  }

  async readLedger(job: string): Promise<LedgerRead> {
    const state = this.jobs.get(job);
    const serverTimeMs = this.now();
    if (!state?.ledger) return { serverTimeMs };
    const ledger: LedgerRecord = { ...state.ledger, consecutiveFailures: state.consecutiveFailures };
    if (state.lastCompleted) ledger.lastCompleted = { ...state.lastCompleted };
    return { ledger, serverTimeMs };
  }

  async readLease(job: string): Promise<LeaseRecord | undefined> {
    const now = this.now();
    const lease = live(this.jobs.get(job)?.lease, now);
    return lease ? { token: lease.value, expiresInMs: lease.expiresAt - now } : undefined;
  }

  async ping(): Promise<{ serverTimeMs: number }> {
    return { serverTimeMs: this.now() };
  }

  // --- tenants ----------------------------------------------------------------------------------------------------------

  async addProgress(job: string, occurrence: Date, tenantIds: readonly string[]): Promise<void> {
    const state = this.state(job);
    const occurrenceMs = occurrence.getTime();
    // Progress belongs to the ledger's occurrence; anything else would never be read.
    const progress = this.progressOf(state, occurrenceMs);
    for (const tenantId of tenantIds) progress?.tenantIds.add(tenantId);
  }

  /** The progress record of the ledger's occurrence (made on first use), or `undefined` for any other occurrence. */
  private progressOf(state: JobState, occurrenceMs: number): JobState['progress'] {
    if (state.ledger?.occurrence.getTime() !== occurrenceMs) return undefined;
    if (state.progress?.occurrence !== occurrenceMs) {
      state.progress = { occurrence: occurrenceMs, tenantIds: new Set(), retries: new Map() };
    }
    return state.progress;
  }

  async readProgress(job: string, occurrence: Date): Promise<string[]> {
    const progress = this.jobs.get(job)?.progress;
    return progress?.occurrence === occurrence.getTime() ? [...progress.tenantIds] : [];
  }

  async addRetries(job: string, occurrence: Date, retries: readonly TenantTries[]): Promise<void> {
    const progress = this.progressOf(this.state(job), occurrence.getTime());
    for (const { tenantId, tries } of retries) progress?.retries.set(tenantId, tries);
  }

  async readRetries(job: string, occurrence: Date): Promise<TenantTries[]> {
    const progress = this.jobs.get(job)?.progress;
    if (progress?.occurrence !== occurrence.getTime()) return [];
    return [...progress.retries].map(([tenantId, tries]) => ({ tenantId, tries }));
  }

  async writeFailedTenants(job: string, failed: FailedTenants, ttlMs: number): Promise<void> {
    const records = this.state(job).failed;
    const occurrenceMs = failed.occurrence.getTime();
    records.delete(occurrenceMs);
    if (failed.count > 0) {
      records.set(occurrenceMs, {
        value: { occurrence: new Date(occurrenceMs), tenantIds: [...failed.tenantIds], count: failed.count },
        expiresAt: this.now() + ttlMs,
      });
    }
  }

  async readFailedTenants(job: string, occurrence?: Date): Promise<FailedTenants | undefined> {
    const now = this.now();
    let found: FailedTenants | undefined;
    for (const [occurrenceMs, record] of this.jobs.get(job)?.failed ?? []) {
      if (!live(record, now)) continue;
      const wanted = occurrence
        ? occurrenceMs === occurrence.getTime()
        : occurrenceMs > (found?.occurrence.getTime() ?? -Infinity);
      if (wanted) found = record.value;
    }
    return found ? { ...found, tenantIds: [...found.tenantIds] } : undefined;
  }

  async readPending(job: string): Promise<string[]> {
    return [...(live(this.jobs.get(job)?.pending, this.now())?.value ?? [])];
  }

  async writePending(job: string, tenantIds: readonly string[], ttlMs: number): Promise<void> {
    const state = this.state(job);
    state.pending = tenantIds.length === 0 ? undefined : { value: [...tenantIds], expiresAt: this.now() + ttlMs };
  }

  // --- fleet control ----------------------------------------------------------------------------------------------------

  async pause(job: string, record: JobPause): Promise<void> {
    const expiresAt = record.until === undefined ? Number.POSITIVE_INFINITY : Date.parse(record.until);
    this.state(job).pause = { value: { ...record }, expiresAt };
  }

  async unpause(job: string): Promise<void> {
    const state = this.state(job);
    state.pause = undefined;
    state.consecutiveFailures = 0;
  }

  async readPause(job: string): Promise<JobPause | undefined> {
    const pause = live(this.jobs.get(job)?.pause, this.now());
    return pause ? { ...pause.value } : undefined;
  }

  async appendHistory(job: string, report: JobRunReport, max: number, ttlMs: number): Promise<void> {
    const state = this.state(job);
    const now = this.now();
    const kept = live(state.history, now)?.value ?? [];
    state.history = { value: [report, ...kept].slice(0, Math.max(1, Math.floor(max))), expiresAt: now + ttlMs };
  }

  async readHistory(job: string, count: number): Promise<JobRunReport[]> {
    return (live(this.jobs.get(job)?.history, this.now())?.value ?? []).slice(0, Math.max(0, count));
  }

  async writeRunStatus(job: string, status: RunStatus, ttlMs: number): Promise<void> {
    this.state(job).runStatus = { value: { ...status }, expiresAt: this.now() + ttlMs };
  }

  async readRunStatus(job: string): Promise<RunStatus | undefined> {
    const status = live(this.jobs.get(job)?.runStatus, this.now());
    return status ? { ...status.value } : undefined;
  }

  // --- tenants paused one by one -------------------------------------------------------------------------------------

  async pauseTenant(job: string, tenantId: string, record: JobPause): Promise<void> {
    const expiresAt = record.until === undefined ? Number.POSITIVE_INFINITY : Date.parse(record.until);
    this.state(job).tenantPauses.set(tenantId, { value: { ...record }, expiresAt });
  }

  async unpauseTenant(job: string, tenantId: string): Promise<void> {
    this.state(job).tenantPauses.delete(tenantId);
  }

  async readTenantPauses(job: string, limit?: number): Promise<{ pauses: TenantPause[]; total: number }> {
    const pauses = this.jobs.get(job)?.tenantPauses;
    const now = this.now();
    const listed: TenantPause[] = [];
    let total = 0;
    for (const [tenantId, pause] of pauses ?? []) {
      if (pause.expiresAt <= now) {
        pauses?.delete(tenantId);
        continue;
      }
      total += 1;
      if (limit === undefined || listed.length < limit) listed.push({ tenantId, ...pause.value });
    }
    return { pauses: listed, total };
  }

  // --- schedules changed at runtime --------------------------------------------------------------------------------------

  async writeSchedule(job: string, override: ScheduleOverride | null): Promise<ScheduleState> {
    const schedule = this.state(job).schedule;
    schedule.version += 1;
    schedule.changedAt = this.now();
    schedule.override = override === null ? undefined : { ...override };
    const signal: StoreSignal = { kind: 'schedule', job, version: schedule.version };
    // Delivered after this call returns, as a push from a server would be.
    for (const listener of this.listeners) queueMicrotask(() => listener(signal));
    return this.readScheduleNow(job);
  }

  async readSchedule(job: string): Promise<ScheduleState> {
    return this.readScheduleNow(job);
  }

  async subscribe(listener: (signal: StoreSignal) => void): Promise<StoreSubscription> {
    this.listeners.add(listener);
    return { close: async () => void this.listeners.delete(listener) };
  }

  private readScheduleNow(job: string): ScheduleState {
    const schedule = this.jobs.get(job)?.schedule;
    if (!schedule) return { version: 0 };
    const state: ScheduleState = { version: schedule.version };
    if (schedule.override) state.override = { ...schedule.override };
    if (schedule.changedAt !== undefined) state.changedAt = new Date(schedule.changedAt);
    return state;
  }

  /** One more than the last token, and never below this clock in microseconds (see the Redis store). */
  private nextFence(state: JobState, now: number): number {
    state.fence = Math.max(state.fence + 1, now * 1000);
    return state.fence;
  }

  private state(job: string): JobState {
    let state = this.jobs.get(job);
    if (!state) {
      state = {
        claims: new Map(),
        fence: 0,
        consecutiveFailures: 0,
        tenantPauses: new Map(),
        schedule: { version: 0 },
        failed: new Map(),
      };
      this.jobs.set(job, state);
    }
    return state;
  }
}

function live<T>(entry: Expiring<T> | undefined, now: number): Expiring<T> | undefined {
  return entry && entry.expiresAt > now ? entry : undefined;
}

function sweep(claims: Map<number, Expiring<string>>, now: number): void {
  for (const [occurrence, claim] of claims) if (claim.expiresAt <= now) claims.delete(occurrence);
}
