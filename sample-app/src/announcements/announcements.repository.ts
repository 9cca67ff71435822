import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../database/database.service.js';

@Injectable()
export class AnnouncementsRepository {
  constructor(private readonly database: DatabaseService) {}

  deleteExpired(now: number): number {
    return this.database.db.prepare('DELETE FROM announcements WHERE expires_at <= ?').run(now).changes;
  }
}
