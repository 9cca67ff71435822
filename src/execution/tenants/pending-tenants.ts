import { Injectable } from '@nestjs/common';
import { CoordinatedCronLock } from '../../coordination/coordinated-cron.lock.js';
import { type CronContextValue } from '../../interfaces/index.js';
import { RunLog } from '../run-log.js';

/** The pending set as a run found it. */
export type PendingRead = { kind: 'read'; tenantIds: string[] } | { kind: 'failed'; error: unknown };

/**
 * The record of tenants a run left undone (never started, or cut off), kept in the lock store so that the next
 * run of the job, on any instance, takes them first. Nothing is lost across a deploy.
 */
@Injectable()
export class PendingTenants {
  constructor(
    private readonly lock: CoordinatedCronLock,
    private readonly runLog: RunLog,
  ) {}

  async read(jobName: string): Promise<PendingRead> {
    try {
      return { kind: 'read', tenantIds: await this.lock.readPending(jobName) };
    } catch (error) {
      return { kind: 'failed', error };
    }
  }

  /**
   * Makes the pending set exactly what this run leaves undone. Unchanged and empty costs no store call; when the
   * old contents are unknown (the read failed and the run went on), they are left alone unless this run has
   * tenants to keep, which then replace them. A failed write is logged with every id it could not keep.
   */
  async keep(context: CronContextValue, before: PendingRead | undefined, undone: readonly string[]): Promise<void> {
    const wasEmptyOrUnknown = before === undefined || before.kind === 'failed' || before.tenantIds.length === 0;
    if (undone.length === 0 && wasEmptyOrUnknown) return;
    try {
      await this.lock.writePending(context.jobName, undone);
    } catch (error) {
      this.runLog.pendingWriteFailed(context, undone, error);
    }
  }
}
