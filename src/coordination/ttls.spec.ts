import {
  catchupDeadline,
  claimLifetime,
  ledgerTtlMs,
  MIN_CATCHUP_CLAIM_TTL_MS,
  MIN_CLAIM_TTL_MS,
  MIN_LEDGER_TTL_MS,
} from './ttls.js';

const at = (iso: string) => new Date(iso);

describe('claimLifetime', () => {
  const occurrence = at('2026-01-01T03:00:00Z');
  const nextWindow = at('2026-01-02T03:00:00Z');

  it('keeps a claim until the next window opens, and at least a second (a backfill of an old tick)', () => {
    expect(claimLifetime({ occurrence, nextWindow })).toEqual({ claimUntil: nextWindow, claimMinMs: MIN_CLAIM_TTL_MS });
    expect(MIN_CLAIM_TTL_MS).toBe(1_000);
  });

  it('keeps it lockTtl from the claim when the job sets one', () => {
    expect(claimLifetime({ occurrence, nextWindow, lockTtlMs: 600_000 })).toEqual({
      claimUntil: new Date(0),
      claimMinMs: 600_000,
    });
  });

  it('keeps a late run at least its catch-up window, and at least a minute', () => {
    expect(claimLifetime({ occurrence, nextWindow, catchup: true })).toEqual({
      claimUntil: nextWindow,
      claimMinMs: MIN_CATCHUP_CLAIM_TTL_MS,
    });
    expect(claimLifetime({ occurrence, nextWindow, catchup: true, catchupWindowMs: 3_600_000 }).claimMinMs).toBe(
      3_600_000,
    );
    expect(claimLifetime({ occurrence, nextWindow, catchup: true, lockTtlMs: 7_200_000 }).claimMinMs).toBe(7_200_000);
  });

  it('keeps every claim of a job that catches up until its catch-up window ends, whatever lockTtl says', () => {
    const threeDays = 3 * 86_400_000;
    expect(claimLifetime({ occurrence, nextWindow, catchesUp: true, catchupWindowMs: threeDays }).claimUntil).toEqual(
      at('2026-01-04T03:00:00Z'),
    );
    expect(
      claimLifetime({ occurrence, nextWindow, lockTtlMs: 10_000, catchesUp: true, catchupWindowMs: threeDays }),
    ).toEqual({ claimUntil: at('2026-01-04T03:00:00Z'), claimMinMs: 10_000 });
    // A catch-up window shorter than the period leaves the claim until the next window.
    expect(claimLifetime({ occurrence, nextWindow, catchesUp: true, catchupWindowMs: 1_000 }).claimUntil).toEqual(
      nextWindow,
    );
    expect(claimLifetime({ occurrence, nextWindow, catchesUp: false, catchupWindowMs: threeDays }).claimUntil).toEqual(
      nextWindow,
    );
  });
});

describe('catchupDeadline', () => {
  it('is the end of the catch-up window from the tick, or the next window', () => {
    expect(catchupDeadline(at('2026-01-01T03:00:00Z'), at('2026-01-02T03:00:00Z'), 60_000)).toBe(
      Date.parse('2026-01-01T03:01:00Z'),
    );
    expect(catchupDeadline(at('2026-01-01T03:00:00Z'), at('2026-01-02T03:00:00Z'), undefined)).toBe(
      Date.parse('2026-01-02T03:00:00Z'),
    );
  });
});

describe('ledgerTtlMs', () => {
  it('outlives a year, or twice the catch-up window when that is longer', () => {
    expect(ledgerTtlMs(undefined)).toBe(MIN_LEDGER_TTL_MS);
    expect(ledgerTtlMs(1_000)).toBe(MIN_LEDGER_TTL_MS);
    expect(ledgerTtlMs(MIN_LEDGER_TTL_MS)).toBe(2 * MIN_LEDGER_TTL_MS);
  });
});
