import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLibraryLine } from './log-lines';

const O = '2026-11-28T03:00:05.000Z';

test('reads a completed per-tenant run summary with its fence, counts and resume', () => {
  const line = parseLibraryLine(
    `job=chaos-per-tenant run=r2 fence=17 occurrence=${O} instance=i1.2 outcome=completed attempt=2 resumed-from=r1 ` +
      'tenants=200 succeeded=150 failed=2 disabled=0 unprocessed=0 duration=812ms',
  );
  assert.deepEqual(line, {
    kind: 'summary',
    job: 'chaos-per-tenant',
    runId: 'r2',
    fence: 17,
    occurrence: O,
    instance: 'i1.2',
    outcome: 'completed',
    attempt: 2,
    resumedFrom: 'r1',
    catchup: false,
    tenants: { total: 200, succeeded: 150, failed: 2, disabled: 0, unprocessed: 0 },
  });
});

test('reads a skip with its reason and a failure with its quoted error', () => {
  const skip = parseLibraryLine(
    `job=j run=r3 occurrence=${O} instance=i0.1 outcome=skipped reason=lock-error duration=1001ms error="timed out after 1000 ms"`,
  );
  assert.equal(skip.kind, 'summary');
  if (skip.kind === 'summary') {
    assert.equal(skip.reason, 'lock-error');
    assert.equal(skip.fence, 0);
    assert.equal(skip.error, 'timed out after 1000 ms');
  }
  const failed = parseLibraryLine(
    `job=j run=r4 fence=9 occurrence=${O} instance=i0.1 outcome=failed catchup=true duration=3ms error="a b=c"`,
  );
  assert.equal(failed.kind === 'summary' && failed.catchup && failed.error, 'a b=c');
});

test('a summary that cannot be read is unreadable, never dropped', () => {
  assert.equal(
    parseLibraryLine(`job=j run=r occurrence=${O} instance=i0.1 outcome=vanished duration=1ms`).kind,
    'unreadable',
  );
  assert.equal(
    parseLibraryLine(`job=j run=r occurrence=${O} instance=i0.1 outcome=skipped duration=1ms`).kind,
    'unreadable',
  );
  assert.equal(
    parseLibraryLine(`job=j run=r occurrence=yesterday instance=i0.1 outcome=completed duration=1ms`).kind,
    'unreadable',
  );
});

test('reads resumes, interruptions, pending tenants, lost leases and catch-up plans', () => {
  assert.deepEqual(
    parseLibraryLine(
      `job=j run=r2 fence=8 resuming occurrence=${O} (attempt 2): run r1 stopped renewing its lease without finishing`,
    ),
    { kind: 'resuming', job: 'j', runId: 'r2', fence: 8, occurrence: O, attempt: 2, resumedFrom: 'r1' },
  );
  assert.deepEqual(
    parseLibraryLine(
      'job=j run=r fence=3 interrupted: unprocessed=2 ids=t001,t002 cut-off=1 cut-off-ids=t009 (kept in the pending set; the next run takes them first)',
    ),
    { kind: 'interrupted', job: 'j', runId: 'r', unprocessed: ['t001', 't002'], cutOff: ['t009'] },
  );
  assert.deepEqual(
    parseLibraryLine('job=j run=r fence=4 2 tenant(s) left unprocessed by an earlier run go first: t001,t002'),
    {
      kind: 'pending-first',
      job: 'j',
      runId: 'r',
      tenants: ['t001', 't002'],
    },
  );
  assert.deepEqual(
    parseLibraryLine(
      'job=j run=r fence=4 could not store 1 unprocessed tenant(s) in the pending set (store down; x); they are: t007',
    ),
    { kind: 'pending-write-failed', job: 'j', runId: 'r', tenants: ['t007'] },
  );
  assert.deepEqual(
    parseLibraryLine(
      "job=j run=r fence=4 running lease lost (taken over); the run's signal is aborted and no new tenant starts",
    ),
    {
      kind: 'lease-lost',
      job: 'j',
      runId: 'r',
      reason: 'taken over',
    },
  );
  assert.deepEqual(parseLibraryLine(`job=j run=- catching up 2 missed occurrence(s) since ${O}: ${O},${O}`), {
    kind: 'catching-up',
    job: 'j',
    occurrences: [O, O],
  });
  assert.deepEqual(parseLibraryLine('2 coordinated cron job(s) scheduled'), { kind: 'other' });
});
