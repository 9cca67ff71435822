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

  /** A claim of `occurrence` met a lock error. Late runs themselves do not open an outage. */
  failed(job: JobDefinition, occurrence: Date, catchup: boolean): void {
    if (!catchup && !this.failingSince.has(job.name)) this.failingSince.set(job.name, occurrence);
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
