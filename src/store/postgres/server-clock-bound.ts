/** How long one reading of the server's clock keeps its weight against later, looser ones. */
const KEEP_MS = 60_000;

/**
 * A lower bound on how far the database's clock is ahead of this process's, from the server times its answers
 * carry. An answer was computed before it arrived, so `serverTime - receivedAt` never exceeds the true offset; the
 * tightest (largest) bound of the last minute is kept, so one answer delayed on its way back costs little. Used to
 * tell the database, in its own clock, when a caller stops waiting: erring low only makes the database give up a
 * little early, never late. Pure: the clock is passed in.
 */
export class ServerClockBound {
  private bound?: number;
  private boundAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** A server time (epoch ms) from an answer received at `receivedAt` by this process's clock. */
  sample(serverTimeMs: number, receivedAt: number = this.now()): void {
    if (!Number.isFinite(serverTimeMs)) return;
    const bound = serverTimeMs - receivedAt;
    if (this.bound === undefined || bound >= this.bound || receivedAt - this.boundAt > KEEP_MS) {
      this.bound = bound;
      this.boundAt = receivedAt;
    }
  }

  /** `localMs` (epoch ms, this process's clock) as a moment of the server's clock, or `undefined` before any answer. */
  toServer(localMs: number): Date | undefined {
    return this.bound === undefined ? undefined : new Date(localMs + this.bound);
  }
}
