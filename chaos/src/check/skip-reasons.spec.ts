import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HistoryBuilder } from './history-builder';
import { failuresMatching, fleet, ranOnce } from './scenes';
import { judge, type Verdict } from './verdict';

const TICK_2 = '2026-01-01T00:00:02.000Z';

/**
 * Ticks 1000 and 3000 run once; tick 2000 is left to `scene`. i1.1's clock runs `i1Offset` ms off, and its records
 * are stamped with its own clock: with -1500, `at` 2050 is 3550 on the runner's.
 */
function aroundTick2(scene: (b: HistoryBuilder) => void, i1Offset = 0, options = {}): Verdict {
  const b = fleet(new HistoryBuilder({}, { plannedFaults: 1, ...options }), 4500, { 'i1.1': i1Offset });
  ranOnce(b, 1000, 1);
  scene(b);
  ranOnce(b, 3000, 5);
  return judge(b.build());
}

const tick2 = (v: Verdict) => v.occurrences.find((o) => o.occurrence === TICK_2);
const lostNotes = (v: Verdict): string => failuresMatching(v, /lost/)[0] ?? '';

test('late: a slow clock, or an instance stopped across its tick, asks late', () => {
  const v = aroundTick2((b) => {
    b.signal('i0.1', 100, 1900, 'SIGSTOP').signal('i0.1', 100, 3000, 'SIGCONT');
    b.skip('i0.1', 3050, 2000, 'late').skip('i1.1', 2050, 2000, 'late');
  }, -1500);
  assert.deepEqual(v.failures, []);
  assert.deepEqual(tick2(v)?.status, { kind: 'skipped', reason: 'late' });
  assert.deepEqual(v.figures.jobs['chaos-every-second'].skipped, { late: 1 });
});

