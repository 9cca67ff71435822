import { CronJob } from 'cron';
import { Clock } from '../common/clock.js';
import { type Schedule } from '../definition/schedule.js';

/** setTimeout's largest delay; longer waits are taken in steps. */
const MAX_TIMER_MS = 2_147_483_647;
/** How long after a tick the timer is re-armed for the next one. */
const REARM_AFTER_MS = 100;
/**
 * How long before a tick the process first wakes. A timer that ends a long idle fires late, by as much as the
 * machine takes to wake the process (4.7 ms at the median for five processes on a 2-core machine, measured with
 * plain `setTimeout`s aimed at the same instants), and every instance pays it before it can claim. Woken a moment
 * early, the process sets a short timer to the tick from a running state, which fired 1 ms late at the median.
 */
export const WAKE_BEFORE_MS = 20;

/**
 * The `CronJob` a coordinated job registers in @nestjs/schedule's `SchedulerRegistry`, so it is listed, stopped and
 * started like any other. Its timer is aimed at the ticks of the job's own `CronSchedule`, the schedule that also
 * names occurrences: the tick a timer was set for is the occurrence it claims, with no guessing from the time it
 * fired (the `cron` package's timer works out its next date before it calls back, and on DST days places some
 * ticks differently).
 */
export class CoordinatedCronJob extends CronJob {
  private timer?: NodeJS.Timeout;
  private armed = false;
  /** The occurrence being dispatched; fireOnTick calls the callbacks synchronously, so it is read at once. */
  private firing?: Date;

  constructor(
    private schedule: Schedule,
    private readonly onOccurrence: (occurrence: Date) => void,
    /** Ticks fire by this instance's own clock; claims then wait for the store's when it runs behind. */
    private readonly clock: Clock = new Clock(),
  ) {
    super(schedule.expression, () => undefined, null, false, schedule.timeZone);
    // The registry wraps fireOnTick in its own guard; ours goes through the callbacks like any CronJob's.
    this.addCallback(() => this.onOccurrence(this.firing as Date));
  }

  override get isActive(): boolean {
    return this.armed;
  }

  override start(): void {
    if (this.armed) return;
    this.armed = true;
    this.arm(this.schedule.next(this.clock.date()));
  }

  /**
   * Runs on `schedule` from now on (a schedule changed at runtime): the timer is aimed at its next tick at once. A
   * tick already handed over keeps its own window.
   */
  reschedule(schedule: Schedule): void {
    this.schedule = schedule;
    if (!this.armed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.arm(this.schedule.next(this.clock.date()));
  }

  override stop(): Promise<void> | undefined {
    this.armed = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    return super.stop();
  }

  private arm(tick: Date): void {
    if (!this.armed) return;
    const wait = tick.getTime() - this.clock.now();
    if (wait > WAKE_BEFORE_MS) {
      // The early wake-up (and, for long waits, one step of it): arm again from there.
      this.timer = setTimeout(() => this.arm(tick), Math.min(wait - WAKE_BEFORE_MS, MAX_TIMER_MS));
    } else if (wait > 0) {
      this.timer = setTimeout(() => this.due(tick), wait);
    } else {
      // Already past it (the wake-up itself came late): no further timer to wait for. Called only from a timer or
      // from `start()` with a tick still ahead, so a tick never fires from inside the code that armed it.
      this.due(tick);
    }
  }

  private due(tick: Date): void {
    this.timer = undefined;
    const now = this.clock.date();
    // Timers may fire a moment early: wait out the rest.
    if (now.getTime() < tick.getTime()) return this.arm(tick);
    // A process stalled past the following tick runs only the latest occurrence, not every one it slept through.
    const occurrence = this.schedule.next(tick).getTime() <= now.getTime() ? this.schedule.occurrenceAt(now) : tick;
    this.lastExecution = now;
    this.firing = occurrence;
    void this.fireOnTick();
    this.firing = undefined;
    // Off the hot path: every instance wakes on this tick, so finding the next one waits until the claims and
    // leases of this one have had the CPU. Ticks are at least a second apart.
    this.timer = setTimeout(() => this.arm(this.schedule.prepare(occurrence)), REARM_AFTER_MS);
  }
}
