import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { context, metrics, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  CoordinatedCron,
  CoordinatedCronRunner,
  type LockStore,
  MemoryLockStore,
  PerTenant,
  type TenantSettingsProvider,
} from '../../src/index.js';
import { CoordinatedCronRegistry } from '../../src/definition/coordinated-cron.registry.js';
import { OccurrenceExecutor } from '../../src/execution/occurrence.executor.js';
import { createTestApp } from '../support/app.js';

const spans = new InMemorySpanExporter();
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const meterProvider = new MeterProvider({ readers: [reader] });

@Injectable()
class Settings implements TenantSettingsProvider {
  listTenants() {
    return ['t-1', 't-2', 't-3'];
  }
  isEnabled() {
    return true;
  }
}

@Injectable()
class Jobs {
  @CoordinatedCron('plain', '0 * * * *')
  plain() {
    // A span the job opens itself becomes a child of the run span.
    trace.getTracer('job-code').startSpan('job-work').end();
  }

  @CoordinatedCron('broken', '0 * * * *')
  broken() {
    throw new TypeError('no such table');
  }

  @CoordinatedCron('tenants', '0 * * * *')
  @PerTenant()
  tenant(tenantId: string) {
    if (tenantId === 't-2') throw new Error('tenant t-2 is locked');
  }
}

let app: INestApplicationContext;
let runner: CoordinatedCronRunner;
const occurrence = new Date('2026-05-01T10:00:00Z');

/** A store whose claims fail, for the lock-store error counter. */
class FailingClaims extends MemoryLockStore {
  override async claim(): Promise<never> {
    throw new Error('ECONNRESET');
  }
}

beforeAll(async () => {
  // Registered before the app boots: the library takes its meter at boot.
  trace.setGlobalTracerProvider(tracerProvider);
  // What an SDK setup (NodeSDK) registers: the active span follows async code, so a job's spans find their run.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  metrics.setGlobalMeterProvider(meterProvider);
  ({ app } = await createTestApp({
    providers: [Jobs, Settings],
    cache: 'none',
    options: { instanceId: 'node-7', tenantSettings: Settings, traceTenants: true, lockStore: new MemoryLockStore() },
  }));
  runner = app.get(CoordinatedCronRunner);
});

afterAll(async () => {
  await app.close();
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
  trace.disable();
  context.disable();
  metrics.disable();
});

describe('OpenTelemetry with an SDK registered', () => {
  it('opens one span per run with the run identity and outcome; the job’s own spans are its children', async () => {
    spans.reset();
    const report = await runner.trigger('plain', { occurrence });
    const finished = spans.getFinishedSpans();
    const run = finished.find((span) => span.name === 'coordinated-cron.run')!;
    expect(run.attributes).toMatchObject({
      'coordinated_cron.job.name': 'plain',
      'coordinated_cron.occurrence': occurrence.toISOString(),
      'coordinated_cron.run.id': report.runId,
      'service.instance.id': 'node-7',
      'coordinated_cron.outcome': 'completed',
    });
    expect(run.status.code).not.toBe(SpanStatusCode.ERROR);
    const work = finished.find((span) => span.name === 'job-work')!;
    expect(work.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
    expect(work.spanContext().traceId).toBe(run.spanContext().traceId);
  });

  it('records a failed run as an error on its span', async () => {
    spans.reset();
    await runner.trigger('broken', { occurrence });
    const run = spans.getFinishedSpans().find((span) => span.name === 'coordinated-cron.run')!;
    expect(run.status).toMatchObject({ code: SpanStatusCode.ERROR });
    expect(run.attributes['coordinated_cron.outcome']).toBe('failed');
    expect(run.attributes['error.type']).toBeDefined();
    expect(run.events.map((event) => event.name)).toContain('exception');
  });

  it('with traceTenants, a child span per tenant; the run span counts the tenants', async () => {
    spans.reset();
    await runner.trigger('tenants', { occurrence });
    const finished = spans.getFinishedSpans();
    const run = finished.find((span) => span.name === 'coordinated-cron.run')!;
    expect(run.attributes).toMatchObject({
      'coordinated_cron.tenants.total': 3,
      'coordinated_cron.tenants.succeeded': 2,
      'coordinated_cron.tenants.failed': 1,
    });
    const tenants = finished.filter((span) => span.name === 'coordinated-cron.tenant');
    expect(tenants.map((span) => span.attributes['coordinated_cron.tenant.id']).sort()).toEqual(['t-1', 't-2', 't-3']);
    for (const span of tenants) expect(span.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
    const failed = tenants.find((span) => span.attributes['coordinated_cron.tenant.id'] === 't-2')!;
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.attributes['coordinated_cron.tenant.outcome']).toBe('failed');
  });

  it('marks a skipped run with its reason (paused, duplicate)', async () => {
    spans.reset();
    await runner.pause('plain');
    const definition = app.get(CoordinatedCronRegistry).get('plain')!;
    await app.get(OccurrenceExecutor).run(definition, new Date('2026-05-01T11:00:00Z'));
    await runner.resume('plain');
    await runner.trigger('plain', { occurrence });
    const reasons = spans
      .getFinishedSpans()
      .filter((span) => span.name === 'coordinated-cron.run')
      .map((span) => span.attributes['coordinated_cron.skip_reason']);
    expect(reasons).toEqual(['paused', 'duplicate']);
  });

  it('exports runs, run duration, tenants, claim latency and lock-store errors as metrics', async () => {
    const failing = await createTestApp({
      providers: [Jobs, Settings],
      cache: 'none',
      options: { instanceId: 'node-8', tenantSettings: Settings, lockStore: new FailingClaims() as LockStore },
    });
    try {
      await failing.app.get(CoordinatedCronRunner).trigger('plain', { occurrence });
    } finally {
      await failing.app.close();
    }
    await reader.forceFlush();
    const exported = metricExporter.getMetrics();
    const points = (name: string) => dataPoints(exported, name);

    const runs = points('coordinated_cron.runs');
    const count = (attrs: Record<string, string>) =>
      runs
        .filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))
        .reduce((sum, p) => sum + (p.value as number), 0);
    expect(
      count({ 'coordinated_cron.job.name': 'plain', 'coordinated_cron.outcome': 'completed' }),
    ).toBeGreaterThanOrEqual(1);
    expect(count({ 'coordinated_cron.job.name': 'broken', 'coordinated_cron.outcome': 'failed' })).toBe(1);
    expect(count({ 'coordinated_cron.skip_reason': 'paused' })).toBe(1);
    expect(count({ 'coordinated_cron.skip_reason': 'lock-error' })).toBe(1);

    const duration = points('coordinated_cron.run.duration');
    expect(duration.length).toBeGreaterThan(0);
    expect(metricUnit(exported, 'coordinated_cron.run.duration')).toBe('s');

    const tenants = points('coordinated_cron.tenants');
    const tenantCount = (outcome: string) =>
      tenants.find((p) => p.attributes['coordinated_cron.tenant.outcome'] === outcome)?.value;
    expect(tenantCount('succeeded')).toBe(2);
    expect(tenantCount('failed')).toBe(1);

    expect(points('coordinated_cron.claim.duration').length).toBeGreaterThan(0);
    const errors = points('coordinated_cron.lock_store.errors');
    expect(errors).toEqual([
      expect.objectContaining({
        value: 1,
        attributes: expect.objectContaining({
          'coordinated_cron.job.name': 'plain',
          'coordinated_cron.lock_store.operation': 'claim',
          'error.type': 'LockStoreError',
        }),
      }),
    ]);
  });
});

