/**
 * How long the pool may keep the event loop to itself. Work that settles without I/O (a cached "nothing to do")
 * would otherwise run the whole pool in one macrotask: no timer fires meanwhile, not even the one that renews the
 * run's lease, and the app's HTTP server freezes.
 */
export const POOL_TURN_MS = 10;

/**
 * Runs `work` over `items` with at most `concurrency` in flight: a new item starts as soon as any running one
 * settles (a pool, not fixed batches that wait for their slowest member). `canStart` is asked before every start;
 * once it says no, nothing more starts. Resolves the number of items started: `items.slice(started)` never ran.
 * The pool hands the event loop a turn whenever it has held it for `turnMs` (default `POOL_TURN_MS`).
 *
 * `work` is expected never to reject; a rejection is swallowed so one item can never stop the others.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  canStart: () => boolean,
  work: (item: T) => Promise<unknown>,
  turnMs: number = POOL_TURN_MS,
): Promise<number> {
  let next = 0;
  // When the current turn of the event loop began, as far as the pool can tell: a marker queued with setImmediate
  // runs as soon as the loop turns, so I/O-bound work (a turn per completion) never pays for a forced yield.
  let turnStartedAt = performance.now();
  let markerQueued = false;
  const markTurn = () => {
    markerQueued = false;
    turnStartedAt = performance.now();
  };
  const lane = async (): Promise<void> => {
    while (next < items.length && canStart()) {
      const item = items[next++];
      try {
        await work(item);
      } catch {
        // Contained by contract; see above.
      }
      if (!markerQueued) {
        markerQueued = true;
        setImmediate(markTurn);
      }
      if (performance.now() - turnStartedAt >= turnMs) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
  const lanes: Promise<void>[] = [];
  const width = Math.min(concurrency, items.length);
  for (let i = 0; i < width; i++) lanes.push(lane());
  await Promise.all(lanes);
  return next;
}
