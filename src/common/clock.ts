import { Injectable } from '@nestjs/common';

/**
 * This process's clock, as the library reads it to place ticks and to plan late runs. One injectable provider, so a
 * test can run an instance whose clock is off without a process of its own (`overrideProvider(Clock)`).
 */
@Injectable()
export class Clock {
  /** Epoch milliseconds. */
  now(): number {
    return Date.now();
  }

  date(): Date {
    return new Date(this.now());
  }
}
