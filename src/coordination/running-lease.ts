import { type LockStore } from '../interfaces/index.js';
import { describeError } from '../common/describe-error.js';

/** What a run hears from its lease while it runs. */
export interface LeaseWatch {
  /** The lease could not be kept (another holder has it, it expired, or the store stopped answering): once. */
  lost(reason: string): void;
  /** Another occurrence asked to replace this run (`overlap: 'cancel-running'`): once. */
  cancelled?(by: Date): void;
}

/**
 * The "job is running" lease of one run, taken inside its claim (or take-over): renewed in the background every third
 * of its TTL, and released with a compare-and-delete on its own token. A run of a job whose runs may overlap
 * (`overlap: 'allow'`) holds no job-wide lease: its lease only carries the token to its finish, and renews nothing.
 */
export class RunningLease {
  private timer?: NodeJS.Timeout;
  private renewing = false;
  private lastRenewedAt: number;
  private lost = false;
  private cancelled = false;

  constructor(
    private readonly store: LockStore,
    readonly job: string,
    readonly token: string,
    private readonly ttlMs: number,
    /** False for a run that holds no job-wide lease: nothing to renew or lose. */
    readonly held = true,
  ) {
    this.lastRenewedAt = Date.now();
  }

  keepAlive(watch: LeaseWatch): void {
    if (!this.held) return;
    this.timer = setInterval(() => void this.renew(watch), this.intervalMs);
    // A lease must never keep the process alive on its own.
    this.timer.unref();
  }

  async release(): Promise<void> {
    this.stop();
    if (this.held) await this.store.releaseLease({ job: this.job, token: this.token });
  }

  private get intervalMs(): number {
    return Math.max(1, Math.floor(this.ttlMs / 3));
  }

  /** Stops renewing without releasing: the caller releases it some other way (the ledger's finish call). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async renew(watch: LeaseWatch): Promise<void> {
    if (this.renewing || this.lost) return;
    this.renewing = true;
    let reason: string | undefined;
    try {
      const renewal = await this.store.renewLease({ job: this.job, token: this.token, ttlMs: this.ttlMs });
      if (renewal.kind === 'lost') reason = 'another holder has it or it expired';
      else {
        this.lastRenewedAt = Date.now();
        if (renewal.kind === 'cancelled' && !this.cancelled && this.timer) {
          this.cancelled = true;
          watch.cancelled?.(renewal.by);
        }
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
      watch.lost(reason);
    }
  }
}