describe('the staleness gauge', () => {
  /** A store whose clock the test moves, counting the ledger reads the gauge makes. */
  class AgingStore extends MemoryLockStore {
    ledgerReads = 0;
    override async readLedger(job: string) {
      this.ledgerReads += 1;
      return super.readLedger(job);
    }
  }

  @Injectable()
  class AgingJobs {
    @CoordinatedCron('aging', '0 * * * *')
    aging() {}

    @CoordinatedCron('never-completed', '0 * * * *')
    neverCompleted() {
      throw new Error('always fails');
    }
  }

  it("reports seconds since each job's last completed run by the store's clock, reading only when collected", async () => {
    let storeNow = Date.now();
    const store = new AgingStore({ now: () => storeNow });
    const aging = await createTestApp({
      providers: [AgingJobs],
      cache: 'none',
      options: { instanceId: 'node-9', lockStore: store },
    });
    const staleness = (job: string) =>
      dataPoints(metricExporter.getMetrics(), 'coordinated_cron.job.staleness').find(
        (point) => point.attributes['coordinated_cron.job.name'] === job,
      );
    try {
      const runner = aging.app.get(CoordinatedCronRunner);
      const hourAgo = new Date(Math.floor(storeNow / 3_600_000) * 3_600_000 - 3_600_000);
      expect((await runner.trigger('aging', { occurrence: hourAgo })).outcome).toBe('completed');
      expect((await runner.trigger('never-completed', { occurrence: hourAgo })).outcome).toBe('failed');
      // The run finished at the store's "now"; 90 s later by the same clock, whatever this process's clock says.
      storeNow += 90_000;

      const readsBefore = store.ledgerReads;
      await reader.forceFlush();
      expect(staleness('aging')?.value).toBe(90);
      expect(metricUnit(metricExporter.getMetrics(), 'coordinated_cron.job.staleness')).toBe('s');
      // No completed run, no point: a made-up number would read as "just ran".
      expect(staleness('never-completed')).toBeUndefined();
      // One ledger read per job, per collection.
      expect(store.ledgerReads - readsBefore).toBe(2);

      storeNow += 30_000;
      await reader.forceFlush();
      expect(staleness('aging')?.value).toBe(120);
      expect(store.ledgerReads - readsBefore).toBe(4);
    } finally {
      await aging.app.close();
    }
    // Once the app is closed, a collection no longer reads its store.
    const readsAfterClose = store.ledgerReads;
    await reader.forceFlush();
    expect(store.ledgerReads).toBe(readsAfterClose);
  });
});

interface Point {
  attributes: Record<string, unknown>;
  value: unknown;
}

function dataPoints(exported: ResourceMetrics[], name: string): Point[] {
  // Cumulative temporality: the last export holds the totals.
  const last = exported[exported.length - 1];
  return last.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((metric) => metric.descriptor.name === name)
    .flatMap((metric) => metric.dataPoints as unknown as Point[]);
}

function metricUnit(exported: ResourceMetrics[], name: string): string | undefined {
  return exported[exported.length - 1].scopeMetrics
    .flatMap((scope) => scope.metrics)
    .find((metric) => metric.descriptor.name === name)?.descriptor.unit;
}
