import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HistoryBuilder } from './history-builder';
import { failuresMatching, fleet, healthy, ranOnce } from './scenes';
import { judge, type Verdict } from './verdict';

test('a healthy history passes, with every due tick run once', () => {
  const v = judge(healthy().build());
  assert.deepEqual(v.failures, []);
  assert.equal(v.ok, true);
  assert.equal(v.figures.jobs['chaos-every-second'].due, 3);
  assert.equal(v.figures.jobs['chaos-every-second'].ranOnce, 3);
  assert.equal(v.figures.fencing.accepted, 3);
});

test('an empty run cannot pass: nothing ran, nothing was written, no fault was injected', () => {
  const b = new HistoryBuilder({}, { plannedFaults: 3 }).phases().process('i0.1', 100);
  b.signal('i0.1', 100, 4500, 'SIGTERM').exit('i0.1', 100, 4600, 0, null);
  const v = judge(b.build());
  assert.equal(v.ok, false);
  assert.equal(failuresMatching(v, /no due occurrence ran/).length, 1);
  assert.equal(failuresMatching(v, /none of the 3 planned faults/).length, 1);
  assert.equal(failuresMatching(v, /3 due occurrence\(s\) lost/).length, 1);
});

test('a run that never reached its stop cannot be judged', () => {
  const b = new HistoryBuilder().process('i0.1', 100);
  assert.equal(failuresMatching(judge(b.build()), /did not go through all its phases/).length, 1);
});

test('a tick with only duplicate skips and no run is lost; a lock error is a reason that holds', () => {
  const b = fleet(new HistoryBuilder({}, { plannedFaults: 1 }));
  ranOnce(b, 1000, 1);
  b.skip('i0.1', 2100, 2000, 'duplicate').skip('i1.1', 2100, 2000, 'duplicate');
  ranOnce(b, 3000, 2);
  const lost = judge(b.build());
  assert.equal(lost.ok, false);
  assert.match(failuresMatching(lost, /lost/)[0], /2026-01-01T00:00:02\.000Z.*i0\.1 reported duplicate/);

  const skipped = fleet(new HistoryBuilder({}, { plannedFaults: 1 }));
  ranOnce(skipped, 1000, 1);
  skipped.skip('i0.1', 2100, 2000, 'lock-error').skip('i1.1', 2100, 2000, 'duplicate');
  ranOnce(skipped, 3000, 2);
  const v = judge(skipped.build());
  assert.deepEqual(v.failures, []);
  assert.deepEqual(v.figures.jobs['chaos-every-second'].skipped, { 'lock-error': 1 });
});

test('an overlap holds only while a run of an earlier occurrence may hold the lease', () => {
  // The run of tick 1000 lasts until 2300: the overlap skip of tick 2000 at 2100 holds.
  const held = fleet(new HistoryBuilder({}, { plannedFaults: 1 }));
  held.plainRun('i0.1', { runId: 'long', occurrence: 1000, token: 1, start: 1050, end: 2300 });
  held.skip('i1.1', 2100, 2000, 'overlap');
  ranOnce(held, 3000, 2);
  assert.deepEqual(judge(held.build()).failures, []);

  // The same skip with the earlier run long over (and only a later run, the fast-clock case) is untrue: lost.
  const untrue = fleet(new HistoryBuilder({}, { plannedFaults: 1 }));
  ranOnce(untrue, 1000, 1);
  untrue.plainRun('i0.1', { runId: 'later', occurrence: 3000, token: 2, start: 1950, end: 2500 });
  untrue.skip('i1.1', 2100, 2000, 'overlap');
  const v = judge(untrue.build());
  assert.equal(v.ok, false);
  assert.match(
    failuresMatching(v, /lost/)[0],
    /overlap \(not borne out by the history: no run of an earlier occurrence held the lease\)/,
  );
  assert.match(failuresMatching(v, /before their tick/)[0], /1050 ms early/);
  assert.deepEqual(v.figures.jobs['chaos-every-second'].untrueSkips, { overlap: 1 });
});

