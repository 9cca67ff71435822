import { retryDelayMs, retryFits } from './retry-backoff.js';

const plan = { attempts: 10, backoffMs: 1_000, maxBackoffMs: 5_000 };

describe('retryDelayMs', () => {
  it('caps the first retry at the backoff and doubles the cap for each one after, up to maxBackoff', () => {
    const highest = (nextTry: number) => retryDelayMs(plan, nextTry, () => 0.999_999);
    expect([2, 3, 4, 5, 6].map(highest)).toEqual([999, 1_999, 3_999, 4_999, 4_999]);
  });

  it('draws every wait between zero and the cap (full jitter)', () => {
    expect(retryDelayMs(plan, 3, () => 0)).toBe(0);
    expect(retryDelayMs(plan, 3, () => 0.5)).toBe(1_000);
    const draws = Array.from({ length: 1_000 }, () => retryDelayMs(plan, 2));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1_000);
    // Spread, not a constant: a thousand draws land in more than a few distinct places.
    expect(new Set(draws.map((d) => Math.floor(d / 100))).size).toBeGreaterThan(5);
  });

  it('stays at maxBackoff for a try far beyond where the doubling would overflow', () => {
    expect(retryDelayMs(plan, 2_000, () => 0.5)).toBe(2_500);
  });
});

describe('retryFits', () => {
  it('lets a call start only before the deadline', () => {
    expect(retryFits(1_000, 499, 1_500)).toBe(true);
    expect(retryFits(1_000, 500, 1_500)).toBe(false);
  });
});
