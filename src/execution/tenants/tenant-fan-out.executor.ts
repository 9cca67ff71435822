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
import { type CronContextValue, type TenantRunSummary, type TenantSettingsProvider } from '../../interfaces/index.js';
import type { ResolvedCoordinatedCronOptions } from '../../options/module-options.js';
import { TenantSettingsUnavailableError } from '../errors/tenant-settings-unavailable.error.js';
import { RunLog } from '../run-log.js';
import { ShutdownCoordinator } from '../shutdown.coordinator.js';
import { PendingTenants, type PendingRead } from './pending-tenants.js';
import { MAX_LISTED_IDS, tenantCounts } from './summary-cap.js';
import { decideEligibility, listTenants, type ListedTenants, orderTenants, setApart } from './tenant-selection.js';
import { type ProgressRecorder } from '../recovery/progress-recorder.js';

/** Crash-resume bookkeeping of one run: what an earlier attempt finished, and where this one records its own. */
export interface TenantProgress {
  /** Tenants an attempt that died had finished: not run again. */
  done?: IdSet;
  recorder: ProgressRecorder;
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
  ) {}

  async onModuleInit(): Promise<void> {
    const type = this.options.tenantSettings;
    if (type) this.settings = await this.instantiate(type);
  }

  async run(
    job: JobDefinition,
    context: CronContextValue,
    signal: AbortSignal,
    progress?: TenantProgress,
    observer: FanOutObserver = {},
  ): Promise<FanOutResult> {
    const summary: TenantRunSummary = {
      total: 0,
      succeeded: [],
      failed: [],
      disabled: [],
      unprocessed: [],
      paused: [],
    };
    const settings = this.settings as TenantSettingsProvider;
    const concurrency = job.perTenant?.concurrency ?? this.options.concurrency;
    const occurrence = new Date(context.occurrence);
    const zones = this.dueZones(job, occurrence);

    const listing = await listTenants(
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
    const done = progress?.done;
    if (done && done.size > 0) {
      const undone: string[] = [];
      await forEachInTurns(listing.tenantIds, (id) => {
        if (!done.has(id)) undone.push(id);
        else listed.known.delete(id);
      });
      listed.tenantIds = undone;
    }
    summary.total = listed.tenantIds.length + summary.failed.length;

    // Two reads sent together: what an earlier run left pending, and which tenants are paused.
    const [pendingBefore, pauses] = await Promise.all([this.pending.read(job.name), this.readPauses(job.name)]);
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
    return this.runTenants(
      job,
      context,
      signal,
      summary,
      order,
      concurrency,
      pendingBefore,
      progress?.recorder,
      observer,
    );
  }

  private async runTenants(
    job: JobDefinition,
    context: CronContextValue,
    signal: AbortSignal,
    summary: TenantRunSummary,
    order: string[],
    concurrency: number,
    pendingBefore: PendingRead,
    recorder: ProgressRecorder | undefined,
    observer: FanOutObserver,
  ): Promise<FanOutResult> {
    // Without a tenant timeout each handler gets the run's signal itself, and may listen on it (a fetch does): up to
    // `concurrency` listeners at once is by design, not a leak.
    setMaxListeners(concurrency + 10, signal);
    const timeoutMs = job.perTenant?.tenantTimeoutMs;
    // Everything a tenant needs from its run, made once per run rather than once per tenant.
    const run: TenantRunScope = {
      job,
      summary,
      succeeded: 0,
      cutOff: [],
      recorder,
      observer,
      deadline: { timeoutMs, signal, timeoutError: () => new TenantTimeoutError(`timed out after ${timeoutMs}ms`) },
    };
    const started = await runPool(
      order,
      concurrency,
      () => !this.shutdown.isShuttingDown && !signal.aborted,
      (tenantId) => this.runTenant(run, withField(context, 'tenantId', tenantId)),
    );
    const { cutOff } = run;
    summary.unprocessed = order.slice(started);
    if (run.succeeded > summary.succeeded.length)
      summary.counts = { ...tenantCounts(summary), succeeded: run.succeeded };
    const undone = summary.unprocessed.concat(cutOff);
    if (undone.length > 0) this.runLog.tenantsLeftUndone(context, summary.unprocessed, cutOff);
    await this.pending.keep(context, pendingBefore, undone);
    return { kind: 'ran', summary, undone };
  }

  private async runTenant(run: TenantRunScope, context: CronContextValue): Promise<void> {
    const tenantId = context.tenantId as string;
    const ended = run.observer.tenantStarted?.(tenantId);
    const handler = run.job.handler;
    // No async wrapper around the handler: a million tenants make each extra promise per tenant count.
    const end = await runWithDeadline(
      (tenantSignal) => this.contextStore.runChild(context, () => handler(tenantId, { signal: tenantSignal, context })),
      run.deadline,
    );
    // A tenant whose handler ended, either way, is done for this occurrence; one cut off is not.
    if (end.kind !== 'aborted') run.recorder?.add(tenantId);
    const failure = this.settleTenant(end, run, context);
    ended?.(failure ? 'failed' : 'succeeded', failure);
  }

  /** Books how one tenant ended; returns the error it failed with, if it did. */
  private settleTenant(
    end: DeadlineResult<unknown>,
    run: TenantRunScope,
    context: CronContextValue,
  ): Error | undefined {
    const { summary, cutOff } = run;
    const tenantId = context.tenantId as string;
    switch (end.kind) {
      case 'settled':
        if (end.result.ok) {
          // A report lists at most `MAX_LISTED_IDS` ids per kind (summary-cap.ts): past that, counting is enough,
          // and a million-tenant run does not hold a million ids to throw away at the end.
          if (run.succeeded++ < MAX_LISTED_IDS) summary.succeeded.push(tenantId);
          return undefined;
        }
        return this.failTenant(summary, context, end.result.error);
      case 'timeout':
        return this.failTenant(summary, context, run.deadline.timeoutError());
      case 'aborted': {
        cutOff.push(tenantId);
        const reason = this.shutdown.isShuttingDown
          ? `still running ${this.shutdown.elapsedMs}ms after shutdown began; its signal was aborted and it will be ` +
            'retried by the next run'
          : 'the run lost its lease; its signal was aborted and it will be retried';
        summary.failed.push({ tenantId, error: reason });
        this.runLog.tenantCutOff(context, reason);
        return new Error(reason);
      }
    }
  }

  /** Records the failure and returns it as an `Error` for the observer (a span records errors, not strings). */
  private failTenant(summary: TenantRunSummary, context: CronContextValue, error: unknown): Error {
    const message = describeError(error);
    summary.failed.push({ tenantId: context.tenantId as string, error: message });
    this.runLog.failed(context, error);
    return error instanceof Error ? error : new Error(message);
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
