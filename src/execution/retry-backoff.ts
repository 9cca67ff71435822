import { type RetryPlan } from '../definition/job-definition.js';

/**
 * The wait before call `nextTry` (2 is the first retry): drawn at random between zero and a cap that starts at
 * `backoffMs` and doubles with every retry up to `maxBackoffMs` ("full jitter"). Many instances or tenants that
 * failed together then spread their retries over the whole wait instead of returning in step.
 */
export function retryDelayMs(plan: RetryPlan, nextTry: number, random: () => number = Math.random): number {
  const doublings = Math.max(0, nextTry - 2);
  // 2 ** 1100 is Infinity, which min() turns into the cap: no overflow to guard against.
  const cap = Math.min(plan.maxBackoffMs, plan.backoffMs * 2 ** doublings);
  return Math.floor(random() * cap);
}

/** Whether a call may still start after waiting `waitMs` from `nowMs`: never at or past `deadlineMs`. */
export function retryFits(nowMs: number, waitMs: number, deadlineMs: number): boolean {
  return nowMs + waitMs < deadlineMs;
}
