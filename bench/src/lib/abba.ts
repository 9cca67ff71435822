/**
 * The order of two sides in repetition `rep` (from 0): A B, B A, B A, A B, and again. Each side goes first as often as
 * the other and each order follows itself once, so a machine warming or cooling through the run favours neither.
 */
export function abbaOrder<T>(rep: number, [a, b]: readonly [T, T]): T[] {
  return Math.floor((rep + 1) / 2) % 2 === 0 ? [a, b] : [b, a];
}