/** i1.1 resumes i0.1's run `a` of tick 1000 with `token`, from 1700 to 1800. */
function resumeAt1700(b: HistoryBuilder, token: number): void {
  b.plainRun('i1.1', { runId: 'b', occurrence: 1000, token, start: 1700, end: 1800, attempt: 2, resumedFrom: 'a' });
}

/**
 * i0.1 holds tick 1000 with token 5 and is stopped; i1.1 resumes it with `resumeToken`; i0.1 wakes and writes before
 * anyone else has written since.
 */
function takeover(resumeToken: number): Verdict {
  const b = fleet(new HistoryBuilder({}, { plannedFaults: 1 }));
  b.plainRun('i0.1', { runId: 'a', occurrence: 1000, token: 5, start: 1050 });
  b.signal('i0.1', 100, 1100, 'SIGSTOP');
  resumeAt1700(b, resumeToken);
  b.signal('i0.1', 100, 1900, 'SIGCONT');
  b.lateWrite('i0.1', 1910, { runId: 'a', occurrence: 1000, token: 5 });
  ranOnce(b, 2000, 7, 'i1.1');
  ranOnce(b, 3000, 8, 'i1.1');
  return judge(b.build());
}

test('a takeover that keeps the old token fails fencing: tokens not rising, and a stale write accepted', () => {
  const v = takeover(5);
  assert.equal(v.ok, false);
  assert.match(failuresMatching(v, /fencing token not above/)[0], /^1 run.*i1\.1 got 5 .* after i0\.1 got 5/);
  assert.match(failuresMatching(v, /accepted 1 write\(s\) of a run already replaced/)[0], /token 5 from i0\.1/);
  assert.equal(v.figures.jobs['chaos-every-second'].ranTwice, 1);
  assert.equal(v.figures.jobs['chaos-every-second'].ranTwiceUnexplained, 0);
});

test('the same takeover with a new token passes, and the stale holder is refused', () => {
  const v = takeover(6);
  assert.deepEqual(v.failures, []);
  assert.deepEqual(v.figures.jobs['chaos-every-second'].supersededWrites, { occurrences: 1, refused: 1, accepted: 0 });
});

/**
 * i0.1 wins tick 1000 with token 5 and is stopped before its first record; i1.1 resumes it with `resumeToken` at
 * 1700; i0.1 wakes at 2880 and starts its body then, its first record long after the resume's.
 */
function stoppedRightAfterGrant(resumeToken: number): Verdict {
  const b = fleet(new HistoryBuilder({}, { plannedFaults: 1 }));
  b.signal('i0.1', 100, 1060, 'SIGSTOP');
  resumeAt1700(b, resumeToken);
  b.signal('i0.1', 100, 2880, 'SIGCONT');
  b.plainRun('i0.1', { runId: 'a', occurrence: 1000, token: 5, start: 2900, end: 3000 });
  ranOnce(b, 2000, 7, 'i1.1');
  ranOnce(b, 3000, 8, 'i1.1');
  return judge(b.build());
}

test('a resume is granted after the run it took over, even when that run records nothing until it wakes', () => {
  const v = stoppedRightAfterGrant(6);
  assert.deepEqual(v.failures, []);
  const tick = v.occurrences.find((o) => o.occurrenceMs === Date.parse('2026-01-01T00:00:01.000Z'));
  const twice = tick?.status.kind === 'ran' ? tick.status.twice : undefined;
  assert.deepEqual(
    twice?.map((d) => [d.first.runId, d.second.runId, d.cause?.text]),
    [['a', 'b', 'i0.1 stopped']],
  );
  assert.deepEqual(v.figures.jobs['chaos-every-second'].supersededWrites, { occurrences: 1, refused: 1, accepted: 0 });

  const kept = stoppedRightAfterGrant(5);
  assert.match(failuresMatching(kept, /fencing token not above/)[0], /i1\.1 got 5 .* after i0\.1 got 5/);
  assert.match(failuresMatching(kept, /accepted 1 write\(s\) of a run already replaced/)[0], /token 5 from i0\.1/);
});

