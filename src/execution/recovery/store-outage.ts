import { Injectable } from '@nestjs/common';
import { type JobDefinition } from '../../definition/job-definition.js';

type RecoveryListener = (job: JobDefinition, firstMissed: Date, recoveredAt: Date) => void;

/**
 * Which jobs' claims are failing on lock errors, from which occurrence on. When a claim of such a job is answered
 * again, the occurrences between the first failure and that claim are candidates for a late run; listeners (the
 * scheduler's catch-up) hear of it once the run that noticed has ended, so a late run does not meet its lease.
 */
@Injectable()
export class StoreOutage {
  /** Jobs whose claims failed, with the first occurrence that did. */
  private readonly failingSince = new Map<string, Date>();
  /** Jobs whose store answered again, waiting for the run that noticed it to end. */
  private readonly recovered = new Map<string, { since: Date; at: Date }>();
  private readonly listeners: RecoveryListener[] = [];

  onRecovered(listener: RecoveryListener): void {
    this.listeners.push(listener);
  }

  /**
   * A claim of `occurrence` met a lock error. A late run's claim counts too: its occurrence is tried again after the
   * outage, while its catch-up window lasts (the plan drops what is older).
   */
  failed(job: JobDefinition, occurrence: Date): void {
    const since = this.failingSince.get(job.name);
    if (!since || occurrence.getTime() < since.getTime()) this.failingSince.set(job.name, occurrence);
  }

  /**
   * A claim of `occurrence` was answered `late`: nobody claimed it, and its window had passed by the store's clock
   * when the claim got there (the store stalled while it was on its way, or this instance's clock is behind). It is
   * a missed occurrence like one of an outage, run late as the job's `catchup` says.
   */
  missed(job: JobDefinition, occurrence: Date): void {
    const until = new Date(occurrence.getTime() + 1);
    const known = this.recovered.get(job.name);
    this.recovered.set(job.name, {
      since: known && known.since.getTime() < occurrence.getTime() ? known.since : occurrence,
      at: known && known.at.getTime() > until.getTime() ? known.at : until,
    });
  }

  /** A claim of `occurrence` was answered. */
  answered(job: JobDefinition, occurrence: Date): void {
    const since = this.failingSince.get(job.name);
    if (!since) return;
    this.failingSince.delete(job.name);
    this.recovered.set(job.name, { since, at: occurrence });
  }

  /** The run that saw the store answer has ended: tell the listeners now. */
  announce(job: JobDefinition): void {
    const recovery = this.recovered.get(job.name);
    if (!recovery) return;
    this.recovered.delete(job.name);
    for (const listener of this.listeners) listener(job, recovery.since, recovery.at);
  }
}
