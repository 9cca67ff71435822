/** What the sink answered to one write. */
export type FenceVerdict =
  | { accepted: true; highestBefore: number }
  | { accepted: false; highestBefore: number; why: 'lower-token' | 'no-token' };

/**
 * The rule README's fencing section gives users for their own resources: per key, keep the highest fencing token
 * seen, accept a write whose token is at least that (a run writes more than once with its own token), refuse a lower
 * one. A write without a token is refused: every run that wins a claim has one.
 */
export class FenceTable {
  private readonly highest = new Map<string, number>();

  write(key: string, token: unknown): FenceVerdict {
    const highestBefore = this.highest.get(key) ?? 0;
    if (typeof token !== 'number' || !Number.isSafeInteger(token) || token <= 0) {
      return { accepted: false, highestBefore, why: 'no-token' };
    }
    if (token < highestBefore) return { accepted: false, highestBefore, why: 'lower-token' };
    this.highest.set(key, token);
    return { accepted: true, highestBefore };
  }
}
