/**
 * Runs `work` over `items` with at most `concurrency` in flight: a new item starts as soon as any running one
 * settles (a pool, not fixed batches that wait for their slowest member). `canStart` is asked before every start;
 * once it says no, nothing more starts. Resolves the number of items started: `items.slice(started)` never ran.
 *
 * `work` is expected never to reject; a rejection is swallowed so one item can never stop the others.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  canStart: () => boolean,
  work: (item: T) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length && canStart()) {
      const item = items[next++];
      try {
        await work(item);
      } catch {
        // Contained by contract; see above.
      }
    }
  };
  const lanes: Promise<void>[] = [];
  const width = Math.min(concurrency, items.length);
  for (let i = 0; i < width; i++) lanes.push(lane());
  await Promise.all(lanes);
  return next;
}
