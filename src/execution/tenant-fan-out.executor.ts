import { Inject, Injectable, type OnModuleInit, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { COORDINATED_CRON_RESOLVED_OPTIONS } from '../coordinated-cron.constants.js';
import * as messages from '../coordinated-cron.messages.js';
import type { ResolvedCoordinatedCronOptions } from '../coordinated-cron.options.js';
import { CronContextStore } from '../context/cron-context.store.js';
import { CoordinatedCronConfigurationError, LockStoreError, TenantTimeoutError } from '../errors/index.js';
import { type CronContextValue, type TenantRunSummary, type TenantSettingsProvider } from '../interfaces/index.js';
import { type JobDefinition } from '../interfaces/job-definition.interface.js';
import { CoordinatedCronLock } from '../locking/coordinated-cron.lock.js';
import { describeError } from '../utils/error-message.js';
import { shuffleInPlace } from '../utils/shuffle.js';
import { ErrorReporter } from './error-reporter.js';
import { settle, type Settled } from './settle.js';
import { ShutdownCoordinator } from './shutdown.coordinator.js';
import { runPool } from './tenant-pool.js';

export interface FanOutResult {
  summary: TenantRunSummary;
  /** Tenants the next run takes first: never started, or cut off while running. */
  retry: string[];
  /** Why the run failed before any tenant ran (the provider threw). */
  failure?: string;
  /** The pending set could not be read and `lockFailure` is `'skip'`. */
  lockError?: LockStoreError;
}

type TenantOutcome = Settled<unknown> | 'timeout' | 'aborted';

/** What one run's fan-out shares between its tenants. */
interface FanOut {
  job: JobDefinition;
  context: CronContextValue;
  signal: AbortSignal;
  summary: TenantRunSummary;
  cutOff: string[];
  /** Resolvers of the tenants in flight, so an abort can stop waiting for all of them at once. */
  inFlight: Set<(outcome: TenantOutcome) => void>;
}

/**
 * Runs one claimed occurrence of a `@PerTenant()` job: list, filter, pending first, shuffle, bounded pool, each
 * tenant in its own CLS child context and guard. Knows nothing about how the occurrence was claimed.
 */
@Injectable()
export class TenantFanOutExecutor implements OnModuleInit {
  private settings?: TenantSettingsProvider;

  constructor(
    @Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions,
    private readonly moduleRef: ModuleRef,
    private readonly lock: CoordinatedCronLock,
    private readonly shutdown: ShutdownCoordinator,
    private readonly contextStore: CronContextStore,
    private readonly reporter: ErrorReporter,
  ) {}

  async onModuleInit(): Promise<void> {
    const type = this.options.tenantSettings;
    if (type) this.settings = await this.instantiate(type);
  }

  async run(job: JobDefinition, context: CronContextValue, signal: AbortSignal): Promise<FanOutResult> {
    const summary: TenantRunSummary = { total: 0, succeeded: [], failed: [], disabled: [], unprocessed: [] };
    const settings = this.settings as TenantSettingsProvider;

    const listed = await settle(async () => this.validIds(await settings.listTenants(job.name), context));
    if (!listed.ok) {
      const error = describeError(listed.error);
      this.reporter.report(listed.error, context, messages.listingFailed(context, error));
      return { summary, retry: [], failure: `listTenants failed: ${error}` };
    }
    const tenantIds = listed.value;
    summary.total = tenantIds.length;

    let pending: string[] | undefined;
    try {
      pending = await this.lock.readPending(job.name);
    } catch (error) {
      if (this.options.lockFailure === 'skip') return { summary, retry: [], lockError: error as LockStoreError };
      this.reporter.report(error, context, messages.pendingReadFailed(context, describeError(error)));
    }

    const enabled = await this.enabledTenants(settings, job, context, tenantIds, summary);
    if (typeof enabled === 'string') return { summary, retry: [], failure: enabled };
    if (summary.disabled.length > 0) {
      this.reporter.logger.log(messages.disabledTenants(context, summary.disabled.length));
      this.reporter.logger.debug(messages.disabledTenantIds(context, summary.disabled));
    }

    const order = this.order(enabled, pending, context);
    const fanOut: FanOut = { job, context, signal, summary, cutOff: [], inFlight: new Set() };
    const stopWaiting = () => {
      for (const resolve of fanOut.inFlight) resolve('aborted');
    };
    signal.addEventListener('abort', stopWaiting, { once: true });
    let started: number;
    try {
      started = await runPool(
        order,
        job.perTenant?.concurrency ?? this.options.concurrency,
        () => !this.shutdown.isShuttingDown && !signal.aborted,
        (tenantId) => this.runTenant(fanOut, tenantId),
      );
    } finally {
      signal.removeEventListener('abort', stopWaiting);
    }
    summary.unprocessed = order.slice(started);
    const retry = summary.unprocessed.concat(fanOut.cutOff);
    if (retry.length > 0) this.reporter.logger.warn(messages.unprocessedTenants(context, summary.unprocessed, fanOut.cutOff));
    await this.keepPending(job, context, pending, retry);
    return { summary, retry };
  }

  /** Pending tenants (from an interrupted run) that are still enabled go first; the rest follow, shuffled. */
  private order(enabled: string[], pending: string[] | undefined, context: CronContextValue): string[] {
    if (!pending || pending.length === 0) return shuffleInPlace(enabled);
    const wasPending = new Set(pending);
    const first = shuffleInPlace(enabled.filter((id) => wasPending.has(id)));
    const rest = shuffleInPlace(enabled.filter((id) => !wasPending.has(id)));
    if (first.length > 0) this.reporter.logger.log(messages.pendingTakenFirst(context, first));
    return first.concat(rest);
  }

  /** The pending set becomes exactly what this run leaves undone; unchanged-and-empty costs no store call. */
  private async keepPending(
    job: JobDefinition,
    context: CronContextValue,
    pendingBefore: string[] | undefined,
    retry: string[],
  ): Promise<void> {
    // Old contents unknown (the read failed under lockFailure 'run'): left alone unless this run has tenants to
    // keep, which then replace them.
    if (retry.length === 0 && (pendingBefore === undefined || pendingBefore.length === 0)) return;
    try {
      await this.lock.writePending(job.name, retry);
    } catch (error) {
      this.reporter.report(error, context, messages.pendingWriteFailed(context, retry, describeError(error)));
    }
  }

  private async runTenant(fanOut: FanOut, tenantId: string): Promise<void> {
    const { job, signal: runSignal, summary } = fanOut;
    const context: CronContextValue = { ...fanOut.context, tenantId };
    const timeoutMs = job.perTenant?.tenantTimeoutMs;
    let signal = runSignal;
    let controller: AbortController | undefined;
    let timer: NodeJS.Timeout | undefined;
    const forwardAbort = () => controller?.abort(runSignal.reason);
    if (timeoutMs !== undefined) {
      controller = new AbortController();
      signal = controller.signal;
      runSignal.addEventListener('abort', forwardAbort, { once: true });
    }

    let settleTenant!: (outcome: TenantOutcome) => void;
    const outcome = new Promise<TenantOutcome>((resolve) => (settleTenant = resolve));
    fanOut.inFlight.add(settleTenant);
    if (timeoutMs !== undefined) timer = setTimeout(() => settleTenant('timeout'), timeoutMs);
    void settle(() => this.contextStore.runChild(context, async () => job.handler(tenantId, { signal, context }))).then(
      settleTenant,
    );

    const result = await outcome;
    fanOut.inFlight.delete(settleTenant);
    if (timer) clearTimeout(timer);
    if (controller) runSignal.removeEventListener('abort', forwardAbort);

    if (result === 'timeout') {
      const error = new TenantTimeoutError(messages.tenantTimedOut(timeoutMs as number));
      controller?.abort(error);
      this.failTenant(summary, context, error);
    } else if (result === 'aborted') {
      fanOut.cutOff.push(tenantId);
      const error = this.shutdown.isShuttingDown
        ? messages.tenantAbortedAtShutdown(this.shutdown.elapsedMs)
        : messages.tenantAbortedOnLeaseLoss();
      summary.failed.push({ tenantId, error });
      this.reporter.logger.warn(messages.runFailed(context, error));
    } else if (result.ok) {
      summary.succeeded.push(tenantId);
    } else {
      this.failTenant(summary, context, result.error);
    }
  }

  private failTenant(summary: TenantRunSummary, context: CronContextValue, error: unknown): void {
    const text = describeError(error);
    summary.failed.push({ tenantId: context.tenantId as string, error: text });
    this.reporter.report(error, context, messages.runFailed(context, text));
  }

  /**
   * Splits the listed tenants into enabled and disabled (into `summary`). A batch `filterEnabled` that throws fails
   * the run (returns its message); an `isEnabled` that throws or answers a non-boolean fails that tenant alone.
   */
  private async enabledTenants(
    settings: TenantSettingsProvider,
    job: JobDefinition,
    context: CronContextValue,
    tenantIds: string[],
    summary: TenantRunSummary,
  ): Promise<string[] | string> {
    if (typeof settings.filterEnabled === 'function') {
      const filtered = await settle(() => settings.filterEnabled!(job.name, [...tenantIds]));
      if (!filtered.ok || !Array.isArray(filtered.value)) {
        const error = filtered.ok ? new TypeError('filterEnabled did not return an array') : filtered.error;
        const text = describeError(error);
        this.reporter.report(error, context, messages.filteringFailed(context, text));
        return `filterEnabled failed: ${text}`;
      }
      const listed = new Set(tenantIds);
      const chosen = new Set<string>();
      const unknown: string[] = [];
      for (const id of filtered.value as unknown[]) {
        if (typeof id === 'string' && listed.has(id)) chosen.add(id);
        else unknown.push(String(id));
      }
      if (unknown.length > 0) this.reporter.logger.warn(messages.unknownEnabledIds(context, unknown));
      const enabled: string[] = [];
      for (const id of tenantIds) (chosen.has(id) ? enabled : summary.disabled).push(id);
      return enabled;
    }

    const verdicts = new Map<string, boolean>();
    await runPool(
      tenantIds,
      job.perTenant?.concurrency ?? this.options.concurrency,
      () => true,
      async (tenantId) => {
        const answer = await settle(() => settings.isEnabled(job.name, tenantId));
        const tenantContext = { ...context, tenantId };
        if (answer.ok && typeof answer.value === 'boolean') {
          verdicts.set(tenantId, answer.value);
          return;
        }
        const error = answer.ok ? new TypeError(messages.eligibilityNotBoolean(answer.value)) : answer.error;
        const text = describeError(error);
        summary.failed.push({ tenantId, error: `eligibility check failed: ${text}` });
        this.reporter.report(error, tenantContext, messages.eligibilityFailed(tenantContext, text));
      },
    );
    const enabled: string[] = [];
    for (const id of tenantIds) {
      const verdict = verdicts.get(id);
      if (verdict === true) enabled.push(id);
      else if (verdict === false) summary.disabled.push(id);
    }
    return enabled;
  }

  /** Distinct non-empty string ids; anything else is bad data, logged and dropped. Throws if not iterable. */
  private validIds(listed: Iterable<string>, context: CronContextValue): string[] {
    const ids = new Set<string>();
    const invalid: unknown[] = [];
    for (const id of listed as Iterable<unknown>) {
      if (typeof id === 'string' && id !== '') ids.add(id);
      else invalid.push(id);
    }
    if (invalid.length > 0) {
      this.reporter.logger.error(messages.invalidTenantIds(context, invalid.length, invalid.slice(0, 5)));
    }
    return [...ids];
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
      throw new CoordinatedCronConfigurationError(messages.tenantSettingsUnavailable(type.name, describeError(error)));
    }
  }
}
