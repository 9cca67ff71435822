'use strict';

/**
 * Time stamps along the library's path from a cron tick to the job body, for figure 6's explanation only. It wraps
 * methods of the built library's internal classes without changing what they return; when those classes have moved,
 * the trace is simply absent and the figure itself is unaffected.
 */
function installTickTrace(library) {
  const now = () => performance.timeOrigin + performance.now();
  let marks = {};
  const wrap = (relPath, className, method, before, after) => {
    const mod = library.internal(relPath);
    const proto = mod[className] && mod[className].prototype;
    const original = proto && proto[method];
    if (typeof original !== 'function') throw new Error(`${className}.${method} not found`);
    proto[method] = function traced(...args) {
      before();
      const result = original.apply(this, args);
      if (after && result && typeof result.then === 'function') result.then(after, () => undefined);
      return result;
    };
  };
  try {
    wrap('scheduling/coordinated-cron.scheduler', 'CoordinatedCronScheduler', 'onTick', () => {
      marks = { onTick: now() };
    });
    wrap('execution/occurrence.executor', 'OccurrenceExecutor', 'run', () => (marks.run = now()));
    wrap(
      'locking/coordinated-cron.lock',
      'CoordinatedCronLock',
      'claim',
      () => (marks.claimSent = now()),
      () => (marks.claimDone = now()),
    );
    wrap(
      'locking/coordinated-cron.lock',
      'CoordinatedCronLock',
      'takeLease',
      () => (marks.leaseSent = now()),
      () => (marks.leaseDone = now()),
    );
  } catch (err) {
    return { available: false, reason: err.message, current: () => null };
  }
  return { available: true, current: () => ({ ...marks }) };
}

/** Milliseconds spent in each step, from the marks of one winning run and its tick and body start. */
function phases(tick, marks, bodyAt) {
  if (!marks || !marks.onTick || !marks.leaseDone) return null;
  return {
    cronTimer: marks.onTick - tick,
    occurrence: marks.run - marks.onTick,
    beforeClaim: marks.claimSent - marks.run,
    claim: marks.claimDone - marks.claimSent,
    lease: marks.leaseDone - marks.leaseSent,
    toBody: bodyAt - marks.leaseDone,
  };
}

module.exports = { installTickTrace, phases };
