import { type LockStore } from '../interfaces/index.js';
import { describeError } from '../common/describe-error.js';

/**
 * The "job is running" lease of one run, taken inside its claim (or take-over): renewed in the background every third
 * of its TTL, and released with a compare-and-delete on its own token. When it cannot be kept, `onLost` is called once.
 */
export class RunningLease {
  private timer?: NodeJS.Timeout;
  private renewing = false;
  private lastRenewedAt: number;
  private lost = false;

  constructor(
    private readonly store: LockStore,
    readonly job: string,
    readonly token: string,
    private readonly ttlMs: number,
  ) {
    this.lastRenewedAt = Date.now();
  }

  keepAlive(onLost: (reason: string) => void): void {
    this.timer = setInterval(() => void this.renew(onLost), this.intervalMs);
    // A lease must never keep the process alive on its own.
    this.timer.unref();
  }

  async release(): Promise<void> {
    this.stop();
    await this.store.releaseLease({ job: this.job, token: this.token });
  }

  private get intervalMs(): number {
    return Math.max(1, Math.floor(this.ttlMs / 3));
  }

  /** Stops renewing without releasing: the caller releases it some other way (the ledger's finish call). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async renew(onLost: (reason: string) => void): Promise<void> {
    if (this.renewing || this.lost) return;
    this.renewing = true;
    let reason: string | undefined;
    try {
      if (await this.store.renewLease({ job: this.job, token: this.token, ttlMs: this.ttlMs })) {
        this.lastRenewedAt = Date.now();
      } else {
        reason = 'another holder has it or it expired';
      }
    } catch (error) {
      // A failed renewal is not yet a loss while the last good one still covers us until the next attempt.
      if (Date.now() - this.lastRenewedAt + this.intervalMs >= this.ttlMs) {
        reason = `not renewed for ${this.ttlMs}ms: ${describeError(error)}`;
      }
    } finally {
      this.renewing = false;
    }
    if (reason !== undefined && !this.lost && this.timer) {
      this.lost = true;
      this.stop();
      onLost(reason);
    }
  }
}