test('tokens that go back after a store restart fail: the newest run is refused by the sink', () => {
  const b = fleet(new HistoryBuilder({}, { persistence: false, plannedFaults: 1 }));
  ranOnce(b, 1000, 41);
  b.signal('store', 99, 1500, 'SIGKILL').exit('store', 99, 1501, null, 'SIGKILL').storeUp(1700);
  ranOnce(b, 2000, 1);
  ranOnce(b, 3000, 2);
  const v = judge(b.build());
  assert.equal(v.ok, false);
  assert.equal(v.figures.fencing.order, 2);
  assert.match(failuresMatching(v, /refused 2 write\(s\) of the newest run/)[0], /highest seen 41/);
});

test('a sink that accepts a token below its highest is caught', () => {
  const b = healthy();
  b.lateWrite('i0.1', 3500, { runId: 'r1000', occurrence: 1000, token: 1 }, true);
  const v = judge(b.build());
  assert.equal(v.figures.fencing.belowHighest, 1);
  assert.equal(v.ok, false);
});

test('a second run of a tick needs a cause: a fault on the first holder, or a claim the store forgot', () => {
  const twice = (b: HistoryBuilder): Verdict => {
    ranOnce(b, 1000, 1);
    b.plainRun('i1.1', { runId: 'again', occurrence: 1000, token: 2, start: 1700, end: 1800 });
    ranOnce(b, 2000, 3);
    ranOnce(b, 3000, 4);
    return judge(b.build());
  };
  const bare = twice(fleet(new HistoryBuilder({}, { plannedFaults: 1 })));
  assert.equal(bare.ok, false);
  assert.equal(failuresMatching(bare, /run twice where nothing explains/).length, 1);

  const crashed = fleet(new HistoryBuilder({}, { plannedFaults: 1 }));
  crashed.signal('store', 99, 1300, 'SIGKILL').exit('store', 99, 1301, null, 'SIGKILL').storeUp(1500);
  assert.deepEqual(twice(crashed).failures, []);

  // A clean restart with persistence forgets nothing: no excuse.
  const clean = fleet(new HistoryBuilder({}, { plannedFaults: 1 }));
  clean.signal('store', 99, 1300, 'SIGTERM').exit('store', 99, 1301, 0, null).storeUp(1500);
  assert.equal(twice(clean).ok, false);

  // PostgreSQL commits a claim before it answers: its immediate shutdown forgets nothing either.
  const postgres = fleet(new HistoryBuilder({}, { plannedFaults: 1, crashLossMs: 0 }));
  postgres.signal('store', 99, 1300, 'SIGQUIT').exit('store', 99, 1301, 0, null).storeUp(1500);
  assert.equal(failuresMatching(twice(postgres), /run twice where nothing explains/).length, 1);
});

