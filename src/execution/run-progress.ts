import { PROGRESS_INTERVAL_MS } from '../common/constants.js';
import { type CoordinatedCronLock } from '../coordination/coordinated-cron.lock.js';
import { type CronContextValue, type RunStatus } from '../interfaces/index.js';

/**
 * Publishes the progress of one run to the lock store so that `describe()` on any instance can show it: one write
 * when the run starts, then at most one write per interval while the count of finished tenants changes, each a
 * single store command. Failures are reported to `onError` and otherwise ignored: progress is a view, not state.
 */
export class RunProgress {
  private done = 0;
  private total?: number;
  private written = '';
  private writing = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly lock: CoordinatedCronLock,
    private readonly context: CronContextValue,
    private readonly startedAt: Date,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Writes the first record; resolves once it is written (or failed). Never rejects. */
  start(): Promise<void> {
    return this.write(this.status());
  }

  /** The run's tenants are known: from now on the count is published on a timer. */
  selected(total: number): void {
    this.total = total;
    this.flush();
    this.timer = setInterval(() => this.flush(), PROGRESS_INTERVAL_MS);
    // A progress timer must never keep a process alive.
    this.timer.unref();
  }

  tenantDone(): void {
    this.done += 1;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    if (this.total === undefined) return;
    const state = `${this.done}/${this.total}`;
    // Nothing new, or the previous write still in flight: skip this beat rather than queue commands.
    if (state === this.written || this.writing) return;
    this.written = state;
    void this.write({ ...this.status(), done: this.done, total: this.total });
  }

  private status(): RunStatus {
    return { runId: this.context.runId, instanceId: this.context.instanceId, startedAt: this.startedAt.toISOString() };
  }

  private write(status: RunStatus): Promise<void> {
    this.writing = true;
    return this.lock
      .writeRunStatus(this.context.jobName, status)
      .catch(this.onError)
      .finally(() => (this.writing = false));
  }
}
