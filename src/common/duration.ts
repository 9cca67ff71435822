import ms from 'ms';

/**
 * Reads a duration given as milliseconds or as a string such as `'90s'`, `'15m'`, `'1h'`.
 * Returns `undefined` when the input is not a finite, non-negative duration.
 */
export function parseDuration(value: number | string): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? value : undefined;
  }
  if (typeof value !== 'string' || value.trim() === '') {
    return undefined;
  }
  const parsed = ms(value.trim() as ms.StringValue);
  return typeof parsed === 'number' && Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined;
}
