/**
 * Deterministic uniform generator (xorshift32). Quality is ample for drawing task durations, and a fixed seed makes
 * every repetition and every baseline see exactly the same workload.
 */
export function createUniform(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    // Never exactly 0, so the logarithm in Box-Muller stays finite.
    return (x + 1) / 4294967297;
  };
}

export function createNormal(seed: number): () => number {
  const uniform = createUniform(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const theta = 2 * Math.PI * uniform();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

/** `count` lognormal samples whose median is `medianMs` (the median of a lognormal is exp(mu)). */
export function lognormalDurations(count: number, { seed, medianMs, sigma }: { seed: number; medianMs: number; sigma: number }): number[] {
  const normal = createNormal(seed);
  return Array.from({ length: count }, () => medianMs * Math.exp(sigma * normal()));
}

/** `k` distinct indices below `count` (a partial Fisher-Yates shuffle): the same ones for the same seed. */
export function sampleIndices(count: number, k: number, seed: number): number[] {
  const uniform = createUniform(seed);
  const pool = Array.from({ length: count }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(uniform() * (count - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, k);
}