test("late: a store that held a right clock's claim past the window is no reason: the tick was missed, not skipped", () => {
  const v = aroundTick2((b) => {
    b.signal('store', 99, 1900, 'SIGSTOP').signal('store', 99, 3020, 'SIGCONT');
    b.skip('i0.1', 3030, 2000, 'late').skip('i1.1', 2050, 2000, 'late');
  }, -1500);
  assert.equal(tick2(v)?.status.kind, 'lost');
  assert.match(
    lostNotes(v),
    /i0\.1 reported late \(not borne out by the history: .*the store held its claim up past the window/,
  );
});

test('late: reported before the window ended is not borne out, whatever the clock', () => {
  const v = aroundTick2((b) => b.skip('i1.1', 1100, 2000, 'late'), -1500);
  assert.equal(v.ok, false);
  assert.match(
    lostNotes(v),
    /i1\.1 reported late \(not borne out by the history: reported 400 ms before the tick's window ended\)/,
  );
});

test('late: a right clock on a healthy instance and store has no cause to be late, even beside a slow clock', () => {
  const alone = aroundTick2((b) => b.skip('i0.1', 3100, 2000, 'late'));
  assert.match(
    lostNotes(alone),
    /i0\.1 reported late \(not borne out by the history: its clock is 0 ms behind the store's and it was not stopped\)/,
  );

  // i1.1's late holds (its clock is 1.5 s behind), but i0.1 should have claimed the tick: still lost.
  const beside = aroundTick2((b) => b.skip('i0.1', 3100, 2000, 'late').skip('i1.1', 2050, 2000, 'late'), -1500);
  assert.equal(tick2(beside)?.status.kind, 'lost');
  assert.deepEqual(beside.figures.jobs['chaos-every-second'].untrueSkips, { late: 1 });
  // A clock behind by less than the window minus the jitter is no cause either.
  const slightly = aroundTick2((b) => b.skip('i1.1', 2800, 2000, 'late'), -300);
  assert.equal(tick2(slightly)?.status.kind, 'lost');
});

test('late: answered while a claim of the tick was alive fails the run, unless a store crash may have lost it', () => {
  const ranThenLate = (b: HistoryBuilder) => {
    b.plainRun('i0.1', { runId: 'r2', occurrence: 2000, token: 2, start: 2050, end: 2200 });
    b.skip('i1.1', 2050, 2000, 'late');
  };
  const v = aroundTick2(ranThenLate, -1500);
  assert.equal(v.ok, false);
  assert.match(
    failuresMatching(v, /answered `late`/)[0],
    /^1 tick\(s\) .*chaos-every-second 2026-01-01T00:00:02\.000Z to i1\.1: i0\.1 had won it \(run r2\)/,
  );
  assert.equal(v.figures.jobs['chaos-every-second'].lateWhileClaimed, 1);

  // Redis killed 450 ms after the grant (AOF written every second) may have lost the claim: the answer is true.
  const crashed = aroundTick2((b) => {
    b.signal('store', 99, 2500, 'SIGKILL').exit('store', 99, 2501, null, 'SIGKILL').storeUp(2700);
    ranThenLate(b);
  }, -1500);
  assert.deepEqual(crashed.failures, []);
  // A clean stop, or a PostgreSQL that commits before it answers, forgets nothing.
  const clean = aroundTick2((b) => {
    b.signal('store', 99, 2500, 'SIGTERM').exit('store', 99, 2501, 0, null).storeUp(2700);
    ranThenLate(b);
  }, -1500);
  assert.equal(failuresMatching(clean, /answered `late`/).length, 1);
  const postgres = aroundTick2(
    (b) => {
      b.signal('store', 99, 2500, 'SIGQUIT').exit('store', 99, 2501, 0, null).storeUp(2700);
      ranThenLate(b);
    },
    -1500,
    { crashLossMs: 0 },
  );
  assert.equal(failuresMatching(postgres, /answered `late`/).length, 1);
});

test('late does not cover for an instance that claimed the tick and gave an untrue overlap', () => {
  const v = aroundTick2((b) => b.skip('i0.1', 2100, 2000, 'overlap').skip('i1.1', 2050, 2000, 'late'), -1500);
  assert.equal(tick2(v)?.status.kind, 'lost');
  assert.match(
    lostNotes(v),
    /i1\.1 reported late \(not borne out by the history: i0\.1 had claimed it \(answered overlap\)/,
  );
  assert.equal(failuresMatching(v, /answered `late`/).length, 1);
});

test('rescheduled and paused are never a reason here: nothing changes a schedule or pauses a job', () => {
  for (const reason of ['rescheduled', 'paused']) {
    const v = aroundTick2((b) => b.skip('i0.1', 2100, 2000, reason).skip('i1.1', 2100, 2000, 'duplicate'));
    assert.equal(tick2(v)?.status.kind, 'lost', reason);
    assert.match(lostNotes(v), new RegExp(`i0\\.1 reported ${reason} \\(not borne out by the history: nothing`));
  }
});

test('an untrue reason makes a tick lost even beside a lock error', () => {
  const v = aroundTick2((b) => b.skip('i0.1', 2100, 2000, 'lock-error').skip('i1.1', 2100, 2000, 'overlap'));
  assert.equal(tick2(v)?.status.kind, 'lost');
  const both = aroundTick2((b) => b.skip('i0.1', 2100, 2000, 'lock-error').skip('i1.1', 2050, 2000, 'late'), -1500);
  assert.deepEqual(tick2(both)?.status, { kind: 'skipped', reason: 'lock-error' });
});

test("overlap of a late run: it may meet a later tick's run, but only gives up when its catch-up window ends", () => {
  // Tick 1000 is caught up while tick 2000's run (2050 to 2200) holds the lease; i0.1's own claim of it failed.
  const catchUp = (catchupWindowMs: number, catchup: boolean): Verdict => {
    const b = fleet(new HistoryBuilder({ catchupWindowMs }, { plannedFaults: 1 }));
    ranOnce(b, 2000, 2);
    ranOnce(b, 3000, 3);
    b.skip('i1.1', 2100, 1000, 'overlap', b.plain, catchup);
    return judge(b.build());
  };
  // A 2 s window from 1000 ends at 3000; with a 1.5 s lease, asking again at 2100 could not end in time.
  assert.deepEqual(catchUp(2000, true).failures, []);
  // A 30 s window: the late run should have waited for the lease and asked again.
  const early = catchUp(30_000, true);
  assert.match(lostNotes(early), /overlap \(not borne out by the history: a late run gave up 27150 ms before/);
  // A tick of the timer never meets a later tick's run.
  assert.match(lostNotes(catchUp(2000, false)), /no run of an earlier occurrence held the lease/);
});
