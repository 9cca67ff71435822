/**
 * A seeded generator of uniform numbers in [0, 1) (the splitmix32 mixing steps). One seed gives one sequence on every
 * machine and Node version, which is what makes a chaos run's fault schedule repeatable from its seed alone.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** Uniform integer in [0, n). */
  below(n: number): number;
  /** One key of `weights`, each drawn in proportion to its weight. */
  pick<K extends string>(weights: Readonly<Record<K, number>>): K;
  /** True with probability `p`. */
  chance(p: number): boolean;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 4294967296;
  };
  return {
    next,
    between: (min, max) => min + (max - min) * next(),
    below: (n) => Math.floor(next() * n),
    chance: (p) => next() < p,
    pick<K extends string>(weights: Readonly<Record<K, number>>): K {
      const entries = Object.entries(weights) as Array<[K, number]>;
      const total = entries.reduce((sum, [, w]) => sum + w, 0);
      if (!(total > 0)) throw new Error('pick() needs at least one positive weight');
      let x = next() * total;
      for (const [key, w] of entries) {
        if (x < w) return key;
        x -= w;
      }
      return entries[entries.length - 1][0];
    },
  };
}
