const MB = 1024 * 1024;

/**
 * Runs `run` once and measures its peak RSS growth: the peak (the kernel's high-water mark `maxRSS`, and 5 ms samples)
 * minus the RSS just before, after a collection when the process runs with --expose-gc. The high-water mark covers
 * the whole process life, so the growth is an upper bound.
 */
export async function withPeakRss<T>(run: () => Promise<T>): Promise<{ value: T; elapsedMs: number; rssBeforeMB: number; rssGrowthMB: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage.rss();
  let sampledPeak = rssBefore;
  // Macrotask sampling starves while the pool runs on microtasks; the kernel's high-water mark below cannot.
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
  }, 5);
  const t0 = performance.now();
  const value = await run();
  const elapsedMs = performance.now() - t0;
  clearInterval(sampler);
  const peak = Math.max(process.resourceUsage().maxRSS * 1024, sampledPeak, process.memoryUsage.rss());
  return { value, elapsedMs, rssBeforeMB: rssBefore / MB, rssGrowthMB: (peak - rssBefore) / MB };
}
