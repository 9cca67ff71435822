import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SETTINGS } from '../config';
import { planFaults, type PlannedFault } from './fault-plan';

const TEN_MINUTES = 10 * 60 * 1000;

/** Instances killed, stopped or restarting at `at` according to the plan, with the planner's own allowances. */
function impairedAt(plan: readonly PlannedFault[], at: number): number {
  const f = SETTINGS.faults;
  return plan.filter((x) => {
    if (x.target === undefined || x.atMs > at) return false;
    const extra =
      x.kind === 'instance-kill'
        ? f.bootAllowanceMs
        : x.kind === 'instance-clock'
          ? SETTINGS.shutdownTimeoutMs + f.bootAllowanceMs
          : 0;
    return at < x.atMs + x.durationMs + extra;
  }).length;
}

test('the same seed gives the same schedule, another seed another one', () => {
  assert.deepEqual(planFaults(7, TEN_MINUTES, SETTINGS), planFaults(7, TEN_MINUTES, SETTINGS));
  assert.notDeepEqual(planFaults(7, TEN_MINUTES, SETTINGS), planFaults(8, TEN_MINUTES, SETTINGS));
});

test('ten minutes bring every kind of fault, a few seconds apart, within the chaos phase', () => {
  const plan = planFaults(22, TEN_MINUTES, SETTINGS);
  const kinds = new Set(plan.map((x) => x.kind));
  assert.deepEqual([...kinds].sort(), [
    'instance-clock',
    'instance-kill',
    'instance-pause',
    'store-pause',
    'store-restart',
  ]);
  assert.ok(plan.length > 80 && plan.length < 300, `${plan.length} faults`);
  for (const [i, x] of plan.entries()) {
    assert.ok(x.atMs >= 0 && x.atMs < TEN_MINUTES);
    if (i > 0) assert.ok(x.atMs - plan[i - 1].atMs >= SETTINGS.faults.gapMs[0]);
  }
});

test('never more instances impaired at once than allowed, and one store fault at a time', () => {
  for (const seed of [1, 2, 3, 22, 99]) {
    const plan = planFaults(seed, TEN_MINUTES, SETTINGS);
    for (const x of plan) assert.ok(impairedAt(plan, x.atMs) <= SETTINGS.faults.maxImpairedInstances, `seed ${seed}`);
    const store = plan.filter((x) => x.kind.startsWith('store-'));
    for (let i = 1; i < store.length; i++) {
      assert.ok(store[i].atMs >= store[i - 1].atMs + store[i - 1].durationMs, `seed ${seed}: store faults overlap`);
    }
  }
});

test('pauses last one to three lease periods; clock offsets are one to two seconds, or the right clock back', () => {
  const plan = planFaults(5, TEN_MINUTES, SETTINGS);
  for (const x of plan.filter((p) => p.kind === 'instance-pause')) {
    assert.ok(x.durationMs >= SETTINGS.leaseTtlMs && x.durationMs <= 3 * SETTINGS.leaseTtlMs);
  }
  const clocks = plan.filter((p) => p.kind === 'instance-clock');
  assert.ok(clocks.length > 0);
  for (const x of clocks) {
    const size = Math.abs(x.offsetMs ?? NaN);
    assert.ok(size === 0 || (size >= 1000 && size <= 2000), `offset ${x.offsetMs}`);
  }
});

test('a narrowed set of kinds (--faults) draws only those, even while none of them can be injected', () => {
  const weights = { ...SETTINGS.faults.weights, 'instance-kill': 0, 'instance-pause': 0, 'instance-clock': 0 };
  const plan = planFaults(9, TEN_MINUTES, { ...SETTINGS, faults: { ...SETTINGS.faults, weights } });
  assert.ok(plan.length > 20, `${plan.length} faults`);
  assert.deepEqual([...new Set(plan.map((x) => x.kind))].sort(), ['store-pause', 'store-restart']);
});
