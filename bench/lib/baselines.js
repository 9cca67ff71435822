'use strict';

/**
 * The smallest correct bounded pool: `concurrency` workers each pull the next item as soon as their previous one
 * settles. It is the yardstick for the library's fan-out (same shape, none of the bookkeeping).
 */
async function minimalPool(items, concurrency, handler) {
  let next = 0;
  let failed = 0;
  async function worker() {
    while (next < items.length) {
      const item = items[next++];
      try {
        await handler(item);
      } catch {
        failed++;
      }
    }
  }
  const workers = [];
  for (let i = 0; i < Math.min(concurrency, items.length); i++) workers.push(worker());
  await Promise.all(workers);
  return { failed };
}

/** What a hand-written loop usually does instead of a pool: slices of `size`, each awaited as a whole. */
async function fixedBatches(items, size, handler) {
  let failed = 0;
  for (let i = 0; i < items.length; i += size) {
    const settled = await Promise.allSettled(items.slice(i, i + size).map((item) => handler(item)));
    for (const s of settled) if (s.status === 'rejected') failed++;
  }
  return { failed };
}

module.exports = { minimalPool, fixedBatches };
