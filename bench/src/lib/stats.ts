/** Summary of one figure across its repetitions: what the table and the JSON print. */
export interface Summary {
  median: number | null;
  min: number | null;
  max: number | null;
  n: number;
  values: number[];
}

function isSortedAscending(values: ArrayLike<number>): boolean {
  for (let i = 1; i < values.length; i++) if (values[i - 1] > values[i]) return false;
  return true;
}

/** Linear interpolation between closest ranks, so p50 of an even count is the mean of the two middle values. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return NaN;
  const sorted = isSortedAscending(values) ? values : Float64Array.from(values).sort();
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export function median(values: ArrayLike<number>): number {
  return percentile(values, 50);
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

export function summarise(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { median: null, min: null, max: null, n: 0, values: [...values] };
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), n: finite.length, values: [...values] };
}
