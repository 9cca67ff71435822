/** A waiter for a slot, and when it stops waiting. */
interface Waiter {
  grant: (release: () => void) => void;
  timer: NodeJS.Timeout;
}

/**
 * At most `size` holders at a time, served first come first served. A waiter that is still queued at its deadline
 * leaves the queue and is refused, so that work whose caller has given up never starts late. Pure: timers only.
 */
export class ConnectionSlots {
  private inUse = 0;
  private readonly queue: Waiter[] = [];

  constructor(private readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`ConnectionSlots: size ${size} must be >= 1`);
  }

  /** Holders right now. */
  get busy(): number {
    return this.inUse;
  }

  /** Waiters queued right now. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Resolves with the function that frees the slot (calling it again does nothing), or rejects with
   * `onTimeout()` when no slot freed up before `deadline` (epoch ms).
   */
  acquire(deadline: number, onTimeout: () => Error): Promise<() => void> {
    if (this.inUse < this.size) {
      this.inUse += 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: resolve,
        timer: setTimeout(
          () => {
            const index = this.queue.indexOf(waiter);
            if (index >= 0) this.queue.splice(index, 1);
            reject(onTimeout());
          },
          Math.max(0, deadline - Date.now()),
        ),
      };
      // A queued waiter never keeps the process alive on its own.
      waiter.timer.unref?.();
      this.queue.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) {
        // The slot passes straight to the next waiter: the count does not change.
        clearTimeout(next.timer);
        next.grant(this.releaser());
      } else this.inUse -= 1;
    };
  }
}
