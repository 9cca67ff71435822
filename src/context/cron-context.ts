import { Injectable } from '@nestjs/common';
import { type CronContextValue } from '../interfaces/index.js';
import { CronContextStore } from './cron-context.store.js';

/**
 * Reads the identity of the job run the caller is part of (job name, run id, occurrence, instance, tenant), from
 * any depth of the run's async path: services, repositories, loggers, error reporters.
 */
@Injectable()
export class CronContext {
  constructor(private readonly store: CronContextStore) {}

  /** The current run's identity, or `undefined` outside a job run. */
  get(): CronContextValue | undefined {
    return this.store.get();
  }
}
