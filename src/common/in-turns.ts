import { POOL_TURN_MS } from './run-pool.js';

/** How many items go by between two looks at the clock: reading it for every item would cost more than the work. */
const CLOCK_EVERY = 1024;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Calls `visit` for every item, handing the event loop a turn whenever the loop has been held for `turnMs`. A pass
 * over a million tenant ids takes most of a second in one piece: long enough for a running lease to expire unrenewed
 * and for the app's own sockets and timers to stall.
 */
export async function forEachInTurns<T>(
  items: Iterable<T>,
  visit: (item: T) => void,
  turnMs: number = POOL_TURN_MS,
): Promise<void> {
  let turnStartedAt = performance.now();
  let seen = 0;
  for (const item of items) {
    visit(item);
    if (++seen % CLOCK_EVERY === 0 && performance.now() - turnStartedAt >= turnMs) {
      await nextTurn();
      turnStartedAt = performance.now();
    }
  }
}

/**
 * Fisher-Yates shuffle in place, back to front, handing the event loop a turn every `turnMs`. `random` is injectable
 * so tests can fix the order.
 */
export async function shuffleInTurns<T>(
  items: T[],
  random: () => number = Math.random,
  turnMs: number = POOL_TURN_MS,
): Promise<T[]> {
  let turnStartedAt = performance.now();
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const held = items[i];
    items[i] = items[j];
    items[j] = held;
    if (i % CLOCK_EVERY === 0 && performance.now() - turnStartedAt >= turnMs) {
      await nextTurn();
      turnStartedAt = performance.now();
    }
  }
  return items;
}
