import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { COORDINATED_CRON_RESOLVED_OPTIONS } from '../common/constants.js';
import type { ResolvedCoordinatedCronOptions } from '../options/module-options.js';
import type * as OtelApi from '@opentelemetry/api';
import { describeError } from '../common/describe-error.js';
import { CoordinatedCronLock } from '../coordination/coordinated-cron.lock.js';
import { CoordinatedCronRegistry } from '../definition/coordinated-cron.registry.js';
import { type CronContextValue, type JobRunReport } from '../interfaces/index.js';
import { tenantCounts } from './tenants/summary-cap.js';

type Api = typeof OtelApi;

const INSTRUMENTATION_NAME = 'nestjs-coordinated-cron';

/** Attribute names. `service.instance.id` and `error.type` are OpenTelemetry semantic conventions; the rest are ours. */
export const ATTR = {
  job: 'coordinated_cron.job.name',
  occurrence: 'coordinated_cron.occurrence',
  runId: 'coordinated_cron.run.id',
  instance: 'service.instance.id',
  outcome: 'coordinated_cron.outcome',
  skipReason: 'coordinated_cron.skip_reason',
  tenant: 'coordinated_cron.tenant.id',
  tenantsTotal: 'coordinated_cron.tenants.total',
  tenantsSucceeded: 'coordinated_cron.tenants.succeeded',
  tenantsFailed: 'coordinated_cron.tenants.failed',
  tenantsDisabled: 'coordinated_cron.tenants.disabled',
  tenantsUnprocessed: 'coordinated_cron.tenants.unprocessed',
  tenantsPaused: 'coordinated_cron.tenants.paused',
  tenantOutcome: 'coordinated_cron.tenant.outcome',
  operation: 'coordinated_cron.lock_store.operation',
  errorType: 'error.type',
} as const;

/** The tracing handle of one run; every method is a no-op when `@opentelemetry/api` is not installed. */
export interface RunTrace {
  /** Runs `fn` with the run span as the active span, so spans the job opens become its children. */
  activate<T>(fn: () => T): T;
  /**
   * A child span for one tenant; call the result when the tenant ends. Absent unless `traceTenants` is on and an
   * SDK could be loaded, so an untraced fan-out makes no closure per tenant.
   */
  tenant?: (tenantId: string) => (outcome: 'succeeded' | 'failed', error?: unknown) => void;
  end(report: JobRunReport, durationMs: number, error?: unknown): void;
}

const NO_TRACE: RunTrace = {
  activate: (fn) => fn(),
  end: () => undefined,
};

interface Instruments {
  runs: OtelApi.Counter;
  runDuration: OtelApi.Histogram;
  tenants: OtelApi.Counter;
  claimDuration: OtelApi.Histogram;
  lockErrors: OtelApi.Counter;
  staleness: OtelApi.ObservableGauge;
}

/**
 * Spans and metrics through `@opentelemetry/api`, an optional peer dependency loaded once at boot. Without it, or
 * without an SDK registered, every call lands on a no-op (the API's own no-op tracer and meter), so nothing is paid
 * beyond a function call. The meter is taken at boot: register the SDK's MeterProvider before the app starts.
 */
@Injectable()
export class Telemetry implements OnModuleInit, OnModuleDestroy {
  private api?: Api;
  private tracer?: OtelApi.Tracer;
  private instruments?: Instruments;
  private readonly traceTenants: boolean;

  constructor(
    @Inject(COORDINATED_CRON_RESOLVED_OPTIONS) options: ResolvedCoordinatedCronOptions,
    // The staleness gauge reads each job's ledger, and only when a reader collects it.
    private readonly registry: CoordinatedCronRegistry,
    private readonly lock: CoordinatedCronLock,
  ) {
    this.traceTenants = options.traceTenants;
  }

  async onModuleInit(): Promise<void> {
    try {
      this.api = (await import('@opentelemetry/api')) as Api;
    } catch {
      // Not installed: telemetry stays off.
      return;
    }
    // Interop: under CommonJS the namespace may arrive wrapped in `default`.
    const api = (this.api as Api & { default?: Api }).default ?? this.api;
    this.api = api;
    this.tracer = api.trace.getTracer(INSTRUMENTATION_NAME);
    const meter = api.metrics.getMeter(INSTRUMENTATION_NAME);
    this.instruments = {
      runs: meter.createCounter('coordinated_cron.runs', {
        description: 'Runs of coordinated cron jobs by outcome and skip reason',
        unit: '{run}',
      }),
      runDuration: meter.createHistogram('coordinated_cron.run.duration', {
        description: 'Duration of coordinated cron runs',
        unit: 's',
      }),
      tenants: meter.createCounter('coordinated_cron.tenants', {
        description: 'Tenants of @PerTenant() runs by outcome',
        unit: '{tenant}',
      }),
      claimDuration: meter.createHistogram('coordinated_cron.claim.duration', {
        description: 'Time to claim an occurrence in the lock store',
        unit: 's',
      }),
      lockErrors: meter.createCounter('coordinated_cron.lock_store.errors', {
        description: 'Lock-store calls that failed or timed out',
        unit: '{error}',
      }),
      staleness: meter.createObservableGauge('coordinated_cron.job.staleness', {
        description: "Seconds since each job's last completed run, fleet-wide, by the lock store's clock",
        unit: 's',
      }),
    };
    this.instruments.staleness.addCallback(this.observeStaleness);
  }

