import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service.js';

@Injectable()
export class AutomationsRepository {
  constructor(private readonly database: DatabaseService) {}

  /**
   * Queues every due automation and moves it to its next slot, in one transaction. Run twice for the same
   * window, it would queue the same work twice: the reason this job needs duplicate suppression.
   */
  queueDue(now: number, queuedBy: string): number {
    const db = this.database.db;
    const due = db.prepare('SELECT id, every_seconds, next_run_at FROM automations WHERE next_run_at <= ? LIMIT 1000');
    const enqueue = db.prepare(
      'INSERT INTO automation_queue (automation_id, due_at, queued_at, queued_by) VALUES (?, ?, ?, ?)',
    );
    const reschedule = db.prepare('UPDATE automations SET next_run_at = ? WHERE id = ?');
    return db.transaction(() => {
      const rows = due.all(now) as Array<{ id: number; every_seconds: number; next_run_at: number }>;
      for (const row of rows) {
        enqueue.run(row.id, row.next_run_at, now, queuedBy);
        reschedule.run(now + row.every_seconds * 1000, row.id);
      }
      return rows.length;
    })();
  }
}
