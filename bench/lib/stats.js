'use strict';

function sorted(values) {
  return Float64Array.from(values).sort();
}

// Linear interpolation between closest ranks, so p50 of an even count is the mean of the two middle values.
function percentile(values, p) {
  if (values.length === 0) return NaN;
  const s = values instanceof Float64Array && isSortedAsc(values) ? values : sorted(values);
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo] + (s[hi] - s[lo]) * (rank - lo);
}

function isSortedAsc(arr) {
  for (let i = 1; i < arr.length; i++) if (arr[i - 1] > arr[i]) return false;
  return true;
}

function median(values) {
  return percentile(values, 50);
}

/** Summary of one figure across repetitions: what the table and the JSON print. */
function summarise(values) {
  const finite = values.filter((v) => typeof v === 'number' && Number.isFinite(v));
  if (finite.length === 0) return { median: null, min: null, max: null, n: 0, values };
  return {
    median: median(finite),
    min: Math.min(...finite),
    max: Math.max(...finite),
    n: finite.length,
    values,
  };
}

function sum(values) {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

module.exports = { percentile, median, summarise, sum, sorted };
