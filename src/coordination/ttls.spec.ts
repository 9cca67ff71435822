import { claimLifetime, ledgerTtlMs, MIN_CATCHUP_CLAIM_TTL_MS, MIN_CLAIM_TTL_MS, MIN_LEDGER_TTL_MS } from './ttls.js';

const at = (iso: string) => new Date(iso);

describe('claimLifetime', () => {
  const nextWindow = at('2026-01-02T03:00:00Z');

  it('keeps a claim until the next window opens, and at least a second (a backfill of an old tick)', () => {
    expect(claimLifetime({ nextWindow })).toEqual({ claimUntil: nextWindow, claimMinMs: MIN_CLAIM_TTL_MS });
    expect(MIN_CLAIM_TTL_MS).toBe(1_000);
  });

  it('keeps it lockTtl from the claim when the job sets one', () => {
    expect(claimLifetime({ nextWindow, lockTtlMs: 600_000 })).toEqual({ claimUntil: new Date(0), claimMinMs: 600_000 });
  });

  it('keeps a late run at least its catch-up window, and at least a minute', () => {
    expect(claimLifetime({ nextWindow, catchup: true })).toEqual({
      claimUntil: nextWindow,
      claimMinMs: MIN_CATCHUP_CLAIM_TTL_MS,
    });
    expect(claimLifetime({ nextWindow, catchup: true, catchupWindowMs: 3_600_000 }).claimMinMs).toBe(3_600_000);
    expect(claimLifetime({ nextWindow, catchup: true, lockTtlMs: 7_200_000 }).claimMinMs).toBe(7_200_000);
  });
});

describe('ledgerTtlMs', () => {
  it('outlives a year, or twice the catch-up window when that is longer', () => {
    expect(ledgerTtlMs(undefined)).toBe(MIN_LEDGER_TTL_MS);
    expect(ledgerTtlMs(1_000)).toBe(MIN_LEDGER_TTL_MS);
    expect(ledgerTtlMs(MIN_LEDGER_TTL_MS)).toBe(2 * MIN_LEDGER_TTL_MS);
  });
});
