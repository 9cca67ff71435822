/** Most ids one progress write carries: far below the 10,000 members any single store command may carry. */
export const PROGRESS_BATCH_MAX = 5_000;
/** How long a finished tenant waits at most before its write is sent, so a crash forgets at most this much. */
export const PROGRESS_INTERVAL_MS = 250;

export interface ProgressRecorderOptions<T = string> {
  maxBatch?: number;
  intervalMs?: number;
  /** Called once per failed write; the entries of that write are dropped (they may run again on a resume). */
  onError?: (error: unknown, entries: readonly T[]) => void;
}

/**
 * Collects what tenants did (the ids of finished tenants, or the tries of failed ones) and writes it in batches: one
 * write at a time, each of at most `maxBatch` entries, started when a batch fills or `intervalMs` after the first
 * entry waiting. A million tenants cost a few hundred writes rather than a million, and no write is large enough to
 * hold the store up for others. Pure: the write and the timers are all it touches, so it is tested without Nest or a
 * store.
 */
export class ProgressRecorder<T = string> {
  /** Full batches waiting, oldest first, then the one being filled: adding an id never copies the ones before it. */
  private readonly waiting: T[][] = [];
  private timer?: NodeJS.Timeout;
  /** The timer armed is the immediate one: re-arming it for every id added meanwhile would only cost. */
  private dueNow = false;
  private inFlight?: Promise<void>;
  private closed = false;
  private readonly maxBatch: number;
  private readonly intervalMs: number;

  constructor(
    private readonly write: (entries: T[]) => Promise<void>,
    private readonly options: ProgressRecorderOptions<T> = {},
  ) {
    this.maxBatch = options.maxBatch ?? PROGRESS_BATCH_MAX;
    this.intervalMs = options.intervalMs ?? PROGRESS_INTERVAL_MS;
  }

  /** Records one entry. Never blocks the caller. */
  add(entry: T): void {
    if (this.closed) return;
    const filling = this.waiting.at(-1);
    if (filling && filling.length < this.maxBatch) filling.push(entry);
    else this.waiting.push([entry]);
    if (this.inFlight) return; // the write in flight picks these up when it ends
    if (this.hasFullBatch()) {
      if (!this.dueNow) this.flushSoon(0);
    } else if (!this.timer) this.flushSoon(this.intervalMs);
  }

  /** Writes everything still waiting, then stops; resolves when the last write has settled. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  /** Writes everything waiting now, and keeps recording; resolves when those writes have settled. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.dueNow = false;
    while (this.inFlight || this.waiting.length > 0) {
      if (this.inFlight) await this.inFlight;
      else this.startWrite();
    }
  }

  private hasFullBatch(): boolean {
    return this.waiting.length > 1 || this.waiting[0]?.length === this.maxBatch;
  }

  private flushSoon(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.dueNow = delayMs === 0;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dueNow = false;
      this.startWrite();
    }, delayMs);
    // Progress never keeps a process alive on its own.
    this.timer.unref?.();
  }

  private startWrite(): void {
    const batch = this.inFlight ? undefined : this.waiting.shift();
    if (!batch) return;
    this.inFlight = this.write(batch)
      .catch((error: unknown) => this.options.onError?.(error, batch))
      .finally(() => {
        this.inFlight = undefined;
        if (this.closed || this.waiting.length === 0) return;
        this.flushSoon(this.hasFullBatch() ? 0 : this.intervalMs);
      });
  }
}
