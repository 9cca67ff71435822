'use strict';

/**
 * Deterministic uniform generator (xorshift32). Quality is ample for drawing task durations, and a fixed seed
 * makes every repetition and every baseline see exactly the same workload.
 */
function createUniform(seed) {
  let x = seed >>> 0 || 0x9e3779b9;
  return function next() {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    // Never exactly 0, so the logarithm in Box-Muller stays finite.
    return (x + 1) / 4294967297;
  };
}

function createNormal(seed) {
  const uniform = createUniform(seed);
  let spare = null;
  return function nextNormal() {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    const u1 = uniform();
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
}

/** `count` lognormal samples whose median is `medianMs` (the median of a lognormal is exp(mu)). */
function lognormalDurations(count, { seed, medianMs, sigma }) {
  const normal = createNormal(seed);
  const out = new Array(count);
  for (let i = 0; i < count; i++) out[i] = medianMs * Math.exp(sigma * normal());
  return out;
}

module.exports = { createUniform, createNormal, lognormalDurations };