  onModuleDestroy(): void {
    // The meter provider outlives the app (it is global): a collection after shutdown must not read a closed store.
    this.instruments?.staleness.removeCallback(this.observeStaleness);
  }

  /**
   * One ledger read per job, each bounded by `lockTimeout`, made only while a metric reader collects. A job with no
   * completed run known has no point; a read that fails leaves its job out of this collection (the store's trouble
   * shows in the lock-store error counter of the runs and in the health check).
   */
  private readonly observeStaleness = async (result: OtelApi.ObservableResult): Promise<void> => {
    const jobs = this.registry.all();
    const reads = await Promise.allSettled(jobs.map((job) => this.lock.readLedger(job.name)));
    reads.forEach((read, index) => {
      const lastCompleted = read.status === 'fulfilled' ? read.value.ledger?.lastCompleted : undefined;
      if (read.status !== 'fulfilled' || !lastCompleted) return;
      // Both instants by the store's clock: the skew of this instance's clock does not enter.
      const seconds = Math.max(0, read.value.serverTimeMs - lastCompleted.finishedAt.getTime()) / 1000;
      result.observe(seconds, { [ATTR.job]: jobs[index].name });
    });
  };

  startRun(context: CronContextValue): RunTrace {
    const api = this.api;
    const tracer = this.tracer;
    if (!api || !tracer) return NO_TRACE;
    const span = tracer.startSpan('coordinated-cron.run', {
      kind: api.SpanKind.INTERNAL,
      attributes: {
        [ATTR.job]: context.jobName,
        [ATTR.occurrence]: context.occurrence,
        [ATTR.runId]: context.runId,
        [ATTR.instance]: context.instanceId,
      },
    });
    const spanContext = api.trace.setSpan(api.context.active(), span);
    const traceTenants = this.traceTenants;
    return {
      activate: (fn) => api.context.with(spanContext, fn),
      tenant: !traceTenants
        ? undefined
        : (tenantId) => {
            // The parent is passed explicitly: without a context manager the active context does not cross awaits.
            const child = tracer.startSpan(
              'coordinated-cron.tenant',
              { attributes: { [ATTR.job]: context.jobName, [ATTR.runId]: context.runId, [ATTR.tenant]: tenantId } },
              spanContext,
            );
            return (outcome, error) => {
              child.setAttribute(ATTR.tenantOutcome, outcome);
              if (error !== undefined) recordError(api, child, error);
              child.end();
            };
          },
      end: (report, _durationMs, error) => {
        span.setAttribute(ATTR.outcome, report.outcome);
        if (report.skipReason) span.setAttribute(ATTR.skipReason, report.skipReason);
        if (report.tenants) {
          // Exact counts: above 10,000 tenants the report's id lists hold only the first 10,000.
          const counts = tenantCounts(report.tenants);
          span.setAttributes({
            [ATTR.tenantsTotal]: report.tenants.total,
            [ATTR.tenantsSucceeded]: counts.succeeded,
            [ATTR.tenantsFailed]: counts.failed,
            [ATTR.tenantsDisabled]: counts.disabled,
            [ATTR.tenantsUnprocessed]: counts.unprocessed,
            [ATTR.tenantsPaused]: counts.paused,
          });
        }
        if (report.outcome === 'failed' || report.skipReason === 'lock-error') {
          recordError(api, span, error ?? new Error(report.error ?? report.outcome));
        }
        span.end();
      },
    };
  }

  /** Metrics of a finished run: one counter and one histogram point, and the tenants by outcome. */
  recordRun(report: JobRunReport, durationMs: number): void {
    const m = this.instruments;
    if (!m) return;
    const attributes: OtelApi.Attributes = { [ATTR.job]: report.jobName, [ATTR.outcome]: report.outcome };
    if (report.skipReason) attributes[ATTR.skipReason] = report.skipReason;
    m.runs.add(1, attributes);
    m.runDuration.record(durationMs / 1000, attributes);
    if (report.tenants) {
      const counts = tenantCounts(report.tenants);
      for (const [outcome, count] of Object.entries(counts)) {
        if (count > 0) m.tenants.add(count, { [ATTR.job]: report.jobName, [ATTR.tenantOutcome]: outcome });
      }
    }
  }

  recordClaim(jobName: string, durationMs: number): void {
    this.instruments?.claimDuration.record(durationMs / 1000, { [ATTR.job]: jobName });
  }

  recordLockError(jobName: string, operation: string, error: unknown): void {
    this.instruments?.lockErrors.add(1, {
      [ATTR.job]: jobName,
      [ATTR.operation]: operation,
      [ATTR.errorType]: errorType(error),
    });
  }
}

function errorType(error: unknown): string {
  return error instanceof Error ? error.constructor.name : typeof error;
}

function recordError(api: Api, span: OtelApi.Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : new Error(describeError(error)));
  span.setAttribute(ATTR.errorType, errorType(error));
  span.setStatus({ code: api.SpanStatusCode.ERROR, message: describeError(error) });
}
