import { Injectable } from '@nestjs/common';
import { CoordinatedCronRegistry } from '../definition/coordinated-cron.registry.js';
import { type JobRunReport } from '../interfaces/index.js';
import { OccurrenceExecutor } from './occurrence.executor.js';

/** A registered job, as `CoordinatedCronRunner.jobs()` lists it. */
export interface CoordinatedCronJobInfo {
  name: string;
  cron: string;
  jitterMs: number;
  nextOccurrence: Date;
}

/**
 * Runs jobs on demand through the same path as their schedule (claim, lease, CLS, tenants, report), and lists them.
 */
@Injectable()
export class CoordinatedCronRunner {
  constructor(
    private readonly registry: CoordinatedCronRegistry,
    private readonly executor: OccurrenceExecutor,
  ) {}

  /**
   * Runs occurrence `opts.occurrence` of job `name` (default: the latest tick of its schedule at or before now).
   * The occurrence is claimed like a scheduled one, so an occurrence already run anywhere is skipped as duplicate.
   * Rejects only for an unknown job name or an invalid date.
   */
  async trigger(name: string, opts: { occurrence?: Date } = {}): Promise<JobRunReport> {
    const job = this.registry.get(name);
    if (!job) {
      const known = this.registry.all().map((j) => j.name);
      throw new Error(`no coordinated cron job named "${name}"; known jobs: ${known.join(', ') || '(none)'}`);
    }
    if (
      opts.occurrence !== undefined &&
      !(opts.occurrence instanceof Date && !Number.isNaN(opts.occurrence.getTime()))
    ) {
      throw new TypeError(`trigger("${name}"): occurrence ${JSON.stringify(opts.occurrence)} is not a valid Date`);
    }
    const occurrence = opts.occurrence ?? job.schedule.occurrenceAt(new Date());
    // An operator's explicit request runs even while the job is paused.
    return this.executor.run(job, occurrence, { ignorePause: true });
  }

  jobs(): CoordinatedCronJobInfo[] {
    const now = new Date();
    return this.registry.all().map((job) => ({
      name: job.name,
      cron: job.cron,
      jitterMs: job.jitterMs,
      nextOccurrence: job.schedule.next(now),
    }));
  }
}
