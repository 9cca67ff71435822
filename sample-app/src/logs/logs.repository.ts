import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service.js';

@Injectable()
export class LogsRepository {
  constructor(private readonly database: DatabaseService) {}

  deleteOlderThan(accountId: string, cutoff: number): number {
    return this.database.db.prepare('DELETE FROM logs WHERE account_id = ? AND created_at < ?').run(accountId, cutoff)
      .changes;
  }

  countSince(accountId: string, since: number): number {
    return this.database.db
      .prepare('SELECT COUNT(*) FROM logs WHERE account_id = ? AND created_at >= ?')
      .pluck()
      .get(accountId, since) as number;
  }
}
