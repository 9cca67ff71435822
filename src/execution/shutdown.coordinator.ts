import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { COORDINATED_CRON_RESOLVED_OPTIONS, LOGGER_CONTEXT } from '../common/constants.js';
import { onAbort } from '../common/abort-listeners.js';
import type { ResolvedCoordinatedCronOptions } from '../options/module-options.js';

interface TrackedRun {
  abort(reason: Error): void;
  settled: Promise<void>;
  done(): void;
}

/**
 * Knows whether shutdown has begun and drains running work: from the first `begin()` no new occurrence or tenant
 * starts; running work gets `shutdownTimeout`, then its signals are aborted and it gets `lockTimeout` more to
 * record what it left undone and release its lease. `begin()` resolves when that is over.
 */
@Injectable()
export class ShutdownCoordinator implements OnModuleDestroy {
  private readonly logger = new Logger(LOGGER_CONTEXT);
  private readonly runs = new Set<TrackedRun>();
  private readonly listeners: Array<() => void> = [];
  /** Waits cut short by shutdown. */
  private readonly sleepers = new Set<() => void>();
  private draining?: Promise<void>;
  private beganAt?: number;

  constructor(@Inject(COORDINATED_CRON_RESOLVED_OPTIONS) private readonly options: ResolvedCoordinatedCronOptions) {}

  get isShuttingDown(): boolean {
    return this.beganAt !== undefined;
  }

  /** Milliseconds since shutdown began (0 before). */
  get elapsedMs(): number {
    return this.beganAt === undefined ? 0 : Date.now() - this.beganAt;
  }

  /** Called synchronously the moment shutdown begins (e.g. to stop timers). */
  onBegin(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Registers a running occurrence; call the returned `done` when it has finished everything. */
  track(abort: (reason: Error) => void): () => void {
    let done!: () => void;
    const settled = new Promise<void>((resolve) => (done = resolve));
    const run: TrackedRun = { abort, settled, done };
    this.runs.add(run);
    return () => {
      this.runs.delete(run);
      run.done();
    };
  }

  /**
   * Waits `ms`; resolves `true` when the wait ran its course, `false` as soon as shutdown begins or `signal` aborts
   * (at once when either has already). A pending wait never keeps the process alive.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (this.isShuttingDown || signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        stopListening?.();
        resolve(false);
      };
      const timer = setTimeout(
        () => {
          this.sleepers.delete(wake);
          stopListening?.();
          resolve(true);
        },
        Math.max(0, ms),
      );
      timer.unref();
      this.sleepers.add(wake);
      const stopListening = signal && onAbort(signal, wake);
    });
  }

  onModuleDestroy(): Promise<void> {
    return this.begin();
  }

  begin(): Promise<void> {
    this.draining ??= this.drain();
    return this.draining;
  }

  private async drain(): Promise<void> {
    this.beganAt = Date.now();
    for (const wake of [...this.sleepers]) wake();
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.logger.error(`shutdown listener failed: ${String(error)}`);
      }
    }
    if (this.runs.size === 0) return;
    this.logger.log(
      `shutdown: no new work starts; waiting up to ${this.options.shutdownTimeout}ms for ${this.runs.size} running job(s)`,
    );
    if (await this.waitForRuns(this.options.shutdownTimeout)) return;
    this.logger.warn(
      `shutdown: ${this.runs.size} job(s) still running after shutdownTimeout; their signals are aborted`,
    );
    const reason = new Error(`shutdown: still running after shutdownTimeout (${this.options.shutdownTimeout}ms)`);
    for (const run of this.runs) run.abort(reason);
    await this.waitForRuns(this.options.lockTimeout);
  }

  /** Resolves true when every tracked run finished within `ms`. */
  private waitForRuns(ms: number): Promise<boolean> {
    const all = Promise.all([...this.runs].map((run) => run.settled)).then(() => true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void all.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
