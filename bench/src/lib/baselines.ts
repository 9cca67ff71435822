/**
 * The smallest correct bounded pool: `concurrency` workers each pull the next item as soon as their previous one
 * settles. It is the yardstick for the library's fan-out (same shape, none of the bookkeeping).
 */
export async function minimalPool<T>(items: readonly T[], concurrency: number, handler: (item: T) => Promise<unknown>): Promise<{ failed: number }> {
  let next = 0;
  let failed = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await handler(item);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return { failed };
}

/** What a hand-written loop usually does instead of a pool: slices of `size`, each awaited as a whole. */
export async function fixedBatches<T>(items: readonly T[], size: number, handler: (item: T) => Promise<unknown>): Promise<{ failed: number }> {
  let failed = 0;
  for (let i = 0; i < items.length; i += size) {
    const settled = await Promise.allSettled(items.slice(i, i + size).map((item) => handler(item)));
    for (const s of settled) if (s.status === 'rejected') failed++;
  }
  return { failed };
}
