import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service.js';

@Injectable()
export class InvoicesRepository {
  constructor(private readonly database: DatabaseService) {}

  archivePaidIssuedBefore(accountId: string, cutoff: number, now: number): number {
    return this.database.db
      .prepare(
        `UPDATE invoices SET archived_at = ?
         WHERE account_id = ? AND status = 'paid' AND archived_at IS NULL AND issued_at < ?`,
      )
      .run(now, accountId, cutoff).changes;
  }

  countOpen(accountId: string): number {
    return this.database.db
      .prepare("SELECT COUNT(*) FROM invoices WHERE account_id = ? AND status = 'open'")
      .pluck()
      .get(accountId) as number;
  }
}
