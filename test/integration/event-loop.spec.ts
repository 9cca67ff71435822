/** @jest-environment ./test/support/real-process-environment.cjs */
import { Injectable } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CoordinatedCron, CoordinatedCronRunner, type JobRunReport, PerTenant } from '../../src/index.js';
import { createTestApp } from '../support/app.js';
import { leaseKey } from '../support/internals.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { staticTenants, tenantIds } from '../support/tenants.js';
import { failOnUnhandledRejections } from '../support/unhandled.js';

/*
 * "No overlap breaks when tenants do not wait on I/O". Tenant handlers that resolve at once settle in microtasks;
 * a fan-out that never hands the event loop a turn runs as one macrotask, lease renewal timers cannot fire, and the
 * running lease expires in Redis a leaseTtl into the run while this instance still runs the job. The pool now hands
 * the loop a turn every 10 ms (common/run-pool.ts); with that turn taken away (`POOL_TURN_MS` made infinite) the
 * second test below fails: the lease is gone one leaseTtl after it was taken.
 *
 * The first test checks the setup itself (the run happened, lasted several lease periods, was watched), so a
 * failure of the second cannot come from a broken harness.
 */
const TENANTS = 500_000;
const LEASE_TTL_MS = 1_500;
/** Renewal runs every third of the TTL; a loop blocked for half the TTL is already close to losing the lease. */
const MAX_LOOP_DELAY_MS = LEASE_TTL_MS / 2;
const POLL_MS = 25;
const JOB = 'instant-tenants';

interface Watched {
  report: JobRunReport;
  /** When the last tenant handler ran: the lease is released only after it, so a gap before it is a loss. */
  lastTenantAt: number;
  samples: Array<{ at: number; ttl: number }>;
  maxLoopDelayMs: number;
}

/** Runs the job once while a separate process polls the lease key, and the event loop's delay is measured. */
async function runWatched(): Promise<Watched> {
  const prefix = uniquePrefix('event-loop');
  let lastTenantAt = 0;
  @Injectable()
  class InstantJobs {
    @CoordinatedCron(JOB, '0 0 1 1 *')
    @PerTenant({ concurrency: 8 })
    handle() {
      // Resolves at once: no I/O, no timer, nothing that would give the event loop a turn.
      lastTenantAt = Date.now();
      return undefined;
    }
  }
  const { app } = await createTestApp({
    providers: [InstantJobs],
    options: { keyPrefix: prefix, leaseTtl: LEASE_TTL_MS, tenantSettings: staticTenants(tenantIds(TENANTS)) },
  });
  const script = fileURLToPath(new URL('../support/key-watcher.mjs', import.meta.url));
  const watcher = spawn(process.execPath, [script, REDIS_URL, leaseKey(prefix, JOB), String(POLL_MS)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const samples: Array<{ at: number; ttl: number }> = [];
  const ready = new Promise<void>((resolve, reject) => {
    watcher.once('exit', (code) => reject(new Error(`key watcher exited early (${code})`)));
    createInterface({ input: watcher.stdout! }).on('line', (line) => {
      if (line === 'ready') return resolve();
      const [at, ttl] = line.split(' ').map(Number);
      samples.push({ at, ttl });
    });
  });
  const exited = new Promise<void>((resolve) => watcher.once('exit', () => resolve()));
  try {
    await ready;
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    const report = await app.get(CoordinatedCronRunner).trigger(JOB, { occurrence: new Date('2026-01-01T00:00:00Z') });
    histogram.disable();
    // Let the watcher's last samples in before it stops.
    await new Promise((resolve) => setTimeout(resolve, 3 * POLL_MS));
    return { report, samples, maxLoopDelayMs: histogram.max / 1e6, lastTenantAt };
  } finally {
    watcher.stdin!.end();
    await exited;
    await app.close();
    await deleteKeys(REDIS_URL, prefix);
  }
}

describe(`a @PerTenant run of ${TENANTS} tenants that never wait on I/O, leaseTtl ${LEASE_TTL_MS} ms`, () => {
  failOnUnhandledRejections();
  let watched: Watched | undefined;

  it('runs every tenant, for several lease periods, watched from another process all along (the setup holds)', async () => {
    watched = await runWatched();
    const { report, samples } = watched;
    expect(report.outcome).toBe('completed');
    // Above 10,000 tenants the report lists the first 10,000 ids and keeps the exact counts.
    expect(report.tenants?.counts).toEqual({
      succeeded: TENANTS,
      failed: 0,
      disabled: 0,
      unprocessed: 0,
      paused: 0,
      retried: 0,
    });
    expect(report.tenants?.succeeded).toHaveLength(10_000);
    expect(new Set(report.tenants?.succeeded).size).toBe(10_000);
    const runMs = Date.parse(report.finishedAt) - Date.parse(report.startedAt);
    // About four lease periods on the 2-core machine it was written on; 1.5 leaves room for a faster one.
    expect(runMs).toBeGreaterThan(1.5 * LEASE_TTL_MS);
    // The lease was seen, and the watcher kept sampling through the whole run.
    expect(samples.some((s) => s.ttl > 0)).toBe(true);
    const during = samples.filter((s) => s.at >= Date.parse(report.startedAt) && s.at <= Date.parse(report.finishedAt));
    expect(during.length).toBeGreaterThan(runMs / POLL_MS / 4);
  }, 180_000);

  it('keeps its running lease in Redis throughout, and the event loop never stalls past half the lease', () => {
    expect(watched).toBeDefined();
    const { report, samples, maxLoopDelayMs } = watched!;
    const leaseSeenAt = samples.find((s) => s.ttl > 0)!.at;
    // From the first sighting of the lease to just before its release at the end of the run.
    // The release comes after the last tenant and the run's closing store calls; on a loaded machine that can be
    // long before the report's finishedAt is stamped, so the window ends at the last tenant.
    const releasedBy = watched!.lastTenantAt;
    const missing = samples.filter((s) => s.at >= leaseSeenAt && s.at < releasedBy && s.ttl <= 0);
    const firstMissing = missing[0] ? `${missing[0].at - Date.parse(report.startedAt)}ms into the run` : 'never';
    expect({ missingSamples: missing.length, firstMissing }).toEqual({ missingSamples: 0, firstMissing: 'never' });
    expect(maxLoopDelayMs).toBeLessThanOrEqual(MAX_LOOP_DELAY_MS);
  });
});
