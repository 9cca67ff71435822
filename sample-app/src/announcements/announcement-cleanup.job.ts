import { Injectable, Logger } from '@nestjs/common';
import { CoordinatedCron, type CronRun } from 'nestjs-coordinated-cron';
import { jobWindow } from '../config/job-windows.js';
import { ANNOUNCEMENT_CLEANUP } from '../config/sample-config.js';
import { JobRunRecorder } from '../job-runs/job-run-recorder.service.js';
import { AnnouncementsRepository } from './announcements.repository.js';

/** Global: one sweep for the whole system, so exactly one instance should do it per window. */
@Injectable()
export class AnnouncementCleanupJob {
  private readonly logger = new Logger('AnnouncementCleanup');

  constructor(
    private readonly announcements: AnnouncementsRepository,
    private readonly recorder: JobRunRecorder,
  ) {}

  @CoordinatedCron(ANNOUNCEMENT_CLEANUP, jobWindow(ANNOUNCEMENT_CLEANUP))
  async removeExpired({ context }: CronRun): Promise<void> {
    const removed = await this.recorder.record(
      context,
      () => this.announcements.deleteExpired(Date.now()),
      (count) => `removed=${count}`,
    );
    if (removed > 0) this.logger.log(`removed ${removed} expired announcement(s)`);
  }
}
