/**
 * The occurrences the bench triggers by hand. They lie in the past: a run waits until its occurrence is due by the
 * store's clock, and `trigger()` refuses one more than a minute ahead of the instance's clock. A minute apart, on a
 * date none of the figures' schedules ever ticks at while the bench runs; every figure has a key prefix of its own, so
 * two figures may use the same instants.
 */
const BASE_MS = Date.UTC(2020, 0, 1);

/** The `serial`-th occurrence of a figure (0, 1, 2, ...). */
export function pastOccurrence(serial: number): Date {
  return new Date(BASE_MS + serial * 60_000);
}
