import { capTenantSummary, MAX_LISTED_IDS } from './summary-cap.js';
import { formatRunSummary } from '../run-log.js';
import type { JobRunReport, TenantRunSummary } from '../../index.js';

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe('capTenantSummary', () => {
  it('leaves a summary of up to 10,000 ids per list exactly as it was', () => {
    const summary: TenantRunSummary = {
      total: MAX_LISTED_IDS + 1,
      succeeded: ids('s', MAX_LISTED_IDS),
      failed: [{ tenantId: 'f-0', error: 'boom' }],
      disabled: [],
      unprocessed: [],
      paused: [],
      retried: [],
    };
    expect(capTenantSummary(summary)).toBe(summary);
  });

  it('keeps the counts of a summary capped while it was made, and still caps its other lists', () => {
    const summary: TenantRunSummary = {
      total: 30_000,
      succeeded: ids('s', MAX_LISTED_IDS),
      failed: [],
      disabled: ids('d', MAX_LISTED_IDS + 5),
      unprocessed: [],
      paused: [],
      retried: [],
      counts: { succeeded: 19_995, failed: 0, disabled: MAX_LISTED_IDS + 5, unprocessed: 0, paused: 0, retried: 0 },
    };
    const capped = capTenantSummary(summary);
    expect(capped.counts).toEqual(summary.counts);
    expect(capped.succeeded).toHaveLength(MAX_LISTED_IDS);
    expect(capped.disabled).toHaveLength(MAX_LISTED_IDS);
  });

  it('above 10,000 keeps the first 10,000 of each list and the exact counts; the summary line shows the counts', () => {
    const summary: TenantRunSummary = {
      total: 1_000_000,
      succeeded: ids('s', 999_000),
      failed: ids('f', 500).map((tenantId) => ({ tenantId, error: 'boom' })),
      disabled: ids('d', 400),
      unprocessed: ids('u', 100),
      paused: ids('p', MAX_LISTED_IDS + 1),
      retried: ids('f', 300),
    };
    const capped = capTenantSummary(summary);
    expect(capped.succeeded).toHaveLength(MAX_LISTED_IDS);
    expect(capped.succeeded[0]).toBe('s-0');
    expect(capped.failed).toHaveLength(500);
    expect(capped.paused).toHaveLength(MAX_LISTED_IDS);
    expect(capped.counts).toEqual({
      succeeded: 999_000,
      failed: 500,
      disabled: 400,
      unprocessed: 100,
      paused: MAX_LISTED_IDS + 1,
      retried: 300,
    });
    const report = {
      jobName: 'big',
      runId: 'r',
      occurrence: '2026-01-01T00:00:00.000Z',
      instanceId: 'i',
      outcome: 'completed',
      startedAt: '',
      finishedAt: '',
      attempt: 1,
      fencingToken: 7,
      tenants: capped,
    } satisfies JobRunReport;
    expect(formatRunSummary(report, 10)).toContain(
      'tenants=1000000 succeeded=999000 failed=500 disabled=400 unprocessed=100 paused=10001 retried=300',
    );
  });
});
