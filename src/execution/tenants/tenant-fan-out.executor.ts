import { Inject, Injectable, type OnModuleInit, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { setMaxListeners } from 'node:events';
import { COORDINATED_CRON_RESOLVED_OPTIONS } from '../../common/constants.js';
import { type DeadlineOptions, type DeadlineResult, runWithDeadline } from '../../common/deadline.js';
import { describeError } from '../../common/describe-error.js';
import { LockStoreError, TenantTimeoutError } from '../../common/errors/index.js';
import { IdSet } from '../../common/id-set.js';
import { CoordinatedCronLock } from '../../coordination/coordinated-cron.lock.js';
import { LocalTimeSchedule } from '../../definition/local-time-schedule.js';
import { processTimeZone } from '../../definition/time-zones.js';
import { SchedulesInForce } from '../schedules-in-force.js';
import { DueZones } from './due-zones.js';
import { forEachInTurns } from '../../common/in-turns.js';
import { withField } from '../../common/with-field.js';
import { runPool } from '../../common/run-pool.js';
import { CronContextStore } from '../../context/cron-context.store.js';
import { type JobDefinition } from '../../definition/job-definition.js';
import {
  type CronContextValue,
  type TenantRunSummary,
  type TenantSettingsProvider,
  type TenantTries,
} from '../../interfaces/index.js';
import type { ResolvedCoordinatedCronOptions } from '../../options/module-options.js';
import { RunReplacedError } from '../errors/run-replaced.error.js';
import { TenantSettingsUnavailableError } from '../errors/tenant-settings-unavailable.error.js';
import { RunLog } from '../run-log.js';
import { ShutdownCoordinator } from '../shutdown.coordinator.js';
import { PendingTenants, type PendingRead } from './pending-tenants.js';
import { MAX_LISTED_IDS, tenantCounts } from './summary-cap.js';
import {
  decideEligibility,
  listTenants,
  type ListedTenants,
  orderTenants,
  setApart,
  type TenantListing,
} from './tenant-selection.js';
import { retryDelayMs, retryFits } from '../retry-backoff.js';
import { StoreClock } from '../store-clock.js';
import { type ProgressRecorder } from '../recovery/progress-recorder.js';

/** Crash-resume bookkeeping of one run: what an earlier attempt finished, and where this one records its own. */
export interface TenantProgress {
  /** Tenants an attempt that died had finished (succeeded, or failed with no try left): not run again. */
  done?: IdSet;
  /** Tenants an attempt that died left waiting for another try, with the calls they had. */
  waiting?: TenantTries[];
  /** Where finished tenants are recorded. */
  recorder: ProgressRecorder;
  /** Where failed tenants waiting for another try are recorded (jobs with `retry`). */
  retries?: ProgressRecorder<TenantTries>;
}

/** How one occurrence's tenants are run. */
export interface FanOutRequest {
  progress?: TenantProgress;
  observer?: FanOutObserver;
  /**
   * A retry of failed tenants (`retryFailed`): exactly these (minus those paused or disabled since), each called once,
   * instead of the listed ones; the pending set is neither taken nor replaced.
   */
  only?: readonly string[];
  /** Failed tenants are called again (`retry`) only while the next call can start before this instant. */
  retryUntil?: Date;
}

/** What every tenant of one run shares. */
interface TenantRunScope {
  job: JobDefinition;
  summary: TenantRunSummary;
  /** Tenants that succeeded; `summary.succeeded` lists at most `MAX_LISTED_IDS` of them. */
  succeeded: number;
  /** Tenants whose handler was cut off by an abort (shutdown, a lost lease): not done, kept pending. */
  cutOff: string[];
  recorder: ProgressRecorder | undefined;
  observer: FanOutObserver;
  /** Each tenant's deadline; its `timeoutError` is also what a timed-out tenant is failed with. */
  deadline: DeadlineOptions & { timeoutError: () => Error };
  /** Calls each tenant may have in all: 1 when failures are not retried. */
  attempts: number;
  /** Tenants whose last call failed and who may have another, with the calls they had: filled by each pass. */
  again: TenantTries[];
  retries: ProgressRecorder<TenantTries> | undefined;
  /** Tenants that succeeded on a retry, and the last error of those that failed one, by tenant. */
  recovered: IdSet;
  lastErrors: Map<string, string>;
  /** Tenants called more than once by this run: each once, whatever its number of retries. */
  retried: IdSet;
}

/** How one claimed `@PerTenant()` occurrence ended on this instance. */
export type FanOutResult =
  /** Tenants ran; `undone` (never started, or cut off) is empty unless shutdown or a lost lease cut the run short. */
  | { kind: 'ran'; summary: TenantRunSummary; undone: string[] }
  /** The settings provider failed before any tenant ran. */
  | { kind: 'failed'; error: string; summary: TenantRunSummary }
  /** The pending set could not be read and `lockFailure` is `'skip'`. */
  | { kind: 'lock-error'; error: LockStoreError };

/** Watches a fan-out as it goes (progress, per-tenant spans); every hook is optional and must not throw. */
export interface FanOutObserver {
  /** The tenants to run are known. */
  selected?(total: number): void;
  /** A tenant starts; the returned callback is called once when it ends. */
  tenantStarted?(tenantId: string): (outcome: 'succeeded' | 'failed', error?: unknown) => void;
}

/**
 * Runs one claimed occurrence of a `@PerTenant()` job: select the tenants (list, filter, pending first, shuffle),
 * then a bounded pool, each tenant in its own CLS child context, guard and deadline; finally record what was left
 * undone. Knows nothing about how the occurrence was claimed.
 */
@Injectable()
export class TenantFanOutExecutor implements OnModuleInit {
  private settings?: TenantSettingsProvider;

  constructor(
    @Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions,
    private readonly moduleRef: ModuleRef,
    private readonly pending: PendingTenants,
    private readonly shutdown: ShutdownCoordinator,
    private readonly contextStore: CronContextStore,
    private readonly runLog: RunLog,
    private readonly lock: CoordinatedCronLock,
    private readonly schedules: SchedulesInForce,
    private readonly storeClock: StoreClock,
  ) {}

  async onModuleInit(): Promise<void> {
    const type = this.options.tenantSettings;
    if (type) this.settings = await this.instantiate(type);
  }

  async run(
    job: JobDefinition,
    context: CronContextValue,
    signal: AbortSignal,
    request: FanOutRequest = {},
  ): Promise<FanOutResult> {
    const { progress, observer = {}, only } = request;
    const summary: TenantRunSummary = {
      total: 0,
      succeeded: [],
      failed: [],
      disabled: [],
      unprocessed: [],
      paused: [],
      retried: [],
    };
    const settings = this.settings as TenantSettingsProvider;
    const concurrency = job.perTenant?.concurrency ?? this.options.concurrency;
    const occurrence = new Date(context.occurrence);
    const zones = this.dueZones(job, occurrence);

    const listing = only
      ? namedTenants(only)
      : await listTenants(
          settings,
          job.name,
          zones ? { occurrence, timeZones: zones.timeZones } : { occurrence },
          zones,
        );
    if (listing.kind === 'failed') {
      this.runLog.stepFailed(context, 'listTenants', listing.error);
      return { kind: 'failed', error: `listTenants failed: ${describeError(listing.error)}`, summary };
    }
    if (listing.invalid.length > 0) {
      this.runLog.invalidTenantIds(context, listing.invalid.length, listing.invalid.slice(0, 5));
    }
    // A tenant whose zone is unknown fails, once per tick of the zone of tenants that name none (every instant of a
    // local-time job would be too often, and never would hide it).
    if (zones?.fallbackDue) {
      for (const { tenantId, timeZone } of listing.unknownZones) {
        const error = new Error(
          `unknown time zone ${JSON.stringify(timeZone)}; give an IANA zone such as 'Europe/Berlin'`,
        );
        summary.failed.push({ tenantId, error: error.message });
        this.runLog.failed(withField(context, 'tenantId', tenantId), error);
      }
    }
    // A resumed run only deals with what its predecessor did not finish; `total` counts this attempt's tenants.
    const listed: ListedTenants = listing;
    const waiting = this.stillWaiting(job, progress);
    const done = progress?.done;
    // Tenants waiting for another try are set apart too: they get their retries below, not a first call.
    const resumed: TenantTries[] = [];
    if ((done && done.size > 0) || waiting) {
      const undone: string[] = [];
      await forEachInTurns(listing.tenantIds, (id) => {
        const tries = waiting?.get(id);
        if (tries !== undefined) resumed.push({ tenantId: id, tries });
        if (tries === undefined && !done?.has(id)) undone.push(id);
        else listed.known.delete(id);
      });
      listed.tenantIds = undone;
    }
    for (const { tenantId } of resumed) {
      summary.failed.push({ tenantId, error: 'failed on an earlier attempt of this occurrence' });
    }
    summary.total = listed.tenantIds.length + summary.failed.length;

    // Two reads sent together: what an earlier run left pending, and which tenants are paused. A retry run leaves
    // the pending set to the job's own runs.
    const [pendingBefore, pauses] = await Promise.all([
      only ? NOTHING_PENDING : this.pending.read(job.name),
      this.readPauses(job.name),
    ]);
    for (const read of [pendingBefore, pauses]) {
      if (read.kind === 'failed' && this.options.lockFailure === 'skip') {
        return { kind: 'lock-error', error: read.error as LockStoreError };
      }
    }
    if (pendingBefore.kind === 'failed') this.runLog.pendingReadFailed(context, pendingBefore.error);
    if (pauses.kind === 'failed') this.runLog.pausesReadFailed(context, pauses.error);
    if (pauses.kind === 'read' && pauses.tenantIds.size > 0) {
      summary.paused = await setApart(listed, pauses.tenantIds);
      if (summary.paused.length > 0) this.runLog.tenantsPaused(context, summary.paused);
    }

    const eligibility = await decideEligibility(settings, job.name, listed, concurrency);
    if (eligibility.kind === 'failed') {
      this.runLog.stepFailed(context, 'filterEnabled', eligibility.error);
      return { kind: 'failed', error: `filterEnabled failed: ${describeError(eligibility.error)}`, summary };
    }
    for (const { tenantId, error } of eligibility.undecided) {
      summary.failed.push({ tenantId, error: `eligibility check failed: ${describeError(error)}` });
      this.runLog.eligibilityFailed(withField(context, 'tenantId', tenantId), error);
    }
    if (eligibility.unknown.length > 0) this.runLog.unknownEnabledIds(context, eligibility.unknown);
    summary.disabled = eligibility.disabled;
    if (summary.disabled.length > 0) this.runLog.tenantsDisabled(context, summary.disabled);

    const { order, pendingFirst } = await orderTenants(
      eligibility.enabled,
      pendingBefore.kind === 'read' ? pendingBefore.tenantIds : undefined,
    );
    if (pendingFirst.length > 0) this.runLog.pendingTakenFirst(context, pendingFirst);
    observer.selected?.(order.length);
    const run: TenantRunScope = {
      job,
      summary,
      succeeded: 0,
      cutOff: [],
      recorder: progress?.recorder,
      observer,
      deadline: this.deadlineOf(job, signal),
      attempts: only ? 1 : job.retry.attempts,
      again: resumed,
      retries: progress?.retries,
      recovered: new IdSet(),
      lastErrors: new Map(),
      retried: new IdSet(),
    };
    return this.runTenants(run, context, signal, order, concurrency, pendingBefore, request.retryUntil);
  }

  /** Tenants an earlier attempt left waiting for another try, not finished since, that have a try left. */
  private stillWaiting(job: JobDefinition, progress: TenantProgress | undefined): Map<string, number> | undefined {
    if (!progress?.waiting || progress.waiting.length === 0) return undefined;
    const waiting = new Map<string, number>();
    for (const { tenantId, tries } of progress.waiting) {
      if (tries < job.retry.attempts && !progress.done?.has(tenantId)) waiting.set(tenantId, tries);
    }
    return waiting.size > 0 ? waiting : undefined;
  }

  private deadlineOf(job: JobDefinition, signal: AbortSignal): TenantRunScope['deadline'] {
    const timeoutMs = job.perTenant?.tenantTimeoutMs;
    return { timeoutMs, signal, timeoutError: () => new TenantTimeoutError(`timed out after ${timeoutMs}ms`) };
  }

  private async runTenants(
    run: TenantRunScope,
    context: CronContextValue,
    signal: AbortSignal,
    order: string[],
    concurrency: number,
    pendingBefore: PendingRead,
    retryUntil: Date | undefined,
  ): Promise<FanOutResult> {
    // Without a tenant timeout each handler gets the run's signal itself, and may listen on it (a fetch does): up to
    // `concurrency` listeners at once is by design, not a leak.
    setMaxListeners(concurrency + 10, signal);
    const { summary, cutOff } = run;
    const canStart = () => !this.shutdown.isShuttingDown && !signal.aborted;
    const started = await runPool(order, concurrency, canStart, (tenantId) =>
      this.runTenant(run, withField(context, 'tenantId', tenantId), 1),
    );
    summary.unprocessed = order.slice(started);
    // Tenants still waiting for a try when the run is cut short are kept pending, like those never started.
    const waitingLeft =
      run.again.length > 0 ? await this.retryFailed(run, context, signal, concurrency, retryUntil) : [];
    this.settleRetries(run);
    if (run.succeeded > summary.succeeded.length || run.retried.size > summary.retried.length) {
      summary.counts = { ...tenantCounts(summary), succeeded: run.succeeded, retried: run.retried.size };
    }
    const undone = summary.unprocessed.concat(cutOff, waitingLeft);
    if (undone.length > 0) this.runLog.tenantsLeftUndone(context, summary.unprocessed, cutOff.concat(waitingLeft));
    if (pendingBefore !== NOTHING_PENDING) await this.pending.keep(context, pendingBefore, undone);
    return { kind: 'ran', summary, undone };
  }

  /**
   * Calls the failed tenants again, round after round, each round after the backoff of its try, until none is left
   * with a try, or the next round could not start before `retryUntil`. Each round's tenants are recorded before the
   * wait, so a run taking the occurrence over after a crash goes on with them. Resolves the tenants left waiting when
   * shutdown or a lost lease cut the retries short.
   */
  private async retryFailed(
    run: TenantRunScope,
    context: CronContextValue,
    signal: AbortSignal,
    concurrency: number,
    retryUntil: Date | undefined,
  ): Promise<string[]> {
    const plan = run.job.retry;
    for (let round = run.again; round.length > 0; round = run.again) {
      run.again = [];
      let fewest = Number.POSITIVE_INFINITY;
      for (const entry of round) fewest = Math.min(fewest, entry.tries);
      const waitMs = retryDelayMs(plan, fewest + 1);
      if (!retryUntil || !retryFits(this.storeClock.now().getTime(), waitMs, retryUntil.getTime())) {
        if (retryUntil) this.runLog.outOfRetryTime(context, round.length, retryUntil);
        return [];
      }
      this.runLog.retryingTenants(context, round.length, fewest + 1, waitMs);
      // Both records are written before the wait, not at their usual interval: a holder that dies in the wait
      // hands over tenants that succeeded (never run again) and tenants that wait for their try (run once more).
      await Promise.all([run.recorder?.flush(), run.retries?.flush()]);
      if (!(await this.shutdown.sleep(waitMs, signal))) return round.map((entry) => entry.tenantId);
      const started = await runPool(
        round,
        concurrency,
        () => !this.shutdown.isShuttingDown && !signal.aborted,
        ({ tenantId, tries }) => {
          if (!run.retried.has(tenantId)) {
            run.retried.add(tenantId);
            if (run.retried.size <= MAX_LISTED_IDS) run.summary.retried.push(tenantId);
          }
          return this.runTenant(run, withField(context, 'tenantId', tenantId), tries + 1);
        },
      );
      if (started < round.length) return round.slice(started).map((entry) => entry.tenantId);
    }
    return [];
  }

  /** Each tenant in the report once: one that succeeded on a retry leaves `failed`; one that failed again shows why. */
  private settleRetries(run: TenantRunScope): void {
    const { summary, recovered, lastErrors } = run;
    if (recovered.size === 0 && lastErrors.size === 0) return;
    summary.failed = summary.failed
      .filter((failure) => !recovered.has(failure.tenantId))
      .map((failure) => {
        const error = lastErrors.get(failure.tenantId);
        return error === undefined ? failure : { tenantId: failure.tenantId, error };
      });
  }

  private async runTenant(run: TenantRunScope, tenantContext: CronContextValue, call: number): Promise<void> {
    const tenantId = tenantContext.tenantId as string;
    // A retry is not watched: the progress count and the tenant's span cover its first call.
    const ended = call === 1 ? run.observer.tenantStarted?.(tenantId) : undefined;
    const context = call === 1 ? tenantContext : withField(tenantContext, 'try', call);
    const handler = run.job.handler;
    // No async wrapper around the handler: a million tenants make each extra promise per tenant count.
    const end = await runWithDeadline(
      (tenantSignal) =>
        this.contextStore.runChild(context, () => handler(tenantId, { signal: tenantSignal, context, try: call })),
      run.deadline,
    );
    const failure = this.settleTenant(end, run, context, call);
    ended?.(failure ? 'failed' : 'succeeded', failure);
  }

  /**
   * Books how one call of a tenant ended; returns the error it failed with, if it did. A tenant is recorded done for
   * the occurrence once it succeeded or failed with no try left; one cut off, or waiting for a retry, is not.
   */
  private settleTenant(
    end: DeadlineResult<unknown>,
    run: TenantRunScope,
    context: CronContextValue,
    call: number,
  ): Error | undefined {
    const tenantId = context.tenantId as string;
    switch (end.kind) {
      case 'settled':
        if (end.result.ok) {
          run.recorder?.add(tenantId);
          if (call > 1) run.recovered.add(tenantId);
          // A report lists at most `MAX_LISTED_IDS` ids per kind (summary-cap.ts): past that, counting is enough,
          // and a million-tenant run does not hold a million ids to throw away at the end.
          if (run.succeeded++ < MAX_LISTED_IDS) run.summary.succeeded.push(tenantId);
          return undefined;
        }
        return this.failCall(run, context, call, end.result.error);
      case 'timeout':
        return this.failCall(run, context, call, run.deadline.timeoutError());
      case 'aborted': {
        run.cutOff.push(tenantId);
        const reason = this.shutdown.isShuttingDown
          ? `still running ${this.shutdown.elapsedMs}ms after shutdown began; its signal was aborted and it will be ` +
            'retried by the next run'
          : run.deadline.signal?.reason instanceof RunReplacedError
            ? `the run was ${run.deadline.signal.reason.message}; its signal was aborted and it will be retried`
            : 'the run lost its lease; its signal was aborted and it will be retried';
        this.recordFailure(run, tenantId, call, reason);
        this.runLog.tenantCutOff(context, reason);
        return new Error(reason);
      }
    }
  }

  /** A call that threw or timed out: logged; the tenant waits for another try when it has one left. */
  private failCall(run: TenantRunScope, context: CronContextValue, call: number, error: unknown): Error {
    const tenantId = context.tenantId as string;
    const message = describeError(error);
    this.recordFailure(run, tenantId, call, message);
    this.runLog.failed(context, error);
    if (call < run.attempts) {
      const waiting = { tenantId, tries: call };
      run.again.push(waiting);
      run.retries?.add(waiting);
    } else {
      run.recorder?.add(tenantId);
    }
    return error instanceof Error ? error : new Error(message);
  }

  /** The first failure of a tenant lists it in `failed`; a later one only replaces the error it is listed with. */
  private recordFailure(run: TenantRunScope, tenantId: string, call: number, message: string): void {
    if (call === 1) run.summary.failed.push({ tenantId, error: message });
    else run.lastErrors.set(tenantId, message);
  }

  /** The zones due at this instant, for a local-time job; `undefined` for any other. */
  private dueZones(job: JobDefinition, occurrence: Date): DueZones | undefined {
    const schedule = this.schedules.of(job).schedule;
    if (!(schedule instanceof LocalTimeSchedule)) return undefined;
    return new DueZones(schedule, occurrence, schedule.timeZone ?? processTimeZone());
  }

  /** Every tenant paused for the job: one store call per run, whatever their number. */
  private async readPauses(
    job: string,
  ): Promise<{ kind: 'read'; tenantIds: IdSet } | { kind: 'failed'; error: unknown }> {
    try {
      const { pauses } = await this.lock.readTenantPauses(job);
      return { kind: 'read', tenantIds: new IdSet(pauses.map((pause) => pause.tenantId)) };
    } catch (error) {
      return { kind: 'failed', error };
    }
  }

  /** An app provider of that class is reused; otherwise Nest builds one with the module's visible dependencies. */
  private async instantiate(type: Type<TenantSettingsProvider>): Promise<TenantSettingsProvider> {
    try {
      return this.moduleRef.get(type, { strict: false });
    } catch {
      // Not registered anywhere: create it below.
    }
    try {
      return await this.moduleRef.create(type);
    } catch (error) {
      throw new TenantSettingsUnavailableError(type.name, describeError(error));
    }
  }
}

/** A retry run's pending set: none taken, none kept. */
const NOTHING_PENDING: PendingRead = { kind: 'read', tenantIds: [] };

/** The tenants a retry run was given, as a listing. */
function namedTenants(ids: readonly string[]): TenantListing {
  const tenantIds = [...new Set(ids)];
  return { kind: 'listed', tenantIds, known: new IdSet(tenantIds), invalid: [], unknownZones: [] };
}