test('a Redis crash excuses a second claim only within the second or two its AOF may not have written', () => {
  const b = fleet(new HistoryBuilder({}, { plannedFaults: 1 }), 6500);
  ranOnce(b, 1000, 1);
  // The claim was granted by 1050; a crash at 3300 came after its AOF write was due (1050 + 2100).
  b.signal('store', 99, 3300, 'SIGKILL').exit('store', 99, 3301, null, 'SIGKILL').storeUp(3500);
  b.plainRun('i1.1', { runId: 'again', occurrence: 1000, token: 2, start: 3700, end: 3800 });
  for (let at = 2000, token = 3; at <= 5000; at += 1000, token++) ranOnce(b, at, token);
  const v = judge(b.build());
  assert.match(failuresMatching(v, /run twice where nothing explains/)[0], /i0\.1 \(token 1\) then i1\.1 \(token 2/);
});

test('a store stopped by pg_ctl exits with 0, as asked; any other end of it is unexpected', () => {
  const b = healthy();
  b.signal('store', 98, 1500, 'SIGQUIT').exit('store', 98, 1510, 0, null).storeUp(1700);
  b.signal('store', 99, 2500, 'SIGINT').exit('store', 99, 2510, 1, null);
  const v = judge(b.build());
  assert.equal(v.figures.processes.unexpectedExits, 1);
  assert.match(failuresMatching(v, /exited without being asked/)[0], /^1 process.*store pid 99 code 1/);
});

test('exits: only a SIGKILL that killed, or a SIGTERM followed by code 0, was asked for', () => {
  const b = healthy().process('i2.1', 102).process('i3.1', 103).process('i4.1', 104);
  b.signal('i2.1', 102, 1500, 'SIGKILL').exit('i2.1', 102, 1501, null, 'SIGKILL');
  b.exit('i3.1', 103, 1600, 1, null);
  b.signal('i4.1', 104, 1700, 'SIGTERM').exit('i4.1', 104, 1800, 75, null);
  const v = judge(b.build());
  assert.equal(v.figures.processes.unexpectedExits, 2);
  assert.match(failuresMatching(v, /exited without being asked/)[0], /i3\.1 pid 103 code 1.*i4\.1 pid 104 code 75/);
});

test('an unhandled rejection recorded by an instance fails the run', () => {
  const b = healthy().record('i0.1', 2500, { type: 'unhandled', kind: 'unhandledRejection', message: 'Error: boom' });
  const v = judge(b.build());
  assert.equal(v.ok, false);
  assert.match(failuresMatching(v, /unhandled/)[0], /i0\.1 unhandledRejection: Error: boom/);
});

test('a run summary the checker cannot read fails the run instead of vanishing', () => {
  const b = healthy().line(
    'i0.1',
    2500,
    'job=chaos-every-second run=x occurrence=2026-01-01T00:00:02.000Z instance=i0.1 outcome=exploded duration=1ms',
  );
  assert.equal(failuresMatching(judge(b.build()), /could not be read/).length, 1);
});

/** The per-tenant tick 5000 in a longer window (the fleet stops at `stopAt`); every plain tick runs once. */
function tenantScene(stopAt = 7500): HistoryBuilder {
  const b = fleet(
    new HistoryBuilder({ perTenant: { ...new HistoryBuilder().settings.perTenant, tenants: 3 } }, { plannedFaults: 1 }),
    stopAt,
  );
  for (let at = 1000, token = 1; at <= stopAt - 1500; at += 1000, token++) ranOnce(b, at, token);
  return b;
}

test('tenants: a holder killed mid-run and resumed may do its last tenant again; work with no trace is lost', () => {
  const b = tenantScene();
  b.tenantRun('i0.1', { runId: 'ta', occurrence: 5000, token: 10, start: 5100, tenants: ['t000', 't001'] });
  b.signal('i0.1', 100, 5130, 'SIGKILL').exit('i0.1', 100, 5131, null, 'SIGKILL');
  b.tenantRun('i1.1', {
    runId: 'tb',
    occurrence: 5000,
    token: 11,
    start: 6700,
    tenants: ['t001', 't002'],
    end: 6800,
    attempt: 2,
    resumedFrom: 'ta',
  });
  const v = judge(b.build());
  assert.deepEqual(
    v.failures.filter((f) => /tenant/.test(f)),
    [],
  );
  assert.equal(v.figures.tenants.doneOnce, 2);
  assert.equal(v.figures.tenants.doneTwice, 1);

  const lost = tenantScene();
  lost.tenantRun('i0.1', {
    runId: 'ta',
    occurrence: 5000,
    token: 10,
    start: 5100,
    tenants: ['t000', 't001'],
    end: 5200,
  });
  const w = judge(lost.build());
  assert.equal(w.figures.tenants.undone.lost, 1);
  assert.match(failuresMatching(w, /tenant work left undone/)[0], /t002 of 2026-01-01T00:00:05\.000Z \(lost\)/);
});

test('tenants: done twice by one run, or long after the tenant ended, is unexplained', () => {
  const b = tenantScene(9500);
  b.tenantRun('i0.1', {
    runId: 'ta',
    occurrence: 5000,
    token: 100,
    start: 5100,
    tenants: ['t000', 't001', 't002'],
    stepMs: 1000,
  });
  // Killed 2.5 s after t000 ended: its progress was long recorded, so the resume must not do it again.
  b.signal('i0.1', 100, 7620, 'SIGKILL').exit('i0.1', 100, 7621, null, 'SIGKILL');
  b.tenantRun('i1.1', {
    runId: 'tb',
    occurrence: 5000,
    token: 101,
    start: 7700,
    tenants: ['t000'],
    end: 7800,
    attempt: 2,
    resumedFrom: 'ta',
  });
  const v = judge(b.build());
  assert.match(
    failuresMatching(v, /tenant\(s\) done twice/)[0],
    /1 of 2026-01-01T00:00:05\.000Z \(t000\): the fault \(i0\.1 killed\) came 2515 ms after/,
  );

  const again = tenantScene();
  again.tenantRun('i0.1', {
    runId: 'ta',
    occurrence: 5000,
    token: 100,
    start: 5100,
    tenants: ['t000', 't001', 't002', 't001'],
    end: 5300,
  });
  assert.match(failuresMatching(judge(again.build()), /tenant\(s\) done twice/)[0], /\(t001\): one run did it twice/);
});

test('tenants: left by an interrupted run and taken first by the next run, of whichever tick, are carried', () => {
  const b = tenantScene();
  b.tenantRun('i0.1', { runId: 'ta', occurrence: 5000, token: 10, start: 5100, tenants: ['t000'] });
  b.line('i0.1', 5200, 'job=chaos-per-tenant run=ta fence=10 interrupted: unprocessed=2 ids=t001,t002', 'warn');
  // A late run of the tick before (0) comes next: the pending set is the job's, so it takes them first.
  b.line(
    'i1.1',
    5598,
    'job=chaos-per-tenant run=tc fence=11 2 tenant(s) left unprocessed by an earlier run go first: t001,t002',
  );
  b.tenantRun('i1.1', {
    runId: 'tc',
    occurrence: 0,
    token: 11,
    start: 5600,
    tenants: ['t001', 't002', 't000'],
    end: 5700,
  });
  const v = judge(b.build());
  assert.deepEqual(v.figures.tenants.undone, { carried: 2, reported: 0, superseded: 0, fenced: 0, lost: 0 });
  assert.deepEqual(
    v.failures.filter((f) => /tenant/.test(f)),
    [],
  );
});

test('tenants: a fresh claim after the store forgot the first runs every tenant again, done long before or not', () => {
  const scene = (persistence: boolean): Verdict => {
    const b = fleet(
      new HistoryBuilder(
        { perTenant: { ...new HistoryBuilder().settings.perTenant, tenants: 3 } },
        { plannedFaults: 1, persistence },
      ),
      9500,
    );
    for (let at = 1000, token = 1; at <= 8000; at += 1000, token++) ranOnce(b, at, token);
    const tenants = ['t000', 't001', 't002'];
    b.tenantRun('i0.1', { runId: 'ta', occurrence: 5000, token: 100, start: 5100, tenants, stepMs: 1000, end: 7200 });
    // Stopped and started again 2.5 s after t000 was done; without persistence it comes back empty.
    b.signal('store', 99, 7600, 'SIGTERM').exit('store', 99, 7601, 0, null).storeUp(7800);
    b.tenantRun('i1.1', { runId: 'tb', occurrence: 5000, token: 101, start: 8000, tenants, end: 8100 });
    return judge(b.build());
  };
  const forgot = scene(false);
  assert.deepEqual(forgot.failures, []);
  assert.equal(forgot.figures.tenants.doneTwice, 3);
  // With persistence a clean stop forgets nothing: the second claim, and every tenant done again, is unexplained.
  assert.match(failuresMatching(scene(true), /tenant\(s\) done twice/)[0], /3 of .*no fault explains a second run/);
});
