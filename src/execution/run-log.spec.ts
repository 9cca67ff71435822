import { type JobRunReport } from '../interfaces/index.js';
import { formatRunSummary, runTag, summaryLevel } from './run-log.js';

const base: JobRunReport = {
  jobName: 'j',
  runId: 'r1',
  occurrence: '2026-11-28T03:00:00.000Z',
  instanceId: 'i1',
  outcome: 'completed',
  startedAt: '2026-11-28T03:00:00.000Z',
  finishedAt: '2026-11-28T03:00:01.000Z',
  attempt: 1,
  fencingToken: 7,
};
const tenants = (failed: number) => ({
  total: 3,
  succeeded: ['a'],
  failed: Array.from({ length: failed }, (_, i) => ({ tenantId: `f${i}`, error: 'x' })),
  disabled: [],
  unprocessed: [],
  paused: [],
  retried: [],
});

describe('summaryLevel', () => {
  it.each<[string, Partial<JobRunReport>, string]>([
    ['a completed run', {}, 'log'],
    [
      'a duplicate skip (every losing instance, every occurrence)',
      { outcome: 'skipped', skipReason: 'duplicate' },
      'debug',
    ],
    ['a shutting-down skip', { outcome: 'skipped', skipReason: 'shutting-down' }, 'debug'],
    ['an overlap skip', { outcome: 'skipped', skipReason: 'overlap' }, 'warn'],
    ['a late tick (this clock runs behind)', { outcome: 'skipped', skipReason: 'late' }, 'warn'],
    ['a tick of a schedule changed meanwhile', { outcome: 'skipped', skipReason: 'rescheduled' }, 'log'],
    ['a paused skip', { outcome: 'skipped', skipReason: 'paused' }, 'log'],
    ['an interrupted run', { outcome: 'interrupted' }, 'warn'],
    ['a completed run with failed tenants', { tenants: tenants(1) }, 'warn'],
    ['a failed run', { outcome: 'failed', error: 'boom' }, 'error'],
    ['a lock-error skip', { outcome: 'skipped', skipReason: 'lock-error' }, 'error'],
  ])('%s logs at %s', (_, change, level) => {
    expect(summaryLevel({ ...base, ...change })).toBe(level);
  });
});

describe('formatRunSummary', () => {
  it('starts with the identity and ends with the duration and any error', () => {
    const line = formatRunSummary({ ...base, outcome: 'failed', error: 'said "no"', tenants: tenants(2) }, 1234);
    expect(line).toBe(
      'job=j run=r1 fence=7 occurrence=2026-11-28T03:00:00.000Z instance=i1 outcome=failed tenants=3 succeeded=1 failed=2 ' +
        'disabled=0 unprocessed=0 duration=1234ms error="said \\"no\\""',
    );
  });

  it('names the skip reason', () => {
    expect(formatRunSummary({ ...base, outcome: 'skipped', skipReason: 'overlap' }, 3)).toContain(
      'outcome=skipped reason=overlap duration=3ms',
    );
  });
});

describe('runTag', () => {
  it('adds the tenant only on tenant lines, and the fencing token once a claim handed one out', () => {
    expect(runTag(base)).toBe('job=j run=r1 fence=7');
    expect(runTag({ ...base, tenantId: 't9' })).toBe('job=j run=r1 fence=7 tenant=t9');
    expect(runTag({ ...base, fencingToken: undefined })).toBe('job=j run=r1');
  });
});
