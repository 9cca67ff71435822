import { Module } from '@nestjs/common';
import { AnnouncementsRepository } from './announcements.repository';

@Module({
  providers: [AnnouncementsRepository],
  exports: [AnnouncementsRepository],
})
export class AnnouncementsModule {}
