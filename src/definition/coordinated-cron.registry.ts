import { Injectable } from '@nestjs/common';
import { type JobDefinition } from './job-definition.js';

/** The validated jobs of this application, by name. Filled once at module init by the explorer. */
@Injectable()
export class CoordinatedCronRegistry {
  private readonly jobs = new Map<string, JobDefinition>();

  register(definitions: readonly JobDefinition[]): void {
    for (const job of definitions) this.jobs.set(job.name, job);
  }

  get(name: string): JobDefinition | undefined {
    return this.jobs.get(name);
  }

  all(): JobDefinition[] {
    return [...this.jobs.values()];
  }
}
