import { Injectable } from '@nestjs/common';
import type { CronContextValue } from 'nestjs-coordinated-cron';
import { ClsService } from 'nestjs-cls';
import { DatabaseService } from '../database/database.service.js';

export const FLOW_CLS_KEY = 'flow';

/**
 * Writes one job_runs row per job body call. The table is the sample's proof of who ran which occurrence: the
 * cluster demo prints it and the e2e suite checks exactly-once against it.
 */
@Injectable()
export class JobRunRecorder {
  constructor(
    private readonly database: DatabaseService,
    private readonly cls: ClsService,
  ) {}

  /** Runs `work` between a 'running' row and its final status; the error, if any, is recorded and rethrown. */
  async record<T>(context: CronContextValue, work: () => Promise<T> | T, describe?: (result: T) => string): Promise<T> {
    const id = this.start(context);
    try {
      const result = await work();
      this.finish(id, 'succeeded', describe?.(result) ?? null);
      return result;
    } catch (error) {
      this.finish(id, 'failed', error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  private start(context: CronContextValue): number {
    // Read from CLS rather than passed in: the row shows what the job's async path actually carried.
    const flow = this.cls.isActive() ? ((this.cls.get(FLOW_CLS_KEY) as string | undefined) ?? null) : null;
    const result = this.database.db
      .prepare(
        `INSERT INTO job_runs (job_name, occurrence, run_id, instance_id, tenant_id, flow, started_at, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'running')`,
      )
      .run(
        context.jobName,
        context.occurrence,
        context.runId,
        context.instanceId,
        context.tenantId ?? null,
        flow,
        Date.now(),
      );
    return Number(result.lastInsertRowid);
  }

  private finish(id: number, status: 'succeeded' | 'failed', detail: string | null): void {
    // The database closes at application shutdown; a body still finishing then has nothing left to record into.
    if (!this.database.db.open) return;
    this.database.db
      .prepare('UPDATE job_runs SET finished_at = ?, status = ?, detail = ? WHERE id = ?')
      .run(Date.now(), status, detail, id);
  }
}
