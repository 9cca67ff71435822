import { jest } from '@jest/globals';
import { shuffleInTurns } from './in-turns.js';

/** Small seeded generator (mulberry32): statistical checks stay reproducible instead of flaky. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `t-${i}`);

describe('shuffleInTurns', () => {
  it('shuffles the given array itself and returns it', async () => {
    const items = ids(10);
    const result = await shuffleInTurns(items, seeded(1));
    expect(result).toBe(items);
  });

  it('keeps every element exactly once', async () => {
    const random = seeded(42);
    for (let n = 0; n < 40; n++) {
      const items = ids(n);
      const shuffled = await shuffleInTurns([...items], random);
      expect(shuffled).toHaveLength(n);
      expect([...shuffled].sort()).toEqual([...items].sort());
    }
  });

  it('uses the injected random source (Fisher-Yates, back to front)', async () => {
    // random() = 0 always swaps position i with 0: [a,b,c,d] → [b,c,d,a].
    expect(await shuffleInTurns(['a', 'b', 'c', 'd'], () => 0)).toEqual(['b', 'c', 'd', 'a']);
    // A value just below 1 always picks j = i: nothing moves.
    expect(await shuffleInTurns(['a', 'b', 'c', 'd'], () => 0.999999)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('draws one random number per position after the first', async () => {
    const random = jest.fn(() => 0.5);
    await shuffleInTurns(ids(8), random);
    expect(random).toHaveBeenCalledTimes(7);
    random.mockClear();
    await shuffleInTurns([], random);
    await shuffleInTurns(['only'], random);
    expect(random).not.toHaveBeenCalled();
  });

  it('puts each element first about equally often (no bias towards the original order)', async () => {
    const random = seeded(2024);
    const n = 6;
    const rounds = 60_000;
    const firsts = new Map<string, number>();
    for (let r = 0; r < rounds; r++) {
      const first = (await shuffleInTurns(ids(n), random))[0];
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    const expected = rounds / n;
    expect(firsts.size).toBe(n);
    for (const count of firsts.values()) {
      expect(Math.abs(count - expected)).toBeLessThan(expected * 0.05);
    }
  });

  it('produces every permutation of three elements with the same frequency', async () => {
    const random = seeded(7);
    const rounds = 60_000;
    const seen = new Map<string, number>();
    for (let r = 0; r < rounds; r++) {
      const key = (await shuffleInTurns(['a', 'b', 'c'], random)).join('');
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(['abc', 'acb', 'bac', 'bca', 'cab', 'cba']);
    for (const count of seen.values()) {
      expect(Math.abs(count - rounds / 6)).toBeLessThan((rounds / 6) * 0.05);
    }
  });

  it('gives a fresh order on each call with the default random source', async () => {
    const orders = new Set<string>();
    for (let r = 0; r < 20; r++) orders.add((await shuffleInTurns(ids(30))).join(','));
    // 20 draws from 30! orders: a repeat would mean the source is not random at all.
    expect(orders.size).toBe(20);
  });
});
